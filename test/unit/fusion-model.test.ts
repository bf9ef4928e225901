import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_FUSION_CONFIG, fusionForward, initFusionParams, summerRenormalize, topKRenormalize, type FusionConfig, type FusionInput, type FusionKind, type RouterKind } from '../../src/fusion/model.ts';
import { fusionLoss, maskedCrossEntropy } from '../../tools/train/fusion/loss.ts';
import { fusionToArtifacts, loadFusionParams, disposeParams } from '../../src/fusion/weights.ts';

await tf.setBackend('cpu');
const cfg: FusionConfig = { ...DEFAULT_FUSION_CONFIG, inputDims: [8, 6, 5], dim: 16, expertHidden: 24, experts: 4, topK: 2, contextHeads: 2, crossHeads: 2 };
const FUSIONS: FusionKind[] = ['gate', 'concat', 'hcmf', 'magt'];

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
  for (const router of ['topk', 'noisy-topk'] as RouterKind[]) {
    const c = { ...cfg, router, topK: 2 };
    const params = initFusionParams(c, 4);
    if (router === 'noisy-topk') params['router.noise.w'].assign(tf.fill(params['router.noise.w'].shape, 0.5));
    const r = tf.tidy(() => fusionForward(params, input(1, 3, 2), c, { training: true, seed: 11 }).router);
    for (const token of (await r.array()).flat(2)) assert.equal(token.filter((v: number) => v > 0).length, 2, router);
    r.dispose(); disposeParams(params);
  }
  const dense = { ...cfg, router: 'dense' as RouterKind };
  const params = initFusionParams(dense, 4);
  const r = tf.tidy(() => fusionForward(params, input(1, 3, 2), dense).router);
  for (const token of (await r.array()).flat(2)) assert.equal(token.filter((v: number) => v > 0).length, cfg.experts, 'dense keeps all');
  r.dispose(); disposeParams(params);
});

test("SUMMER's rule switches off experts outside mean ± 2·std, and only those", async () => {
  // Row 0: 8 experts, one dominant weight: mean 0.125, std ≈ 0.278 → |0.86 − 0.125| = 0.735 > 0.556: off; the rest stay.
  // Row 1: uniform weights: std 0, nothing is outside, all 8 stay.
  const w = tf.tensor2d([[0.86, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02], [0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125]]);
  const kept = await summerRenormalize(w, 2).array() as number[][];
  assert.deepEqual(kept[0].map((v) => v > 0), [false, true, true, true, true, true, true, true]);
  assert.ok(Math.abs(kept[0][1] - 1 / 7) < 1e-6);
  assert.equal(kept[1].filter((v) => v > 0).length, 8);
  // Through the model: every token keeps between 1 and E experts and its weights sum to 1.
  const c = { ...cfg, router: 'summer' as RouterKind, experts: 8 };
  const params = initFusionParams(c, 12);
  const r = tf.tidy(() => fusionForward(params, input(2, 4, 5), c, { training: true, seed: 2 }).router);
  for (const token of (await r.array()).flat(2)) {
    const active = token.filter((v: number) => v > 0).length;
    assert.ok(active >= 1 && active <= 8);
    assert.ok(Math.abs(token.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-5);
  }
  r.dispose(); disposeParams(params);
});

for (const [fusion, crossScope] of [...FUSIONS.map((f) => [f, 'turn']), ['hcmf', 'dialogue'], ['magt', 'dialogue']] as [FusionKind, 'turn' | 'dialogue'][]) {
  test(`causal (${fusion}, cross-attention scope ${crossScope}): changing a future turn leaves past predictions unchanged`, async () => {
    const c = { ...cfg, fusion, crossScope };
    const params = initFusionParams(c, 5);
    const a = input(1, 6, 10);
    // Turns 4 and 5 change in every modality.
    const change = (x: tf.Tensor3D, seed: number): tf.Tensor3D => tf.tidy(() => tf.concat([x.slice([0, 0, 0], [1, 4, -1]), tf.randomNormal([1, 2, x.shape[2]], 5, 1, 'float32', seed)], 1)) as tf.Tensor3D;
    const b = { ...a, text: change(a.text, 99), audio: change(a.audio, 98), face: change(a.face, 97) };
    const pa = await tf.tidy(() => fusionForward(params, a, c).fusedLogits).array();
    const pb = await tf.tidy(() => fusionForward(params, b, c).fusedLogits).array();
    for (let t = 0; t < 4; t++) for (let k = 0; k < 7; k++) assert.ok(Math.abs(pa[0][t][k] - pb[0][t][k]) < 1e-5, `turn ${t} changed`);
    assert.ok(pa[0][5].some((v, k) => Math.abs(v - pb[0][5][k]) > 1e-3), 'the changed turn itself should change');
    disposeParams(params);
  });
}

for (const fusion of FUSIONS) {
  test(`missing modality (${fusion}): zero gate weight, no influence, a result from what is present`, async () => {
    const c = { ...cfg, fusion };
    const params = initFusionParams(c, 6);
    const present = [[[1, 1, 0], [1, 0, 1], [0, 1, 1], [0, 0, 1]]];
    const a = input(1, 4, 20, present);
    // Rows that are absent: face of turn 0, audio of turn 1, text of turns 2-3, audio of turn 3.
    const replaceRows = (x: tf.Tensor3D, turns: number[], seed: number): tf.Tensor3D => tf.tidy(() => {
      const noise = tf.randomNormal(x.shape, 4, 2, 'float32', seed);
      const sel = tf.tensor3d([0, 1, 2, 3].map((t) => (turns.includes(t) ? 1 : 0)), [1, 4, 1]);
      return x.mul(tf.scalar(1).sub(sel)).add(noise.mul(sel)) as tf.Tensor3D;
    });
    const b = { ...a, face: replaceRows(a.face, [0], 77), audio: replaceRows(a.audio, [1, 3], 78), text: replaceRows(a.text, [2, 3], 79) };
    const outA = tf.tidy(() => { const o = fusionForward(params, a, c); return { g: o.gate, l: o.fusedLogits }; });
    const ga = await outA.g.array(), la = await outA.l.array();
    assert.equal(ga[0][0][2], 0); assert.equal(ga[0][1][1], 0); assert.equal(ga[0][2][0], 0);
    assert.deepEqual(ga[0][3].map((v) => Math.round(v * 1e6) / 1e6), [0, 0, 1], 'face only: all weight on face');
    for (const row of ga[0]) assert.ok(Math.abs(row.reduce((x, y) => x + y, 0) - 1) < 1e-5);
    const lb = await tf.tidy(() => fusionForward(params, b, c).fusedLogits).array();
    for (let t = 0; t < 4; t++) for (let k = 0; k < 7; k++) assert.ok(Math.abs(la[0][t][k] - lb[0][t][k]) < 1e-5, `only absent rows changed: turn ${t} must not`);
    const present1 = { ...a, face: replaceRows(a.face, [1], 80) };
    const lc = await tf.tidy(() => fusionForward(params, present1, c).fusedLogits).array();
    assert.ok(la[0][1].some((v, k) => Math.abs(v - lc[0][1][k]) > 1e-4), 'face is present in turn 1: it must matter');
    tf.dispose([outA.g, outA.l]); disposeParams(params);
  });
}

test('load-balancing loss equals E·Σ f·P on a crafted case', async () => {
  // Uniform router probabilities: P_e = 1/E, f sums to 1, so the loss is E · (1/E) = 1 exactly.
  const params = initFusionParams(cfg, 8);
  params['router.w'].assign(tf.zeros(params['router.w'].shape));
  const lb = tf.tidy(() => fusionForward(params, input(1, 4, 30), cfg).balanceLoss);
  assert.ok(Math.abs((await lb.data())[0] - 1) < 1e-5);
  disposeParams(params);
});

for (const [fusion, router] of [['gate', 'topk'], ['concat', 'dense'], ['hcmf', 'noisy-topk'], ['magt', 'summer']] as [FusionKind, RouterKind][]) {
  test(`gradients reach every parameter and save/load reproduces outputs (${fusion}, ${router})`, async () => {
    const c = { ...cfg, fusion, router, experts: router === 'summer' ? 8 : 4 };
    const params = initFusionParams(c, 9);
    const inp = input(2, 4, 40, [[[1, 1, 1], [1, 0, 1], [0, 1, 1], [1, 1, 0]], [[1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]]]);
    const labels = tf.tensor2d([[0, 1, 2, 3], [4, 5, 6, -1]], [2, 4], 'int32');
    const { grads } = tf.variableGrads(() => fusionLoss(fusionForward(params, inp, c, { training: true, seed: 3 }), labels, inp.present, inp.turnMask), Object.values(params));
    for (const [name, v] of Object.entries(params)) {
      if (name === 'router.noise.w') continue; // zero-initialised noise scale: its gradient starts at zero by design
      assert.ok(grads[v.name], `no gradient entry for ${name}`);
      assert.ok((await grads[v.name].abs().sum().data())[0] > 0, `no gradient for ${name}`);
    }
    const artifacts = await fusionToArtifacts(params, c);
    const loaded = await loadFusionParams({ load: async () => artifacts });
    assert.deepEqual(loaded.config, c);
    const x = await tf.tidy(() => fusionForward(params, inp, c).fusedLogits).data();
    const y = await tf.tidy(() => fusionForward(loaded.params, inp, loaded.config).fusedLogits).data();
    assert.deepEqual(Array.from(x), Array.from(y));
    disposeParams(params); disposeParams(loaded.params); tf.dispose(grads);
  });
}

test('masked cross-entropy matches a hand computation and ignores label -1', async () => {
  // Row 0: logits all 0 → p = 1/7 → CE = ln 7. Row 1: ignored. Smoothing 0.
  const ce = maskedCrossEntropy(tf.tensor2d([[0, 0, 0, 0, 0, 0, 0], [9, 0, 0, 0, 0, 0, 0]]), tf.tensor1d([3, -1], 'int32'), tf.ones([2]) as tf.Tensor1D);
  assert.ok(Math.abs((await ce.data())[0] - Math.log(7)) < 1e-5);
});

test('fitted temperatures divide the logits outside training only, survive save/load, and bad ones are refused', async () => {
  const params = initFusionParams(cfg, 4);
  const temperatures = { fused: 2, text: 1.5, audio: 3, face: 0.5 };
  const c = { ...cfg, temperatures };
  const inp = input(1, 3, 7);
  const run = (config: FusionConfig, training: boolean) => tf.tidy(() => {
    const o = fusionForward(params, inp, config, { training, seed: 1 });
    return [o.fusedLogits, o.modalityLogits];
  });
  const [rawF, rawM] = run(cfg, false), [calF, calM] = run(c, false), [trainF] = run(c, true);
  const [rf, rm, cf, cm, tr] = await Promise.all([rawF.data(), rawM.data(), calF.data(), calM.data(), trainF.data()]);
  rf.forEach((v, i) => assert.ok(Math.abs(cf[i] - v / 2) < 1e-5));
  const perHead = [1.5, 3, 0.5];
  rm.forEach((v, i) => assert.ok(Math.abs(cm[i] - v / perHead[Math.floor(i / 7) % 3]) < 1e-5, `modality logit ${i}`));
  assert.deepEqual(Array.from(tr), Array.from(rf), 'training sees the raw logits');
  const loaded = await loadFusionParams({ load: async () => fusionToArtifacts(params, c) });
  assert.deepEqual(loaded.config.temperatures, temperatures);
  disposeParams(loaded.params);
  const bad = { ...cfg, temperatures: { ...temperatures, audio: 0 } };
  const artifacts = await fusionToArtifacts(params, bad);
  const before = tf.memory().numTensors;
  await assert.rejects(loadFusionParams({ load: async () => artifacts }), /temperatures\.audio must be a positive number, model\.json has 0/);
  assert.equal(tf.memory().numTensors, before, 'a refused file leaks no tensors');
  tf.dispose([rawF, rawM, calF, calM, trainF, ...Object.values(inp)]); disposeParams(params);
});
