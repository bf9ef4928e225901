// Waveform augmentation (tools/train/augment.ts): determinism under a seed, and each transform does what it says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FFT } from '../../src/audio/features.ts';
import {
  AUGMENT_DEFAULTS, addNoise, applyGain, augment, changeTempo, makeNoise, meanSquare, mulberry32, pitchShift, reverb, telephone,
} from '../../tools/train/augment.ts';

const SR = 16000;

/** A voiced-like test clip: a 150 Hz harmonic tone (8 harmonics) with a slow amplitude envelope. */
function voice(seconds = 1.5, f0 = 150): Float32Array {
  const n = Math.round(seconds * SR), x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin((2 * Math.PI * f0 * h * i) / SR) / h;
    x[i] = 0.2 * v * (0.6 + 0.4 * Math.sin((2 * Math.PI * 2 * i) / SR));
  }
  return x;
}

/** Average power spectrum (Welch, 1024-point frames, Hann) → energy between lo and hi Hz. */
function bandEnergy(x: Float32Array, lo: number, hi: number): number {
  const N = 1024, fft = new FFT(N);
  const w = Float64Array.from({ length: N }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N));
  let e = 0;
  for (let s = 0; s + N <= x.length; s += N / 2) {
    const frame = new Float64Array(N);
    for (let i = 0; i < N; i++) frame[i] = x[s + i] * w[i];
    const p = fft.powerSpectrum(frame);
    for (let k = 0; k <= N / 2; k++) { const f = (k * SR) / N; if (f >= lo && f < hi) e += p[k]; }
  }
  return e;
}

/** Dominant pitch by autocorrelation peak between 60 and 500 Hz (whole clip). */
function pitchOf(x: Float32Array): number {
  let best = 0, bestLag = 0;
  const seg = x.subarray(2000, Math.min(x.length, 2000 + 8000));
  for (let lag = Math.floor(SR / 500); lag <= SR / 60; lag++) {
    let s = 0;
    for (let i = 0; i + lag < seg.length; i++) s += seg[i] * seg[i + lag];
    if (s > best) { best = s; bestLag = lag; }
  }
  return SR / bestLag;
}

const hasNaN = (x: Float32Array): boolean => x.some((v) => !Number.isFinite(v));

test('augment is deterministic under a seed and differs across seeds', () => {
  const x = voice();
  const all = { ...AUGMENT_DEFAULTS, pTempo: 1, pPitch: 1, pReverb: 1, pTelephone: 1, pNoise: 1, pGain: 1 };
  const a = augment(x, mulberry32(7), all), b = augment(x, mulberry32(7), all), c = augment(x, mulberry32(8), all);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (const y of [a, c]) { assert.ok(!hasNaN(y)); assert.ok(y.every((v) => v >= -1 && v <= 1)); assert.ok(meanSquare(y) > 0); }
  // Default probabilities: many seeds, never a NaN, never silence, the input never modified.
  const copy = x.slice();
  for (let s = 0; s < 12; s++) { const y = augment(x, mulberry32(s)); assert.ok(!hasNaN(y) && meanSquare(y) > 1e-6, `seed ${s}`); }
  assert.deepEqual(x, copy);
});

test('gain scales the RMS by the requested dB', () => {
  const x = voice(0.5);
  for (const db of [-10, 6]) {
    const ratio = 10 * Math.log10(meanSquare(applyGain(x, db)) / meanSquare(x));
    assert.ok(Math.abs(ratio - db) < 1e-3, `${db} dB → ${ratio}`);
  }
});

test('noise is added at the requested SNR (within 1 dB), white and pink differ in tilt', () => {
  const x = voice();
  for (const color of ['white', 'pink'] as const) {
    for (const snr of [5, 20]) {
      const y = addNoise(x, snr, color, mulberry32(3));
      const noise = y.map((v, i) => v - x[i]);
      const measured = 10 * Math.log10(meanSquare(x) / meanSquare(noise));
      assert.ok(Math.abs(measured - snr) < 1, `${color} ${snr} dB → ${measured.toFixed(2)}`);
    }
  }
  // Pink: much more energy at 100–500 Hz than at 4–8 kHz (per Hz); white: about flat.
  const tilt = (n: Float32Array) => (bandEnergy(n, 100, 500) / 400) / (bandEnergy(n, 4000, 8000) / 4000);
  const white = tilt(makeNoise(SR, 'white', mulberry32(1))), pink = tilt(makeNoise(SR, 'pink', mulberry32(1)));
  assert.ok(white > 0.7 && white < 1.4, `white tilt ${white}`);
  assert.ok(pink > 5, `pink tilt ${pink}`);
});

test('tempo change scales the length by 1/factor and keeps the pitch', () => {
  const x = voice(1.5, 150);
  for (const f of [0.88, 1.12]) {
    const y = changeTempo(x, f);
    assert.equal(y.length, Math.round(x.length / f));
    assert.ok(Math.abs(pitchOf(y) - 150) < 6, `tempo ${f}: pitch ${pitchOf(y)}`);
    assert.ok(!hasNaN(y));
  }
});

test('pitch shift moves the pitch by the semitones and keeps the length', () => {
  const x = voice(1.5, 150);
  for (const st of [-2, 2]) {
    const y = pitchShift(x, st);
    const want = 150 * 2 ** (st / 12);
    assert.ok(Math.abs(y.length - x.length) <= 1, `length ${y.length} vs ${x.length}`);
    assert.ok(Math.abs(pitchOf(y) - want) < 0.03 * want, `${st} st: ${pitchOf(y).toFixed(1)} Hz, want ${want.toFixed(1)}`);
  }
});

test('reverb smears an impulse over the requested decay and keeps the mean square', () => {
  const x = new Float32Array(SR); x[1000] = 1;
  const y = reverb(x, 0.3, 0.5, mulberry32(2));
  assert.ok(Math.abs(meanSquare(y) / meanSquare(x) - 1) < 1e-3);
  const energy = (a: number, b: number) => { let s = 0; for (let i = a; i < b; i++) s += y[i] * y[i]; return s; };
  // Energy 50–150 ms after the impulse is present, and is > 20 dB above 280–380 ms (≈ −60 dB at 300 ms).
  const early = energy(1000 + 800, 1000 + 2400), late = energy(1000 + 4480, 1000 + 6080);
  assert.ok(early > 1e-3 * energy(0, SR), `early tail ${early}`);
  assert.ok(10 * Math.log10(early / late) > 20, `decay ${10 * Math.log10(early / late)} dB`);
  assert.ok(energy(0, 1000) < 1e-12, "causal (FFT round-off only)");
});

test('telephone channel removes energy above 4 kHz and below 300 Hz by > 20 dB', () => {
  const x = makeNoise(2 * SR, 'white', mulberry32(5)).map((v) => 0.1 * v);
  const y = telephone(x);
  assert.equal(y.length, x.length);
  const drop = (lo: number, hi: number) => 10 * Math.log10(bandEnergy(x, lo, hi) / bandEnergy(y, lo, hi));
  assert.ok(drop(4000, 8000) > 20, `above 4 kHz: ${drop(4000, 8000).toFixed(1)} dB`);
  assert.ok(drop(20, 120) > 20, `below 120 Hz: ${drop(20, 120).toFixed(1)} dB`);
  assert.ok(Math.abs(drop(800, 2500)) < 3, `pass band: ${drop(800, 2500).toFixed(1)} dB`);
});
