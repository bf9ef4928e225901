import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EnergyVad, TurnSegmenter, type Turn } from '../../src/audio/vad.ts';

const SR = 16000;
let seed = 5;
const rand = () => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed / 2 ** 32; };
/** Background hiss (~-66 dBFS) so the noise floor has something to track. */
const hiss = (n: number) => Float32Array.from({ length: n }, () => 0.001 * (2 * rand() - 1));
/** "Speech": a 180 Hz tone with a 4 Hz syllable-like envelope plus noise, around -20 dBFS. */
const burst = (n: number) => Float32Array.from({ length: n }, (_, i) =>
  (0.15 + 0.1 * Math.sin((2 * Math.PI * 4 * i) / SR)) * Math.sin((2 * Math.PI * 180 * i) / SR) + 0.03 * (2 * rand() - 1));

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
/** Feeds the signal in 20 ms chunks (what the worklet posts), then flushes. */
function segment(x: Float32Array, seg = new TurnSegmenter()): Turn[] {
  const turns: Turn[] = [];
  for (let i = 0; i < x.length; i += 320) turns.push(...seg.push(x.subarray(i, Math.min(x.length, i + 320))));
  return [...turns, ...seg.flush()];
}
const ms = (samples: number) => (samples / SR) * 1000;

test('silence + speech + silence + speech → exactly two turns with boundaries within ±60 ms', () => {
  const x = concat([hiss(SR), burst(1.5 * SR), hiss(SR), burst(0.8 * SR), hiss(0.7 * SR)]);
  const turns = segment(x);
  assert.equal(turns.length, 2);
  const preRoll = 200;
  const expected = [[1000, 2500], [3500, 4300]];
  turns.forEach((t, k) => {
    assert.ok(Math.abs(ms(t.startSample) - (expected[k][0] - preRoll)) <= 60, `turn ${k} start ${ms(t.startSample)} ms`);
    assert.ok(Math.abs(ms(t.endSample) - expected[k][1]) <= 60, `turn ${k} end ${ms(t.endSample)} ms`);
    assert.equal(t.pcm.length, t.endSample - t.startSample);
    assert.deepEqual(t.pcm, x.slice(t.startSample, t.endSample));
  });
});

test('a turn still open at the end of the stream comes out of flush()', () => {
  const turns = segment(concat([hiss(SR / 2), burst(SR)]));
  assert.equal(turns.length, 1);
  assert.ok(Math.abs(ms(turns[0].endSample) - 1500) <= 60);
});

test('pure silence and digital zeros give no turn; short clicks are dropped', () => {
  assert.equal(segment(hiss(5 * SR)).length, 0);
  assert.equal(segment(new Float32Array(3 * SR)).length, 0);
  assert.equal(segment(concat([hiss(SR), burst(0.1 * SR), hiss(SR)])).length, 0);
});

test('very long speech is split at maxTurnS into contiguous turns', () => {
  const x = concat([hiss(SR / 2), burst(30 * SR), hiss(SR)]);
  const turns = segment(x);
  assert.equal(turns.length, 3);
  for (const t of turns) assert.ok(t.pcm.length <= 12 * SR);
  assert.equal(turns[1].startSample, turns[0].endSample);
  assert.equal(turns[2].startSample, turns[1].endSample);
  assert.ok(Math.abs(ms(turns[2].endSample) - 30500) <= 60);
});

test('the noise floor adapts to a louder background, which then is not speech', () => {
  const vad = new EnergyVad();
  const loud = Float32Array.from({ length: 3 * SR }, () => 0.02 * (2 * rand() - 1)); // steady fan noise, ~-39 dBFS
  let speechFrames = 0;
  for (let i = 0; i < loud.length; i += 160) if (vad.isSpeech(loud.subarray(i, i + 160))) speechFrames++;
  // The first frames may count (the floor starts at -70 dB); after adapting, the steady noise is background.
  let late = 0;
  for (let i = 0; i < SR; i += 160) if (vad.isSpeech(loud.subarray(i, i + 160))) late++;
  assert.equal(late, 0);
  assert.ok(vad.noiseDb > -45, `floor ${vad.noiseDb}`);
  assert.ok(speechFrames <= 160, `${speechFrames} frames taken for speech before adapting`); // ≤ the 1.5 s stationarity window
});

test('chunk size does not change the turns (odd 137-sample chunks vs one big push)', () => {
  const x = concat([hiss(SR), burst(1.2 * SR), hiss(SR), burst(0.6 * SR), hiss(0.7 * SR)]);
  const a = segment(x);
  const seg = new TurnSegmenter();
  const b: Turn[] = [];
  for (let i = 0; i < x.length; i += 137) b.push(...seg.push(x.subarray(i, Math.min(x.length, i + 137))));
  b.push(...seg.flush());
  const c = [...new TurnSegmenter().push(x)];
  assert.equal(a.length, 2);
  for (const other of [b, c]) {
    assert.deepEqual(other.map((t) => [t.startSample, t.endSample]), a.map((t) => [t.startSample, t.endSample]));
    other.forEach((t, k) => assert.deepEqual(t.pcm, a[k].pcm));
  }
});
