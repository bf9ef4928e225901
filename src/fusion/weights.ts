/**
 * Saves and loads fusion parameters as tfjs model artifacts (model.json with a weights manifest + weights.bin),
 * so the same verified loader (`AssetLoader.layersModelHandler`) and Node's `diskLoader` carry them.
 */
import * as tf from '@tensorflow/tfjs';
import { withConfigDefaults, type FusionConfig, type FusionParams } from './model.ts';

export interface FusionArtifactsTopology { emolens: 'fusion'; version: 1; config: FusionConfig; meta?: Record<string, unknown> }

export async function fusionToArtifacts(params: FusionParams, config: FusionConfig, meta: Record<string, unknown> = {}): Promise<tf.io.ModelArtifacts> {
  const named = Object.entries(params).map(([name, tensor]) => ({ name, tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const topology: FusionArtifactsTopology = { emolens: 'fusion', version: 1, config, meta };
  return { modelTopology: topology as unknown as object, weightSpecs: specs, weightData: data, format: 'emolens-fusion', generatedBy: 'emolens' };
}

export async function loadFusionParams(handler: tf.io.IOHandler): Promise<{ params: FusionParams; config: FusionConfig; meta: Record<string, unknown> }> {
  if (!handler.load) throw new Error('loadFusionParams: the IOHandler cannot load');
  const artifacts = await handler.load();
  const topology = artifacts.modelTopology as unknown as FusionArtifactsTopology;
  if (topology?.emolens !== 'fusion') throw new Error('loadFusionParams: model.json is not an EmoLens fusion model');
  const tensors = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs ?? []);
  const params: FusionParams = {};
  for (const [name, t] of Object.entries(tensors)) { params[name] = tf.variable(t, false); t.dispose(); }
  const config = withConfigDefaults(topology.config);
  if (config.temperatures !== undefined) {
    const t = config.temperatures as unknown as Record<string, unknown>;
    for (const head of ['fused', 'text', 'audio', 'face']) {
      const v = t?.[head];
      if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
        disposeParams(params);
        throw new Error(`loadFusionParams: temperatures.${head} must be a positive number, model.json has ${JSON.stringify(v)}`);
      }
    }
  }
  const problem = qualityProblem(config, params);
  if (problem) { disposeParams(params); throw new Error(`loadFusionParams: ${problem}`); }
  return { params, config, meta: topology.meta ?? {} };
}

/** What is wrong with a file's recording-quality statistics and gate weights, if anything. */
function qualityProblem(config: FusionConfig, params: FusionParams): string | undefined {
  const q = config.quality as unknown as { dim?: unknown; mean?: unknown; std?: unknown } | undefined;
  if (q === undefined) return params['gate.quality.w'] ? 'the weights read recording quality but the config has no quality statistics' : undefined;
  const dim = q.dim;
  if (!(typeof dim === 'number' && Number.isInteger(dim) && dim > 0)) return `quality.dim must be a positive integer, model.json has ${JSON.stringify(dim)}`;
  for (const name of ['mean', 'std'] as const) {
    const rows = q[name];
    const ok = Array.isArray(rows) && rows.length === 3 && rows.every((r) => Array.isArray(r) && r.length === dim && r.every((v) => typeof v === 'number' && Number.isFinite(v) && (name === 'mean' || v > 0)));
    if (!ok) return `quality.${name} must be 3 rows of ${dim} finite numbers${name === 'std' ? ' above 0' : ''}`;
  }
  if (config.fusion === 'concat') return undefined;
  const w = params['gate.quality.w'], b = params['gate.quality.b'];
  if (!w || !b || w.shape.join() !== `3,${dim}` || b.shape.join() !== '3') return `the config reads ${dim} quality values per recording, but gate.quality.w / gate.quality.b are ${w ? `[${w.shape}]` : 'missing'} / ${b ? `[${b.shape}]` : 'missing'} (want [3,${dim}] / [3])`;
  return undefined;
}

export function disposeParams(params: FusionParams): void {
  for (const v of Object.values(params)) v.dispose();
}
