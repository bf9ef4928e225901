/**
 * Parity: the exported tfjs audio encoder reproduces PyTorch's outputs (embedding and logits) on the reference
 * inputs train_audio.py wrote next to the model (public/models/audio-encoder/parity/, real dev clips cropped short).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readTensor } from '../../tools/train/store.ts';
import { loadLayersModelFromDisk } from '../../tools/train/tfjs-disk.ts';
import { LABELS } from '../../src/labels.ts';

// EMOLENS_MODELS names another models folder (the release checks its staged export this way).
const dir = join(process.env.EMOLENS_MODELS ?? 'public/models', 'audio-encoder');
await tf.setBackend('cpu');

export async function checkAudioParity(modelDir: string, parityDir: string, tol = 1e-4): Promise<number> {
  const model = await loadLayersModelFromDisk(modelDir);
  const mel = readTensor(`${parityDir}/mel`), stats = readTensor(`${parityDir}/stats`);
  const refEmb = readTensor(`${parityDir}/embedding`), refLogits = readTensor(`${parityDir}/logits`);
  const [B, T, M] = mel.shape;
  const outs = model.predict([tf.tensor4d(mel.data as Float32Array, [B, T, M, 1]), tf.tensor2d(stats.data as Float32Array, stats.shape as [number, number])]) as tf.Tensor[];
  assert.deepEqual(outs[0].shape, refEmb.shape);
  assert.deepEqual(outs[1].shape, [B, LABELS.length]);
  let worst = 0;
  for (const [out, ref] of [[outs[0], refEmb], [outs[1], refLogits]] as const) {
    const got = await out.data();
    ref.data.forEach((v, i) => {
      const err = Math.abs(got[i] - v) / Math.max(1, Math.abs(v));
      worst = Math.max(worst, err);
      assert.ok(err < tol, `value ${i}: tfjs ${got[i]} vs torch ${v}`);
    });
  }
  tf.dispose(outs);
  model.dispose();
  return worst;
}

test('tfjs audio encoder matches the PyTorch reference outputs (1e-4)', { skip: !existsSync(`${dir}/model.json`) && 'model not exported yet' }, async () => {
  const worst = await checkAudioParity(dir, `${dir}/parity`);
  assert.ok(worst < 1e-4);
});

test('the shipped encoder embeds a synthetic utterance: 64-d embedding, probabilities summing to 1', { skip: !existsSync(`${dir}/model.json`) && 'model not exported yet' }, async () => {
  const { AudioEncoder } = await import('../../src/audio/encoder.ts');
  const { extractAudioFeatures } = await import('../../src/audio/features.ts');
  const { diskLoader } = await import('../../tools/train/tfjs-disk.ts');
  const encoder = await AudioEncoder.load(diskLoader(dir));
  const pcm = Float32Array.from({ length: 32000 }, (_, i) => (i > 4000 && i < 28000 ? 0.2 * Math.sin((2 * Math.PI * 180 * i) / 16000) : 0));
  const before = tf.memory().numTensors;
  const out = await encoder.embed(extractAudioFeatures(pcm));
  assert.equal(tf.memory().numTensors, before, 'embed leaks no tensors');
  assert.equal(out.embedding.length, 64);
  assert.ok(Math.abs(out.probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  encoder.dispose();
});
