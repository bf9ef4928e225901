/**
 * Parity of the shipped text model with PyTorch: the ONNX encoder run by Transformers.js (feature-extraction, mean
 * pooling) must reproduce PyTorch's mean-pooled hidden state, and the tfjs head PyTorch's embedding and logits, on the
 * reference sentences train_text.py stored in public/models/text-encoder-compact/parity/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { pipeline } from '@huggingface/transformers';
import { configureTransformers } from '../../src/text/env.ts';
import { TextEmotionEncoder } from '../../src/text/encoder.ts';
import { TextTokenizer, formatTurnWithContext } from '../../src/text/tokenizer.ts';
import { readTensor } from '../../tools/train/store.ts';
import { diskLoader, loadLayersModelFromDisk } from '../../tools/train/tfjs-disk.ts';
import { maxAbsDiff } from '../helpers/compare.ts';

const PARITY = 'public/models/text-encoder-compact/parity';
configureTransformers({ localModelPath: 'public/models', allowRemoteModels: false });

const ids = readTensor<{ texts: string[] }>(`${PARITY}/ids`);
const texts = ids.meta.texts;
const pooled = readTensor(`${PARITY}/pooled`);
const embedding = readTensor(`${PARITY}/embedding`);
const logits = readTensor(`${PARITY}/logits`);
const [rows, L] = ids.shape;

test('reference sentences tokenize to the ids PyTorch saw', async () => {
  assert.equal(texts.length, rows);
  const tok = await TextTokenizer.load('text-encoder-compact');
  assert.deepEqual([...tok.tokenize(texts, L).inputIds], [...ids.data]);
});

test('Transformers.js feature-extraction (mean pooling) = PyTorch mean-pooled hidden state within 1e-4', async () => {
  const extractor = await pipeline('feature-extraction', 'text-encoder-compact');
  const out = await extractor(texts, { pooling: 'mean', normalize: false }); // batched: padding must not leak
  assert.deepEqual(out.dims, pooled.shape);
  const diff = maxAbsDiff(out.data as Float32Array, pooled.data as Float32Array);
  assert.ok(diff < 1e-4, `max |diff| ${diff}`);
  await extractor.dispose();
});

test('tfjs head = PyTorch head (embedding, logits) within 1e-4; TextEmotionEncoder.classify end to end', async () => {
  const head = await loadLayersModelFromDisk('public/models/text-head-compact');
  const [e, l] = tf.tidy(() => head.predict(tf.tensor2d(pooled.data as Float32Array, pooled.shape as [number, number])) as tf.Tensor[]);
  assert.ok(maxAbsDiff(await e.data(), embedding.data as Float32Array) < 1e-4);
  assert.ok(maxAbsDiff(await l.data(), logits.data as Float32Array) < 1e-4);
  tf.dispose([e, l]);
  head.dispose();

  const encoder = await TextEmotionEncoder.load({ model: 'text-encoder-compact', head: diskLoader('public/models/text-head-compact') });
  const preds = await encoder.classify(texts);
  preds.forEach((p, i) => {
    const k = p.logits.length;
    assert.ok(maxAbsDiff(p.logits, (logits.data as Float32Array).subarray(i * k, (i + 1) * k)) < 1e-4);
    assert.ok(Math.abs(p.probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  });
  await encoder.dispose();
});

test('a turn with a long dialogue context is cut at the trained length (the turn kept), not an error', async () => {
  const encoder = await TextEmotionEncoder.load({ model: 'text-encoder-compact', head: diskLoader('public/models/text-head-compact') });
  const tok = await TextTokenizer.load('text-encoder-compact');
  const long = Array.from({ length: 300 }, (_, i) => `word${i % 7}`).join(' ');
  const input = formatTurnWithContext('Ross', 'We were on a break!', [{ speaker: 'Rachel', text: long }, { speaker: 'Ross', text: long }]);
  // What the pipeline reads = the first 63 tokens + [SEP], as the trainer wrote them.
  const ids = tok.encode(input, L);
  assert.equal(ids.length, L);
  const turn = tok.encode('Ross: We were on a break!'); // [CLS] … [SEP]: the turn, then its [SEP] separator
  assert.deepEqual(ids.slice(0, turn.length), turn);
  // The pipeline's own tokenization (truncation at model_max_length) gives exactly the trainer's ids.
  const piped = tok.tokenizer([input], { padding: true, truncation: true }) as { input_ids: { data: BigInt64Array } };
  assert.deepEqual(Array.from(piped.input_ids.data, Number), ids);
  const [p] = await encoder.classify([input]);
  assert.ok(Math.abs(p.probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  await encoder.dispose();
});
