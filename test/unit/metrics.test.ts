import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmaxRows, evaluate, formatReport } from '../../src/eval/metrics.ts';
import { LABELS } from '../../src/labels.ts';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('evaluate: 3 classes, hand-computed F1s', () => {
  // true [0,0,0,1,1,2], pred [0,0,1,1,2,2] → confusion rows true: [2,1,0] [0,1,1] [0,0,1]
  // F1 = 2TP/(support+predicted): c0 = 4/(3+2) = 0.8, c1 = 2/(2+2) = 0.5, c2 = 2/(1+2) = 2/3
  // weighted = (0.8*3 + 0.5*2 + 2/3*1)/6 = 0.677777..., macro = (0.8+0.5+2/3)/3 = 0.655555..., accuracy = 4/6
  const r = evaluate([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], 3);
  assert.deepEqual(r.confusion, [[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
  assert.deepEqual(r.labels, ['neutral', 'joy', 'sadness']);
  assert.equal(r.n, 6);
  close(r.accuracy, 4 / 6);
  close(r.perClassF1.neutral, 0.8);
  close(r.perClassF1.joy, 0.5);
  close(r.perClassF1.sadness, 2 / 3);
  close(r.weightedF1, (0.8 * 3 + 0.5 * 2 + 2 / 3) / 6);
  close(r.macroF1, (0.8 + 0.5 + 2 / 3) / 3);
});

test('evaluate: macro F1 over labels present in true OR pred (sklearn default)', () => {
  // true [0,1,1,3], pred [0,1,4,3]: c0 F1 1, c1 2/(2+1) = 2/3, c3 1, c4 (only predicted) 0; c2, c5, c6 absent → excluded.
  // macro = (1 + 2/3 + 1 + 0)/4 = 0.666..., weighted = (1*1 + 2/3*2 + 1*1)/4 = 0.8333..., accuracy 3/4
  const r = evaluate([0, 1, 1, 3], [0, 1, 4, 3]);
  assert.deepEqual(r.labels, [...LABELS]);
  close(r.macroF1, (1 + 2 / 3 + 1 + 0) / 4);
  close(r.weightedF1, (1 + (2 / 3) * 2 + 1) / 4);
  close(r.accuracy, 0.75);
  assert.equal(r.perClassF1.fear, 0);
  assert.equal(r.perClassF1.disgust, 0);
  assert.equal(r.confusion[1][4], 1);
  assert.equal(r.confusion.flat().reduce((a, b) => a + b, 0), 4);
});

test('evaluate: perfect and all-wrong predictions; input checks', () => {
  const perfect = evaluate([0, 1, 2, 3, 4, 5, 6], [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(perfect.accuracy, 1);
  assert.equal(perfect.weightedF1, 1);
  assert.equal(perfect.macroF1, 1);
  const wrong = evaluate([0, 0, 1], [1, 1, 0], 2);
  assert.equal(wrong.accuracy, 0);
  assert.equal(wrong.weightedF1, 0);
  assert.throws(() => evaluate([0, 1], [0]), /2 true labels vs 1/);
  assert.throws(() => evaluate([0, 9], [0, 1]), /out of range/);
});

test('argmaxRows and formatReport', () => {
  assert.deepEqual(argmaxRows([[0.1, 0.7, 0.2], [0.5, 0.5, 0], [0, 0, 1]]), [1, 0, 2]);
  const text = formatReport(evaluate([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], 3), 'demo');
  assert.match(text, /^demo\n/);
  assert.match(text, /accuracy=66\.7%/);
  assert.match(text, /weighted F1=67\.8%/);
  assert.match(text, /macro F1=65\.6%/);
  assert.match(text, /neutral\s+80\.0\s+3/);
  assert.match(text, /rows = true, cols = predicted/);
  assert.match(text, /sadness\s+0\s+0\s+1$/m);
});

test('the PyTorch trainers\' metrics (tools/train/python/contract.py) equal these, and read the same label order', async () => {
  const { execFileSync } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  const { labelsContract, LABELS_JSON } = await import('../../tools/train/write-labels.ts');
  assert.equal(readFileSync(LABELS_JSON, 'utf8'), labelsContract(), `${LABELS_JSON} is out of date: run npx tsx tools/train/write-labels.ts`);
  // A class never predicted and one absent from the truth: where macro-F1 definitions part ways.
  let seed = 7;
  const next = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  const truth = Array.from({ length: 300 }, () => Math.floor(next() * 6));
  const pred = truth.map((t) => (next() < 0.6 ? t : Math.floor(next() * 5)));
  const script = 'import json,sys; sys.path.insert(0, "tools/train/python"); from contract import evaluate; d = json.load(sys.stdin); print(json.dumps(evaluate(d["t"], d["p"])))';
  const py = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ t: truth, p: pred }), encoding: 'utf8' }));
  const ts = evaluate(truth, pred);
  for (const key of ['n', 'accuracy', 'weightedF1', 'macroF1'] as const) close(py[key], ts[key], 1e-12);
  for (const label of LABELS) close(py.perClassF1[label], ts.perClassF1[label], 1e-12);
  assert.deepEqual(py.confusion, ts.confusion);
  assert.deepEqual(py.labels, [...LABELS]);
});
