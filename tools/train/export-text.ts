/**
 * Builds the text head as a tfjs LayersModel from the PyTorch weights written by train_text.py (write_state) and
 * saves it with diskSaver; optionally scores the shipped pair (ONNX encoder through Transformers.js + tfjs head)
 * on a MELD-style CSV and writes metrics.json.
 *
 *   npx tsx tools/train/export-text.ts [--state .cache/text/run/head] [--out public/models/text-head]
 *        [--eval-meld ../shared/data/text/meld/dev_sent_emo.csv --model-path public/models --model text-encoder
 *         --metrics public/models/text-encoder/metrics.json]
 *
 * Re-fit the head on ANY Transformers.js encoder (e.g. Xenova/all-MiniLM-L6-v2 for users who can reach a hub or
 * self-host it): pooled features of the MELD-style train CSV → the same head architecture trained in tfjs (CPU):
 *
 *   npx tsx tools/train/export-text.ts --refit --model Xenova/all-MiniLM-L6-v2 [--allow-remote]
 *        --train-meld ../shared/data/text/meld/train_sent_emo.csv --eval-meld ../shared/data/text/meld/dev_sent_emo.csv
 *        --out public/models/text-head-minilm [--epochs 30] [--metrics out.json]
 *
 * Head: input [128] (mean-pooled encoder output) → dense 64 tanh `embedding` → dense 7 `logits`; outputs
 * [embedding, logits] in that order (the project's encoder convention).
 */
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LABELS } from '../../src/labels.ts';
import { argmaxRows, evaluate, formatReport } from '../../src/eval/metrics.ts';
import { configureTransformers } from '../../src/text/env.ts';
import { TextEmotionEncoder } from '../../src/text/encoder.ts';
import { diskLoader, diskSaver, readTorchState, torchLinearToTf } from './tfjs-disk.ts';
import { readMeldCsv } from '../data/text.ts';
import { nodeBackend } from '../node/backend.ts';

export function buildTextHead(pooledDim: number, embeddingDim = 64, numClasses: number = LABELS.length): tf.LayersModel {
  const input = tf.input({ shape: [pooledDim], name: 'pooled' });
  const embedding = tf.layers.dense({ units: embeddingDim, activation: 'tanh', name: 'embedding' }).apply(input) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: numClasses, name: 'logits' }).apply(embedding) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [embedding, logits], name: 'emolens_text_head' });
}

/** Head from a write_state file with fc.weight/fc.bias/out.weight/out.bias (PyTorch Linear layout). */
export function headFromTorchState(statePath: string): tf.LayersModel {
  const state = readTorchState(statePath);
  const get = (name: string) => {
    const w = state.get(name);
    if (!w) throw new Error(`${statePath}: missing ${name}`);
    return w;
  };
  const fc = get('fc.weight');
  const model = buildTextHead(fc.shape[1], fc.shape[0], get('out.weight').shape[0]);
  const weights = [torchLinearToTf(fc), tf.tensor1d(get('fc.bias').data), torchLinearToTf(get('out.weight')), tf.tensor1d(get('out.bias').data)];
  model.getLayer('embedding').setWeights(weights.slice(0, 2));
  model.getLayer('logits').setWeights(weights.slice(2));
  tf.dispose(weights);
  return model;
}

export async function exportTextHead(statePath: string, outDir: string): Promise<void> {
  const model = headFromTorchState(statePath);
  await model.save(diskSaver(outDir));
  model.dispose();
}

export interface RefitOptions {
  /** Transformers.js model id or folder under the configured localModelPath. */
  model: string;
  /** MELD-style CSV to fit on (labels -1 dropped). */
  trainCsv: string;
  out: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

/** Fits a fresh head (same architecture) on `model`'s mean-pooled features and saves it to `out`. */
export async function refitTextHead(options: RefitOptions): Promise<tf.LayersModel> {
  const encoder = await TextEmotionEncoder.load({ model: options.model });
  // The page's input form for this encoder; unlabelled turns are context only.
  const all = readMeldCsv(options.trainCsv);
  const inputs = encoder.formatDialogue(all);
  const keep = all.flatMap((r, i) => (r.label >= 0 ? [i] : []));
  const rows = keep.map((i) => all[i]);
  const pooled = await encoder.embedPooled(keep.map((i) => inputs[i]));
  await encoder.dispose();
  const dim = pooled[0].length;
  const flat = new Float32Array(rows.length * dim);
  pooled.forEach((p, i) => flat.set(p, i * dim));
  // sqrt-inverse-frequency class weights, as in train_text.py: minority classes count more without drowning neutral.
  const counts = new Array<number>(LABELS.length).fill(0);
  rows.forEach((r) => counts[r.label]++);
  const classWeight: Record<number, number> = {};
  counts.forEach((c, k) => { classWeight[k] = c > 0 ? Math.sqrt(rows.length / LABELS.length / c) : 0; });
  const head = buildTextHead(dim);
  // Fit through a one-output view that shares the head's layers: softmax cross-entropy on the logits, per sample so
  // tfjs can apply the class weights.
  const trainer = tf.model({ inputs: head.inputs, outputs: head.outputs[1] });
  trainer.compile({
    optimizer: tf.train.adam(options.learningRate ?? 2e-3),
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred, undefined, 0, tf.Reduction.NONE),
  });
  const x = tf.tensor2d(flat, [rows.length, dim]);
  const y = tf.oneHot(tf.tensor1d(rows.map((r) => r.label), 'int32'), LABELS.length).toFloat();
  await trainer.fit(x, y, {
    epochs: options.epochs ?? 30, batchSize: options.batchSize ?? 128, shuffle: true, verbose: 0, classWeight,
    callbacks: { onEpochEnd: async (epoch, logs) => options.onEpoch?.(epoch + 1, Number(logs?.loss)) },
  });
  tf.dispose([x, y]);
  await head.save(diskSaver(options.out));
  return head;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      state: { type: 'string', default: '.cache/text/run/head' }, out: { type: 'string', default: 'public/models/text-head' },
      'eval-meld': { type: 'string' }, 'model-path': { type: 'string', default: 'public/models' },
      model: { type: 'string', default: 'text-encoder' }, metrics: { type: 'string' },
      refit: { type: 'boolean', default: false }, 'train-meld': { type: 'string' }, epochs: { type: 'string' },
      'allow-remote': { type: 'boolean', default: false },
    },
  });
  await nodeBackend('cpu');
  configureTransformers({ localModelPath: values['model-path'], allowRemoteModels: values['allow-remote'] });
  if (values.refit) {
    if (!values['train-meld']) throw new Error('--refit needs --train-meld <MELD-style csv>');
    const head = await refitTextHead({
      model: values.model!, trainCsv: values['train-meld'], out: values.out!, epochs: values.epochs ? Number(values.epochs) : undefined,
      onEpoch: (e, loss) => console.log(`refit epoch ${e} loss ${loss.toFixed(4)}`),
    });
    head.dispose();
  } else {
    await exportTextHead(values.state!, values.out!);
  }
  console.log(`head saved to ${values.out}`);
  if (values['eval-meld']) {
    const encoder = await TextEmotionEncoder.load({ model: values.model, head: diskLoader(values.out!) });
    const all = readMeldCsv(values['eval-meld']);
    const inputs = encoder.formatDialogue(all);
    const keep = all.flatMap((r, i) => (r.label >= 0 ? [i] : []));
    const rows = keep.map((i) => all[i]);
    const t0 = Date.now();
    const preds = await encoder.classify(keep.map((i) => inputs[i]));
    const seconds = (Date.now() - t0) / 1000;
    const result = evaluate(rows.map((r) => r.label), argmaxRows(preds.map((p) => p.probs)));
    console.log(formatReport(result, `${values['eval-meld']} (Transformers.js ONNX + tfjs head, ${(rows.length / seconds).toFixed(0)} utterances/s)`));
    if (values.metrics) writeFileSync(values.metrics, JSON.stringify(result, null, 1));
    await encoder.dispose();
  }
}

if (process.argv[1]?.endsWith('export-text.ts')) await main();
