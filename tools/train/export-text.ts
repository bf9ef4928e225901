/**
 * Builds the text head as a tfjs LayersModel from the PyTorch weights written by train_text.py (write_state) and
 * saves it with diskSaver; optionally scores the shipped pair (ONNX encoder through Transformers.js + tfjs head)
 * on a MELD-style CSV and writes metrics.json.
 *
 *   npx tsx tools/train/export-text.ts [--state .cache/text/run/head] [--out public/models/text-head]
 *        [--eval-meld ../shared/data/text/meld/dev_sent_emo.csv --model-path public/models --model text-encoder
 *         --metrics public/models/text-encoder/metrics.json]
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
import { TextEncoder } from '../../src/text/encoder.ts';
import { formatUtterance } from '../../src/text/tokenizer.ts';
import { diskLoader, diskSaver, readTorchState, torchLinearToTf } from './tfjs-disk.ts';
import { readMeldCsv } from '../data/text.ts';

export function buildTextHead(pooledDim: number, embeddingDim = 64, numClasses = LABELS.length): tf.LayersModel {
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      state: { type: 'string', default: '.cache/text/run/head' }, out: { type: 'string', default: 'public/models/text-head' },
      'eval-meld': { type: 'string' }, 'model-path': { type: 'string', default: 'public/models' },
      model: { type: 'string', default: 'text-encoder' }, metrics: { type: 'string' },
    },
  });
  await tf.setBackend('cpu');
  await exportTextHead(values.state!, values.out!);
  console.log(`head saved to ${values.out}`);
  if (values['eval-meld']) {
    configureTransformers({ localModelPath: values['model-path'], allowRemoteModels: false });
    const encoder = await TextEncoder.load({ model: values.model, head: diskLoader(values.out!) });
    const rows = readMeldCsv(values['eval-meld']).filter((r) => r.label >= 0);
    const t0 = Date.now();
    const preds = await encoder.classify(rows.map((r) => formatUtterance(r.speaker, r.text)));
    const seconds = (Date.now() - t0) / 1000;
    const result = evaluate(rows.map((r) => r.label), argmaxRows(preds.map((p) => p.probs)));
    console.log(formatReport(result, `${values['eval-meld']} (Transformers.js ONNX + tfjs head, ${(rows.length / seconds).toFixed(0)} utterances/s)`));
    if (values.metrics) writeFileSync(values.metrics, JSON.stringify(result, null, 1));
    await encoder.dispose();
  }
}

if (process.argv[1]?.endsWith('export-text.ts')) await main();
