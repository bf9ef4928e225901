/**
 * Builds the audio encoder as a tfjs functional LayersModel with the SAME architecture as
 * tools/train/python/train_audio.py (AudioNet), loads the PyTorch weights written by `write_state`, and saves it with
 * `diskSaver`. Layout differences handled here: PyTorch is NCHW (mel as [B, 1, T, M]), tfjs is NHWC ([B, T, M, 1]);
 * the mel normaliser is a BatchNorm over axis 2 (the mel bins); BN epsilon comes from the state (1e-5, PyTorch's
 * default, where tfjs would default to 1e-3). Inputs: `mel` [batch, time (any), 64, 1], `prosody_stats` [batch, P].
 * Outputs, in order: `embedding` [batch, 64], `logits` [batch, 7] (LABELS order).
 *
 *   npx tsx tools/train/export-audio.ts --state .cache/audio/model --out public/models/audio-encoder
 *
 * Also copies metrics*.json, train.log and the parity references (parity/) next to the model.
 */
import * as tf from '@tensorflow/tfjs';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { AUDIO_FEATURES, PROSODY_STATS_NAMES } from '../../src/audio/features.ts';
import { LABELS } from '../../src/labels.ts';
import { readTensor } from './store.ts';
import { diskSaver, readTorchState, torchConv2dToTf, torchLinearToTf } from './tfjs-disk.ts';
import { nodeBackend } from '../node/backend.ts';

export interface AudioNetConfig { n_mels: number; n_stats: number; channels: number[]; dim: number; n_classes: number }

/** The tfjs twin of train_audio.py's AudioNet (inference graph: dropout is the identity there). */
export function buildAudioModel(cfg: AudioNetConfig, epsilon = 1e-5): tf.LayersModel {
  const mel = tf.input({ shape: [null, cfg.n_mels, 1], name: 'mel' });
  const stats = tf.input({ shape: [cfg.n_stats], name: 'prosody_stats' });
  let x = tf.layers.batchNormalization({ axis: 2, epsilon, name: 'mel_bn' }).apply(mel) as tf.SymbolicTensor;
  x = tf.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: 'mel_pool' }).apply(x) as tf.SymbolicTensor;
  cfg.channels.forEach((c, i) => {
    x = tf.layers.conv2d({ filters: c, kernelSize: 3, padding: 'same', name: `conv${i}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ axis: -1, epsilon, name: `bn${i}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.activation({ activation: 'relu', name: `relu${i}` }).apply(x) as tf.SymbolicTensor;
    if (i < cfg.channels.length - 1) x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: `pool${i}` }).apply(x) as tf.SymbolicTensor;
  });
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const s = tf.layers.batchNormalization({ axis: -1, epsilon, name: 'stats_bn' }).apply(stats) as tf.SymbolicTensor;
  const h = tf.layers.concatenate({ axis: -1, name: 'concat' }).apply([x, s]) as tf.SymbolicTensor;
  const embedding = tf.layers.dense({ units: cfg.dim, activation: 'relu', name: 'embedding' }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: cfg.n_classes, name: 'logits' }).apply(embedding) as tf.SymbolicTensor;
  return tf.model({ inputs: [mel, stats], outputs: [embedding, logits], name: 'emolens_audio_encoder' });
}

type TorchState = ReturnType<typeof readTorchState>;

function get(state: TorchState, name: string) {
  const w = state.get(name);
  if (!w) throw new Error(`export-audio: weight "${name}" missing from the PyTorch state`);
  return w;
}
const vec = (state: TorchState, name: string) => tf.tensor1d(get(state, name).data);
const bn = (state: TorchState, prefix: string) =>
  [vec(state, `${prefix}.weight`), vec(state, `${prefix}.bias`), vec(state, `${prefix}.running_mean`), vec(state, `${prefix}.running_var`)];

/** Copies PyTorch weights into the tfjs model (layer names as in buildAudioModel). */
export function loadTorchWeights(model: tf.LayersModel, state: TorchState, cfg: AudioNetConfig): void {
  const assign = (layer: string, weights: tf.Tensor[]) => { model.getLayer(layer).setWeights(weights); tf.dispose(weights); };
  assign('mel_bn', bn(state, 'mel_bn'));
  cfg.channels.forEach((_, i) => {
    assign(`conv${i}`, [torchConv2dToTf(get(state, `convs.${i}.weight`)), vec(state, `convs.${i}.bias`)]);
    assign(`bn${i}`, bn(state, `bns.${i}`));
  });
  assign('stats_bn', bn(state, 'stats_bn'));
  assign('embedding', [torchLinearToTf(get(state, 'embed.weight')), vec(state, 'embed.bias')]);
  assign('logits', [torchLinearToTf(get(state, 'head.weight')), vec(state, 'head.bias')]);
}

/** Reads `<stateDir>/state`, builds + fills the tfjs model, saves it to `outDir` (model.json + weights.bin). */
export async function exportAudio(stateDir: string, outDir: string, options: { copyExtras?: boolean } = {}): Promise<tf.LayersModel> {
  const header = readTensor<{ config: AudioNetConfig; bnEps: number }>(join(stateDir, 'state')).meta;
  const state = readTorchState(join(stateDir, 'state'));
  const model = buildAudioModel(header.config, header.bnEps ?? 1e-5);
  loadTorchWeights(model, state, header.config);
  // Trained on speaker-normalised inputs: the reference goes with the weights, so every user normalises the same way.
  const norm = join(stateDir, 'speaker-norm.json');
  model.setUserDefinedMetadata({
    labels: LABELS, outputs: ['embedding', 'logits'], prosodyStatsNames: PROSODY_STATS_NAMES,
    features: AUDIO_FEATURES, note: 'Inputs come from src/audio/features.ts encoderInput(extractAudioFeatures(pcm16k)).',
    ...(existsSync(norm) ? { speakerNorm: JSON.parse(readFileSync(norm, 'utf8')) } : {}),
  });
  await model.save(diskSaver(outDir));
  if (options.copyExtras ?? true) {
    for (const f of ['metrics.json', 'metrics_tess.json', 'metrics_all.json', 'metrics_corpora.json', 'metrics_holdout.json', 'train.log']) {
      if (existsSync(join(stateDir, f))) copyFileSync(join(stateDir, f), join(outDir, f));
    }
    mkdirSync(join(outDir, 'parity'), { recursive: true });
    for (const name of ['parity_mel', 'parity_stats', 'parity_embedding', 'parity_logits']) {
      for (const ext of ['.json', '.bin']) {
        if (existsSync(join(stateDir, name + ext))) copyFileSync(join(stateDir, name + ext), join(outDir, 'parity', name.replace('parity_', '') + ext));
      }
    }
  }
  return model;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { state: { type: 'string', default: '.cache/audio/model' }, out: { type: 'string', default: 'public/models/audio-encoder' } } });
  await nodeBackend('cpu');
  const model = await exportAudio(values.state!, values.out!);
  console.log(`export-audio: ${model.countParams()} parameters → ${values.out}`);
  model.dispose();
}
