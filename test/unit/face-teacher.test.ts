/**
 * The distillation teacher (tools/train/face-teacher.ts): face-api's real expression net on a few generated crops.
 * Its batched, index-mapped probabilities must equal face-api's own per-image, name-keyed predictions moved into
 * LABELS order (catches a wrong label mapping or batch mix-up), and be proper distributions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { LABELS } from '../../src/labels.ts';
import { accuracy, loadTeacher, teacherProbs, TEACHER_TO_LABELS } from '../../tools/train/face-teacher.ts';

test('face-api teacher: batched probabilities in LABELS order match face-api named outputs', { timeout: 60_000 }, async () => {
  assert.deepEqual([...TEACHER_TO_LABELS].sort(), [0, 1, 2, 3, 4, 5, 6]);
  const net = await loadTeacher();
  const n = 5;
  const x = new Uint8Array(n * 48 * 48);
  let seed = 7;
  for (let i = 0; i < x.length; i++) {
    seed = (seed * 16807) % 2147483647;
    const img = Math.floor(i / 2304), p = i % 2304;
    x[i] = (40 * img + (p % 48) * 3 + (seed % 60)) % 256; // different images, so a batch mix-up shows
  }
  const probs = await teacherProbs(net, x, n, 48, 2); // batches of 2 (+ a last batch of 1)
  assert.equal(probs.length, n * LABELS.length);
  const byName: Record<string, string> = { neutral: 'neutral', joy: 'happy', sadness: 'sad', anger: 'angry', fear: 'fearful', disgust: 'disgusted', surprise: 'surprised' };
  const api = net as unknown as { predictExpressions(t: tf.Tensor3D): Promise<Record<string, number>> };
  for (let i = 0; i < n; i++) {
    const row = probs.subarray(i * 7, i * 7 + 7);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    const t = tf.tidy(() => tf.tensor3d(x.subarray(i * 2304, (i + 1) * 2304), [48, 48, 1], 'int32').tile([1, 1, 3]).toFloat() as tf.Tensor3D);
    const named = await api.predictExpressions(t);
    t.dispose();
    LABELS.forEach((label, k) => assert.ok(Math.abs(row[k] - named[byName[label]]) < 1e-4, `${label} ${row[k]} vs ${named[byName[label]]}`));
  }
  assert.equal(accuracy(new Float32Array([0.1, 0.6, 0.1, 0.05, 0.05, 0.05, 0.05, 0.9, 0, 0, 0, 0, 0, 0.1]), [1, 1]), 0.5);
});
