import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationReport, fitTemperature, softmaxT } from '../../src/eval/calibration.ts';
import { mulberry32 } from '../../tools/train/random.ts';

test('calibrationReport: hand-computed ECE, NLL and bins', () => {
  // Two rows at confidence 0.9 (one right, one wrong) and one at 0.6 (right), 10 bins:
  // bin 9: |1/2 − 0.9| · 2/3, bin 6: |1 − 0.6| · 1/3 → ECE = 0.4·2/3 + 0.4/3 = 0.4.
  const probs = [[0.9, 0.1], [0.9, 0.1], [0.4, 0.6]];
  const r = calibrationReport(probs, [0, 1, 1], 10);
  assert.ok(Math.abs(r.ece - 0.4) < 1e-12, `ece ${r.ece}`);
  assert.ok(Math.abs(r.nll - -(Math.log(0.9) + Math.log(0.1) + Math.log(0.6)) / 3) < 1e-12);
  assert.equal(r.bins[9].count, 2);
  assert.equal(r.bins[6].count, 1);
  assert.ok(Math.abs(r.accuracy - 2 / 3) < 1e-12);
  assert.throws(() => calibrationReport(probs, [0, 1]), /3 rows vs 2 labels/);
});

test('fitTemperature recovers the temperature that generated the labels, and the fit lowers ECE', () => {
  // Labels drawn from softmax(z / 2.5): logits z are over-confident by a factor 2.5.
  const random = mulberry32(5);
  const logits: number[][] = [], labels: number[] = [];
  for (let i = 0; i < 6000; i++) {
    const z = Array.from({ length: 7 }, () => (random() - 0.5) * 12);
    const p = softmaxT(z, 2.5);
    // Inverse-CDF draw of the class.
    let u = random() - p[0], c = 0;
    while (c < 6 && u > 0) { c++; u -= p[c]; }
    logits.push(z); labels.push(c);
  }
  const t = fitTemperature(logits, labels);
  assert.ok(Math.abs(t - 2.5) < 0.2, `fitted ${t}`);
  const before = calibrationReport(logits.map((z) => softmaxT(z)), labels);
  const after = calibrationReport(logits.map((z) => softmaxT(z, t)), labels);
  assert.ok(before.ece > 0.1, `raw ECE ${before.ece}`);
  assert.ok(after.ece < 0.03, `calibrated ECE ${after.ece}`);
  assert.ok(after.nll < before.nll);
  assert.equal(fitTemperature([], []), 1);
});
