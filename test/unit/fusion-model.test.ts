import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_FUSION_CONFIG, fusionForward, initFusionParams, topKRenormalize, type FusionInput } from '../../src/fusion/model.ts';
import { fusionLoss, maskedCrossEntropy } from '../../src/fusion/loss.ts';
import { fusionToArtifacts, loadFusionParams, disposeParams } from '../../src/fusion/weights.ts';

await tf.setBackend('cpu');
const cfg = { ...DEFAULT_FUSION_CONFIG, inputDims: [8, 6, 5] as [number, number, number], dim: 16, expertHidden: 24, experts: 4, topK: 2 };

function input(B: number, T: number, seed: number, present?: number[][][]): FusionInput {
  return {
    text: tf.randomNormal([B, T, 8], 0, 1, 'float32', seed) as tf.Tensor3D,
    audio: tf.randomNormal([B, T, 6], 0, 1, 'float32', seed + 1) as tf.Tensor3D,
    face: tf.randomNormal([B, T, 5], 0, 1, 'float32', seed + 2) as tf.Tensor3D,
    present: (present ? tf.tensor3d(present) : tf.ones([B, T, 3])) as tf.Tensor3D,
    speaker: tf.tensor2d(Array.from({ length: B }, () => Array.from({ length: T }, (_, t) => t % 2)), [B, T], 'int32'),
    turnMask: tf.ones([B, T]) as tf.Tensor2D,
  };
}

test('outputs are well-formed distributions with the documented shapes', async () => {
  const params = initFusionParams(cfg, 3);
  const out = tf.tidy(() => { const o = fusionForward(params, input(2, 5, 1), cfg); return { p: tf.softmax(o.fusedLogits), g: o.gate, m: o.modalityLogits }; });
  assert.deepEqual(out.p.shape, [2, 5, 7]);
  assert.deepEqual(out.m.shape, [2, 5, 3, 7]);
  for (const row of (await out.p.array()).flat()) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  for (const row of (await out.g.array()).flat()) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  tf.dispose(out); disposeParams(params);
});

test('router keeps exactly top-k experts per token', async () => {
  const w = tf.softmax(tf.randomNormal([50, 6], 0, 2, 'float32', 7));
  const kept = await topKRenormalize(w, 2).array() as number[][];
  for (const row of kept) {
    assert.equal(row.filter((v) => v > 0).length, 2);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  }
  const params = initFusionParams(cfg, 4);
  const router = tf.tidy(() => fusionForward(params, input(1, 3, 2), cfg).router);
  for (const token of (await router.array()).flat(2)) assert.equal(token.filter((v: number) => v > 0).length, cfg.topK);
  router.dispose(); disposeParams(params);
});

test('causal context: changing a future turn leaves past predictions unchanged', async () => {
  const params = initFusionParams(cfg, 5);
  const a = input(1, 6, 10);
  const b = { ...a, text: tf.tidy(() => tf.concat([a.text.slice([0, 0, 0], [1, 4, 8]), tf.randomNormal([1, 2, 8], 5, 1, 'float32', 99)], 1)) as tf.Tensor3D };
  const pa = await tf.tidy(() => fusionForward(params, a, cfg).fusedLogits).array();
  const pb = await tf.tidy(() => fusionForward(params, b, cfg).fusedLogits).array();
  for (let t = 0; t < 4; t++) for (let c = 0; c < 7; c++) assert.ok(Math.abs(pa[0][t][c] - pb[0][t][c]) < 1e-5, `turn ${t} changed`);
  assert.ok(pa[0][5].some((v, c) => Math.abs(v - pb[0][5][c]) > 1e-3), 'the changed turn itself should change');
  disposeParams(params);
});

test('a missing modality gets zero gate weight and does not influence the result', async () => {
  const params = initFusionParams(cfg, 6);
  const present = [[[1, 1, 0], [1, 0, 1], [0, 1, 1]]];
  const a = input(1, 3, 20, present);
  const b = { ...a, face: tf.randomNormal([1, 3, 5], 3, 2, 'float32', 77) as tf.Tensor3D };
  const ga = await tf.tidy(() => fusionForward(params, a, cfg).gate).array();
  assert.equal(ga[0][0][2], 0); assert.equal(ga[0][1][1], 0); assert.equal(ga[0][2][0], 0);
  const la = await tf.tidy(() => fusionForward(params, a, cfg).fusedLogits).array();
  const lb = await tf.tidy(() => fusionForward(params, b, cfg).fusedLogits).array();
  for (let c = 0; c < 7; c++) assert.ok(Math.abs(la[0][0][c] - lb[0][0][c]) < 1e-5, 'face is absent in turn 0: changing it must not matter');
  assert.ok(la[0][1].some((v, c) => Math.abs(v - lb[0][1][c]) > 1e-4), 'face is present in turn 1: it must matter');
  disposeParams(params);
});

test('load-balancing loss equals E·Σ f·P on a crafted case', async () => {
  // Uniform router probabilities: P_e = 1/E, f sums to 1, so the loss is E · (1/E) = 1 exactly.
  const params = initFusionParams(cfg, 8);
  params['router.w'].assign(tf.zeros(params['router.w'].shape));
  const lb = tf.tidy(() => fusionForward(params, input(1, 4, 30), cfg).balanceLoss);
  assert.ok(Math.abs((await lb.data())[0] - 1) < 1e-5);
  disposeParams(params);
});

test('gradients reach every parameter and a save/load round trip reproduces outputs', async () => {
  const params = initFusionParams(cfg, 9);
  const inp = input(2, 4, 40);
  const labels = tf.tensor2d([[0, 1, 2, 3], [4, 5, 6, -1]], [2, 4], 'int32');
  const { grads } = tf.variableGrads(() => fusionLoss(fusionForward(params, inp, cfg), labels, inp.present, inp.turnMask), Object.values(params));
  for (const [name, v] of Object.entries(params)) {
    assert.ok(grads[v.name], `no gradient entry for ${name}`);
    assert.ok((await grads[v.name].abs().sum().data())[0] > 0, `no gradient for ${name}`);
  }
  const artifacts = await fusionToArtifacts(params, cfg);
  const loaded = await loadFusionParams({ load: async () => artifacts });
  const a = await tf.tidy(() => fusionForward(params, inp, cfg).fusedLogits).data();
  const b = await tf.tidy(() => fusionForward(loaded.params, inp, loaded.config).fusedLogits).data();
  assert.deepEqual(Array.from(a), Array.from(b));
  disposeParams(params); disposeParams(loaded.params); tf.dispose(grads);
});

test('masked cross-entropy matches a hand computation and ignores label -1', async () => {
  // Row 0: logits all 0 → p = 1/7 → CE = ln 7. Row 1: ignored. Smoothing 0.
  const ce = maskedCrossEntropy(tf.tensor2d([[0, 0, 0, 0, 0, 0, 0], [9, 0, 0, 0, 0, 0, 0]]), tf.tensor1d([3, -1], 'int32'), tf.ones([2]) as tf.Tensor1D);
  assert.ok(Math.abs((await ce.data())[0] - Math.log(7)) < 1e-5);
});
