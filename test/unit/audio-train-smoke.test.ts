/**
 * Smoke run of the whole audio training path on a tiny synthetic RAVDESS-named folder (WAV files written here):
 * prepare-audio (ffmpeg decode + shared features) → train_audio.py (2 steps, 1 thread) → export-audio (tfjs) →
 * AudioEncoder in tfjs: shapes, softmax sums to 1, and parity with PyTorch on its reference inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { AUDIO_FEATURES, PROSODY_STATS_DIM, extractAudioFeatures } from '../../src/audio/features.ts';
import { AudioEncoder } from '../../src/audio/encoder.ts';
import { decodeAudioFile } from '../../tools/data/audio-decode.ts';
import { prepareAudio } from '../../tools/train/prepare-audio.ts';
import { exportAudio } from '../../tools/train/export-audio.ts';
import { readTensor } from '../../tools/train/store.ts';
import { diskLoader } from '../../tools/train/tfjs-disk.ts';
import { wav } from '../helpers/wav.ts';

await tf.setBackend('cpu');


/** A "voice": silence, then a tone whose pitch/loudness depend on the emotion code, then silence. */
function clip(emotion: number, actor: number, rate: number): Float32Array {
  const f0 = 120 + 25 * emotion + 5 * actor, amp = 0.1 + 0.03 * emotion;
  return Float32Array.from({ length: rate }, (_, i) => {
    const t = i / rate;
    if (t < 0.2 || t > 0.8) return 0.001 * Math.sin(i);
    return amp * (Math.sin(2 * Math.PI * f0 * t) + 0.3 * Math.sin(4 * Math.PI * f0 * t));
  });
}

test('prepare → train 2 steps (python) → export → AudioEncoder in tfjs', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'emolens-audio-smoke-'));
  try {
    const data = join(root, 'ravdess');
    for (const actor of [1, 2, 17]) {
      const dir = join(data, `Actor_${String(actor).padStart(2, '0')}`);
      mkdirSync(dir, { recursive: true });
      for (let e = 1; e <= 8; e++) {
        const name = `03-01-0${e}-01-01-01-${String(actor).padStart(2, '0')}.wav`;
        writeFileSync(join(dir, name), wav(clip(e, actor, 22050), 22050)); // not 16 kHz: ffmpeg resamples
      }
    }
    const cache = join(root, 'cache');
    const counts = await prepareAudio({ ravdess: data, out: cache, quiet: true });
    assert.deepEqual(counts, { n: 24, train: 16, dev: 8 });
    const mel = readTensor(join(cache, 'mel'));
    assert.deepEqual(mel.shape, [24, AUDIO_FEATURES.maxFrames, AUDIO_FEATURES.nMels]);
    assert.deepEqual(readTensor(join(cache, 'prosody_stats')).shape, [24, PROSODY_STATS_DIM]);
    const frames = readTensor(join(cache, 'frames')).data;
    assert.ok(frames.every((f) => f > 90 && f <= 100), `frames ${frames}`); // 1 s clips → 98 frames

    const model = join(root, 'model');
    const py = spawnSync('/usr/bin/python3', ['tools/train/python/train_audio.py', '--data', cache, '--out', model,
      '--max-steps', '2', '--threads', '1', '--batch', '8', '--parity-frames', '40'], { encoding: 'utf8' });
    assert.equal(py.status, 0, `train_audio.py failed:\n${py.stdout}\n${py.stderr}`);
    assert.match(py.stdout, /done: 1 epochs, 2 steps/);

    const exported = join(root, 'export');
    (await exportAudio(model, exported)).dispose();

    const encoder = await AudioEncoder.load(diskLoader(exported));
    const pcm = await decodeAudioFile(join(data, 'Actor_17', '03-01-05-01-01-01-17.wav'));
    const out = await encoder.embed(extractAudioFeatures(pcm));
    assert.equal(out.embedding.length, 64);
    assert.equal(out.probs.length, 7);
    assert.ok(out.probs.every((p) => p >= 0 && p <= 1));
    assert.ok(Math.abs(out.probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.ok(out.embedding.every((v) => Number.isFinite(v) && v >= 0)); // post-ReLU

    // Parity with PyTorch on the references the trainer wrote (tfjs vs torch, same weights).
    const pm = readTensor(join(exported, 'parity', 'mel')), ps = readTensor(join(exported, 'parity', 'stats'));
    const refLogits = readTensor(join(exported, 'parity', 'logits')).data;
    const [B, T, M] = pm.shape;
    const outs = encoder.model.predict([tf.tensor4d(pm.data as Float32Array, [B, T, M, 1]), tf.tensor2d(ps.data as Float32Array, ps.shape as [number, number])]) as tf.Tensor[];
    const logits = await outs[1].data();
    refLogits.forEach((v, i) => assert.ok(Math.abs(logits[i] - v) < 1e-4 * Math.max(1, Math.abs(v)), `logit ${i}: ${logits[i]} vs ${v}`));
    tf.dispose(outs);
    encoder.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
