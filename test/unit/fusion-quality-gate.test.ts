/**
 * The modality gate's recording-quality input (src/fusion/model.ts, batch.ts, weights.ts) and the loss that teaches
 * it reliability (tools/train/fusion/loss.ts `gateReliabilityLoss`): quality is standardised by the file's statistics
 * (unknown = 0 = a typical recording), a weight on it moves the gate the way its sign says, the gate learns from the
 * loss to trust the modality whose head is right, and malformed files are refused with a reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_FUSION_CONFIG, fusionForward, initFusionParams, type FusionConfig } from '../../src/fusion/model.ts';
import { disposeFusionInput, makeFusionInput, type TurnFeatures } from '../../src/fusion/batch.ts';
import { disposeParams, fusionToArtifacts, loadFusionParams } from '../../src/fusion/weights.ts';
import { gateReliabilityLoss } from '../../tools/train/fusion/loss.ts';

await tf.setBackend('cpu');
const Q = 2;
const cfg: FusionConfig = {
  ...DEFAULT_FUSION_CONFIG, inputDims: [4, 4, 4], dim: 8, expertHidden: 8, contextHeads: 2, crossHeads: 2, fusion: 'magt',
  quality: { dim: Q, mean: [[0, 0], [10, 50], [0.5, 0.2]], std: [[1, 1], [5, 10], [0.1, 0.05]] },
};
const vec = (...v: number[]): Float32Array => Float32Array.from(v);
const turn = (audioQuality?: Float32Array): TurnFeatures => ({ text: vec(1, 0, 0, 1), audio: vec(0, 1, 1, 0), face: vec(1, 1, 0, 0), quality: { audio: audioQuality, face: vec(0.5, 0.2) }, speakerSlot: 0 });

test('quality is standardised by the file statistics, unknown is 0, outliers are clipped, a wrong size is refused', async () => {
  const input = makeFusionInput([[turn(vec(15, 30)), turn(undefined), turn(vec(1e6, 50))]], cfg);
  const q = (await input.quality!.array()) as number[][][][];
  const near = (got: number[], want: number[]): void => assert.ok(got.every((v, k) => Math.abs(v - want[k]) < 1e-5), `${got} ≠ ${want}`);
  near(q[0][0][1], [1, -2]); // (15 − 10) / 5, (30 − 50) / 10
  near(q[0][0][2], [0, 0]); // the face at its training mean
  near(q[0][0][0], [0, 0]); // text has no quality
  near(q[0][1][1], [0, 0]); // unknown: a typical recording
  near(q[0][2][1], [5, 0]); // clipped at 5 standard deviations
  disposeFusionInput(input);
  assert.throws(() => makeFusionInput([[turn(vec(1, 2, 3))]], cfg), /audio quality has 3 values, the fusion expects 2/);
  const plain = makeFusionInput([[turn(vec(1, 2))]], { inputDims: cfg.inputDims });
  assert.equal(plain.quality, undefined); // a fusion without quality inputs gets none
  disposeFusionInput(plain);
});

test('a negative weight on a quality value lowers that modality\'s gate as the value rises', async () => {
  const params = initFusionParams(cfg, 2);
  params['gate.quality.w'].assign(tf.tensor2d([[0, 0], [-2, 0], [0, 0]]));
  const audioGate = async (level: number): Promise<number> => {
    const input = makeFusionInput([[turn(vec(level, 50))]], cfg);
    const g = tf.tidy(() => fusionForward(params, input, cfg).gate.slice([0, 0, 1], [1, 1, 1]).reshape([1]));
    const [v] = await g.data();
    g.dispose(); disposeFusionInput(input);
    return v;
  };
  const typical = await audioGate(10), louder = await audioGate(20), quieter = await audioGate(0);
  assert.ok(louder < typical && typical < quieter, `audio gate ${quieter} > ${typical} > ${louder}`);
  disposeParams(params);
});

test('the reliability loss teaches the gate to trust the modality whose head is right', async () => {
  // Gate logits as the only variable; the audio head is confidently wrong, the face head right, text in between.
  const logits = tf.variable(tf.zeros([1, 4, 3]));
  const labels = tf.tensor1d([2, 2, 2, -1], 'int32');
  const head = (right: number): number[] => Array.from({ length: 7 }, (_, k) => (k === 2 ? right : 0));
  const modalityLogits = tf.tensor4d([[0, 1, 2, 3].map(() => [head(1), head(-3), head(4)])]);
  const present = tf.tensor3d([[[1, 1, 1], [1, 1, 1], [1, 1, 0], [1, 1, 1]]]);
  const mask = tf.ones([4]) as tf.Tensor1D;
  const optimizer = tf.train.adam(0.1);
  const loss = () => {
    const gate = tf.softmax(logits.add(tf.scalar(1).sub(present).mul(-1e9))).mul(present.max(2, true)) as tf.Tensor3D;
    return gateReliabilityLoss({ gate, modalityLogits } as Parameters<typeof gateReliabilityLoss>[0], labels, present, mask);
  };
  const before = (await loss().data())[0];
  for (let i = 0; i < 200; i++) optimizer.minimize(loss as () => tf.Scalar, false, [logits]);
  const after = (await loss().data())[0];
  const gate = (await tf.softmax(logits).array()) as number[][][];
  assert.ok(after < before, `loss ${before} → ${after}`);
  const [t, a, f] = gate[0][0];
  assert.ok(f > t && t > a && a < 0.05, `gate text ${t} audio ${a} face ${f}`);
  // The unlabelled turn (-1) contributes nothing: its gate logits never moved.
  assert.deepEqual(((await logits.array()) as number[][][])[0][3], [0, 0, 0]);
  tf.dispose([logits, labels, modalityLogits, present, mask]); optimizer.dispose();
});

test('a file with quality statistics round-trips; broken statistics or missing gate weights are refused', async () => {
  const params = initFusionParams(cfg, 3);
  const save = (config: FusionConfig, p = params) => fusionToArtifacts(p, config).then((a) => ({ load: async () => a }) as tf.io.IOHandler);
  const loaded = await loadFusionParams(await save(cfg));
  assert.deepEqual(loaded.config.quality, cfg.quality);
  assert.deepEqual(loaded.params['gate.quality.w'].shape, [3, Q]);
  disposeParams(loaded.params);
  await assert.rejects(loadFusionParams(await save({ ...cfg, quality: { ...cfg.quality!, std: [[1, 1], [0, 1], [1, 1]] } })), /quality\.std must be 3 rows of 2 finite numbers above 0/);
  await assert.rejects(loadFusionParams(await save({ ...cfg, quality: { ...cfg.quality!, dim: 3 } })), /quality\.mean must be 3 rows of 3/);
  const { 'gate.quality.w': _w, ...withoutWeights } = params;
  await assert.rejects(loadFusionParams(await save(cfg, withoutWeights)), /gate\.quality\.w \/ gate\.quality\.b are missing/);
  const { quality: _q, ...noStatistics } = cfg;
  await assert.rejects(loadFusionParams(await save(noStatistics as FusionConfig)), /read recording quality but the config has no quality statistics/);
  disposeParams(params);
});
