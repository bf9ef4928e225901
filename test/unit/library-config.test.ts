import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, mergeConfig } from '../../src/config.ts';
import { ProbabilitySmoother, argmax } from '../../src/session/smoothing.ts';
import { LABELS } from '../../src/labels.ts';
import type { Probabilities } from '../../src/session/results.ts';

const PAGE = 'https://example.test/app/index.html';
const probs = (values: number[]): Probabilities => Object.fromEntries(LABELS.map((l, i) => [l, values[i]])) as Probabilities;

test('mergeConfig keeps the documented defaults and merges modalities key by key', () => {
  const c = mergeConfig(DEFAULT_CONFIG, { modalities: { face: false }, smoothing: 0.4 }, PAGE);
  assert.deepEqual(c.modalities, { text: true, audio: true, face: false });
  assert.equal(c.smoothing, 0.4);
  assert.equal(c.worker, true);
  assert.equal(c.speaker, 'Me');
  assert.equal(c.textModel, 'text-encoder');
  assert.equal(c.backend, undefined);
  // The defaults object is not changed by a merge.
  assert.deepEqual(DEFAULT_CONFIG.modalities, { text: true, audio: true, face: true });
});

test('mergeConfig resolves folders against the page: same origin → root-relative path with a slash, other origin → full URL', () => {
  assert.equal(mergeConfig(DEFAULT_CONFIG, {}, PAGE).modelsBaseUrl, '/models/');
  assert.equal(mergeConfig(DEFAULT_CONFIG, { modelsBaseUrl: 'assets/models' }, PAGE).modelsBaseUrl, '/app/assets/models/');
  assert.equal(mergeConfig(DEFAULT_CONFIG, { vendorBaseUrl: 'https://cdn.example.org/emolens/vendor' }, PAGE).vendorBaseUrl, 'https://cdn.example.org/emolens/vendor/');
});

test('mergeConfig refuses unknown options, unknown backends, smoothing outside [0, 1) and no modality', () => {
  assert.throws(() => mergeConfig(DEFAULT_CONFIG, { smoothng: 0.5 } as never, PAGE), /Unknown EmoLens option "smoothng"/);
  assert.throws(() => mergeConfig(DEFAULT_CONFIG, { backend: 'cuda' as never }, PAGE), /Unknown backend "cuda"/);
  assert.throws(() => mergeConfig(DEFAULT_CONFIG, { smoothing: 1 }, PAGE), /smoothing must be in \[0, 1\)/);
  assert.throws(() => mergeConfig(DEFAULT_CONFIG, { smoothing: -0.1 }, PAGE), /smoothing/);
  assert.throws(() => mergeConfig(DEFAULT_CONFIG, { modalities: { text: false, audio: false, face: false } }, PAGE), /At least one modality/);
});

test('smoothing 0 passes the stream through; 0.5 averages with the past as hand-computed', () => {
  const a = probs([1, 0, 0, 0, 0, 0, 0]), b = probs([0, 1, 0, 0, 0, 0, 0]);
  const raw = new ProbabilitySmoother(0);
  raw.next(a);
  assert.deepEqual(raw.next(b), b);
  const s = new ProbabilitySmoother(0.5);
  assert.deepEqual(s.next(a), a, 'the first value is taken as is');
  const second = s.next(b);
  assert.ok(Math.abs(second.neutral - 0.5) < 1e-12 && Math.abs(second.joy - 0.5) < 1e-12);
  const third = s.next(b);
  assert.ok(Math.abs(third.neutral - 0.25) < 1e-12 && Math.abs(third.joy - 0.75) < 1e-12);
  assert.deepEqual(argmax(third), { label: 'joy', confidence: third.joy });
  s.reset();
  assert.deepEqual(s.next(a), a, 'reset forgets the past');
  assert.throws(() => new ProbabilitySmoother(1.5), RangeError);
});

test('mergeConfig treats an option given as undefined as not given, and refuses unknown modality names', () => {
  const c = mergeConfig(DEFAULT_CONFIG, { worker: undefined, smoothing: undefined, modalities: { face: undefined } }, PAGE);
  assert.equal(c.worker, true);
  assert.equal(c.smoothing, 0);
  assert.equal(c.modalities.face, true);
  assert.throws(() => mergeConfig(DEFAULT_CONFIG, { modalities: { vidoe: true } as never }, PAGE), /Unknown modality "vidoe"/);
});
