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
  return { params, config, meta: topology.meta ?? {} };
}

export function disposeParams(params: FusionParams): void {
  for (const v of Object.values(params)) v.dispose();
}
