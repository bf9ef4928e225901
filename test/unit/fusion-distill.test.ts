/** The distillation losses against values computed by hand (in plain arithmetic here), and the MAGTKD stage. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { distLoss, latentMse, relationalLoss, softKl } from '../../tools/train/fusion/distill.ts';
import { magtkdStageLoss } from '../../tools/train/fusion/loss.ts';
import { balanceLoss, DEFAULT_FUSION_CONFIG, fusionForward, initFusionParams } from '../../src/fusion/model.ts';
import { disposeParams } from '../../src/fusion/weights.ts';

await tf.setBackend('cpu');
const value = async (t: tf.Scalar): Promise<number> => (await t.data())[0];
const softmax = (z: number[]): number[] => { const e = z.map(Math.exp); const s = e.reduce((a, b) => a + b); return e.map((v) => v / s); };
const kl = (p: number[], q: number[]): number => p.reduce((a, pi, i) => a + pi * Math.log(pi / q[i]), 0);
const pearson = (a: number[], b: number[]): number => {
  const ma = a.reduce((x, y) => x + y) / a.length, mb = b.reduce((x, y) => x + y) / b.length;
  const cov = a.reduce((s, v, i) => s + (v - ma) * (b[i] - mb), 0);
  const va = a.reduce((s, v) => s + (v - ma) ** 2, 0), vb = b.reduce((s, v) => s + (v - mb) ** 2, 0);
  return cov / Math.sqrt(va * vb);
};

test('softKl = τ²·KL(softmax(z_T/τ) ‖ softmax(z_S/τ)), rows with weight 0 ignored', async () => {
  const teacher = [Math.log(3), 0], student = [0, 0];
  for (const tau of [1, 2]) {
    const expected = tau * tau * kl(softmax(teacher.map((z) => z / tau)), softmax(student.map((z) => z / tau)));
    const got = await value(softKl(tf.tensor2d([student, [5, -5]]), tf.tensor2d([teacher, [-5, 5]]), tau, tf.tensor1d([1, 0])));
    assert.ok(Math.abs(got - expected) < 1e-6, `tau ${tau}: ${got} vs ${expected}`);
  }
  assert.ok(Math.abs(kl(softmax([Math.log(3), 0]), [0.5, 0.5]) - 0.130812) < 1e-6); // the hand value for τ = 1
  assert.ok(await value(softKl(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[1, 2, 3]]), 2, tf.ones([1]) as tf.Tensor1D)) < 1e-7);
});

test('latentMse applies the frozen classifier to the student features', async () => {
  // [1, 2]·[[1,0,0],[0,1,1]] + [0,0,1] = [1, 2, 3]; teacher [1, 1, 1] → squared errors 0, 1, 4 → mean 5/3.
  const classifier = { w: tf.tensor2d([[1, 0, 0], [0, 1, 1]]), b: tf.tensor1d([0, 0, 1]) };
  const got = await value(latentMse(tf.tensor2d([[1, 2], [9, 9]]), tf.tensor2d([[1, 1, 1], [0, 0, 0]]), classifier, tf.tensor1d([1, 0])));
  assert.ok(Math.abs(got - 5 / 3) < 1e-6);
});

test('DIST: zero for identical predictions; inter- and intra-class Pearson terms by hand', async () => {
  const s = [[2, 0, -1], [0, 1, 0]], t = [[-1, 0, 2], [0, 3, 0]];
  assert.ok(await value(distLoss(tf.tensor2d(s), tf.tensor2d(s), tf.ones([2]) as tf.Tensor1D, { tau: 2, inter: 1, intra: 1 })) < 1e-5);
  const tau = 2;
  const ps = s.map((r) => softmax(r.map((z) => z / tau))), pt = t.map((r) => softmax(r.map((z) => z / tau)));
  const inter = 1 - (pearson(ps[0], pt[0]) + pearson(ps[1], pt[1])) / 2;
  const intra = 1 - [0, 1, 2].map((c) => pearson(ps.map((r) => r[c]), pt.map((r) => r[c]))).reduce((a, b) => a + b) / 3;
  const got = await value(distLoss(tf.tensor2d(s), tf.tensor2d(t), tf.ones([2]) as tf.Tensor1D, { tau, inter: 1, intra: 0.5 }));
  assert.ok(Math.abs(got - tau * tau * (inter + 0.5 * intra)) < 1e-5, `${got} vs ${tau * tau * (inter + 0.5 * intra)}`);
});

test('relational loss compares pairwise cosine similarities, across feature sizes', async () => {
  const ones = tf.ones([2]) as tf.Tensor1D;
  // Same geometry (orthogonal rows) in 2-d and 3-d: loss 0.
  assert.ok(await value(relationalLoss(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[2, 0, 0], [0, 3, 0]]), ones)) < 1e-7);
  // Student rows parallel (cos 1), teacher rows orthogonal (cos 0): off-diagonal errors 1, 1 over 4 pairs → 0.5.
  assert.ok(Math.abs(await value(relationalLoss(tf.tensor2d([[1, 0], [2, 0]]), tf.tensor2d([[1, 0], [0, 1]]), ones)) - 0.5) < 1e-6);
});

test('load-balancing loss on a crafted non-uniform case: E·Σ f_e·P_e over the real tokens', async () => {
  // Real tokens 0-2: top-1 experts 0, 0, 1 → f = [2/3, 1/3]; P = [(0.7+0.7+0.2)/3, (0.3+0.3+0.8)/3]. Token 3 is padding.
  const got = await value(balanceLoss(tf.tensor2d([[0.7, 0.3], [0.7, 0.3], [0.2, 0.8], [0.6, 0.4]]), tf.tensor1d([1, 1, 1, 0]), 2));
  const expected = 2 * ((2 / 3) * (1.6 / 3) + (1 / 3) * (1.4 / 3));
  assert.ok(Math.abs(got - expected) < 1e-6, `${got} vs ${expected}`);
});

test('MAGTKD stage 1 trains the audio and face branches only', async () => {
  const cfg = { ...DEFAULT_FUSION_CONFIG, inputDims: [8, 6, 5] as [number, number, number], dim: 16, expertHidden: 24, contextHeads: 2, crossHeads: 2, fusion: 'magt' as const };
  const params = initFusionParams(cfg, 2);
  const B = 2, T = 3;
  const input = {
    text: tf.randomNormal([B, T, 8], 0, 1, 'float32', 1) as tf.Tensor3D, audio: tf.randomNormal([B, T, 6], 0, 1, 'float32', 2) as tf.Tensor3D,
    face: tf.randomNormal([B, T, 5], 0, 1, 'float32', 3) as tf.Tensor3D, present: tf.ones([B, T, 3]) as tf.Tensor3D,
    speaker: tf.zeros([B, T], 'int32') as tf.Tensor2D, turnMask: tf.ones([B, T]) as tf.Tensor2D,
  };
  const labels = tf.tensor2d([[0, 1, 2], [3, 4, 5]], [B, T], 'int32');
  const teacher = tf.randomNormal([B, T, 7], 0, 1, 'float32', 4) as tf.Tensor3D;
  const { value: loss, grads } = tf.variableGrads(() => magtkdStageLoss(fusionForward(params, input, cfg), labels, input.present, input.turnMask, teacher, input.text), Object.values(params));
  assert.ok(Number.isFinite(await value(loss)) && (await value(loss)) > 0);
  const moved = async (name: string): Promise<boolean> => Boolean(grads[params[name].name]) && (await grads[params[name].name].abs().sum().data())[0] > 0;
  assert.ok(await moved('proj1.w') && await moved('proj2.w') && await moved('modalityHead.w'), 'audio/face branches learn');
  assert.ok(!(await moved('head.w')) && !(await moved('magt.t2a.v.w')) && !(await moved('proj0.w')), 'fused head, fusion blocks and text projection do not');
  disposeParams(params); tf.dispose(grads);
});
