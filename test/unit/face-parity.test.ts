/**
 * The shipped tfjs face encoder reproduces PyTorch: train_face.py wrote a few reference inputs and the eval-mode
 * outputs (public/models/face-encoder/parity/); the exported LayersModel must give the same numbers.
 * EMOLENS_MODELS names another models folder (the release checks its staged export this way).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readTensor } from '../../tools/train/store.ts';
import { diskLoader } from '../../tools/train/tfjs-disk.ts';
import { FaceEncoder } from '../../src/video/face-encoder.ts';
import { maxAbsDiff } from '../helpers/compare.ts';

const dir = join(process.env.EMOLENS_MODELS ?? 'public/models', 'face-encoder');

test('tfjs face encoder matches PyTorch reference outputs', async () => {
  await tf.setBackend('cpu');
  const input = readTensor(join(dir, 'parity', 'input'));
  const refEmb = readTensor(join(dir, 'parity', 'embedding'));
  const refLogits = readTensor(join(dir, 'parity', 'logits'));
  const [n, h, w] = input.shape;
  const encoder = await FaceEncoder.load(diskLoader(dir), { flipAverage: false }); // PyTorch's references are unflipped
  const before = tf.memory().numTensors;
  const crops = Array.from({ length: n }, (_, i) => (input.data as Float32Array).slice(i * h * w, (i + 1) * h * w));
  const out = await encoder.embed(crops);
  assert.equal(tf.memory().numTensors, before, 'embed() leaks no tensors');
  const d = refEmb.shape[1], k = refLogits.shape[1];
  const logits = tf.tidy(() => encoder.model.predict(tf.tensor4d(input.data as Float32Array, [n, h, w, 1])) as tf.Tensor[]);
  const logitValues = await logits[1].data();
  const embValues = await logits[0].data();
  logits.forEach((t) => t.dispose());
  const scale = Math.max(1, ...Array.from(refLogits.data as Float32Array, Math.abs));
  assert.ok(maxAbsDiff(embValues, refEmb.data as Float32Array) < 1e-4 * scale, `embedding diff ${maxAbsDiff(embValues, refEmb.data as Float32Array)}`);
  assert.ok(maxAbsDiff(logitValues, refLogits.data as Float32Array) < 1e-4 * scale, `logit diff ${maxAbsDiff(logitValues, refLogits.data as Float32Array)}`);
  for (let i = 0; i < n; i++) {
    assert.ok(maxAbsDiff(out[i].embedding, (refEmb.data as Float32Array).subarray(i * d, (i + 1) * d)) < 1e-4 * scale);
    // probs = softmax(reference logits), and argmax agrees.
    const ref = Array.from((refLogits.data as Float32Array).subarray(i * k, (i + 1) * k));
    const mx = Math.max(...ref), ex = ref.map((v) => Math.exp(v - mx)), sum = ex.reduce((a, b) => a + b, 0);
    assert.ok(maxAbsDiff(out[i].probs, ex.map((v) => v / sum)) < 1e-5, `probs ${i}`);
  }
  encoder.dispose();
});

test('mirror averaging (the default) = the mean of the crop and its mirror image, no tensor left behind', async () => {
  await tf.setBackend('cpu');
  const input = readTensor(join(dir, 'parity', 'input'));
  const [n, h, w] = input.shape;
  const crops = Array.from({ length: n }, (_, i) => (input.data as Float32Array).slice(i * h * w, (i + 1) * h * w));
  const mirrored = crops.map((c) => Float32Array.from(c, (_, j) => c[Math.floor(j / w) * w + (w - 1 - (j % w))]));
  const plain = await FaceEncoder.load(diskLoader(dir), { flipAverage: false });
  const averaging = await FaceEncoder.load(diskLoader(dir));
  assert.equal(averaging.flipAverage, true);
  const before = tf.memory().numTensors;
  const [a, b, avg] = [await plain.embed(crops), await plain.embed(mirrored), await averaging.embed(crops)];
  assert.equal(tf.memory().numTensors, before);
  for (let i = 0; i < n; i++) {
    assert.ok(maxAbsDiff(avg[i].embedding, a[i].embedding.map((v, j) => (v + b[i].embedding[j]) / 2)) < 1e-5);
    // softmax(mean logits) ∝ sqrt(p_a · p_b)
    const geo = a[i].probs.map((p, j) => Math.sqrt(p * b[i].probs[j]));
    const sum = geo.reduce((x, y) => x + y, 0);
    assert.ok(maxAbsDiff(avg[i].probs, geo.map((v) => v / sum)) < 1e-5, `probs ${i}`);
  }
  plain.dispose(); averaging.dispose();
});
