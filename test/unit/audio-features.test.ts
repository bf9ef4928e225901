import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUDIO_FEATURES, PROSODY_DIM, PROSODY_STATS_DIM, PROSODY_STATS_NAMES, Resampler, encoderInput, extractAudioFeatures,
  frameCount, logMel, melCenters, prosody, resampleTo16k, FFT,
} from '../../src/audio/features.ts';

const SR: number = AUDIO_FEATURES.sampleRate;
const tone = (hz: number, seconds: number, rate = SR, amp = 0.5) =>
  Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rate));
/** Deterministic white noise (LCG), uniform in [-amp, amp]. */
function noise(n: number, amp = 0.5, seed = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return amp * (2 * (s / 2 ** 32) - 1); });
}
const col = (p: Float32Array, c: number) => Array.from({ length: p.length / PROSODY_DIM }, (_, t) => p[t * PROSODY_DIM + c]);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
/** RMS level (dB) of a signal's sinusoid at `hz` by projection (Goertzel-like), over the middle of the signal. */
function toneLevel(x: Float32Array, hz: number, rate: number): number {
  const a = Math.floor(x.length / 4), b = Math.floor((3 * x.length) / 4);
  let c = 0, s = 0;
  for (let i = a; i < b; i++) { c += x[i] * Math.cos((2 * Math.PI * hz * i) / rate); s += x[i] * Math.sin((2 * Math.PI * hz * i) / rate); }
  return 20 * Math.log10((2 * Math.hypot(c, s)) / (b - a) + 1e-12);
}

test('FFT of a bin-centred cosine puts all power in that bin', () => {
  const fft = new FFT(64);
  const x = Float64Array.from({ length: 64 }, (_, i) => Math.cos((2 * Math.PI * 5 * i) / 64));
  const p = fft.powerSpectrum(x);
  assert.ok(Math.abs(p[5] - 32 * 32) < 1e-6);
  for (let k = 0; k < p.length; k++) if (k !== 5) assert.ok(p[k] < 1e-9, `bin ${k}: ${p[k]}`);
});

test('a 220 Hz tone gives pitch within ±3% on voiced frames, and nearly all frames voiced', () => {
  const p = prosody(tone(220, 1));
  const pitch = col(p, 1);
  const voiced = pitch.filter((f) => f > 0);
  assert.ok(voiced.length >= 0.9 * pitch.length, `${voiced.length}/${pitch.length} voiced`);
  for (const f of voiced) assert.ok(Math.abs(f - 220) / 220 < 0.03, `pitch ${f}`);
  assert.ok(mean(col(p, 2)) > 0.9);
});

test('pitch follows 110 Hz and 400 Hz tones (no octave errors)', () => {
  for (const hz of [110, 400]) {
    const pitch = col(prosody(tone(hz, 0.6)), 1).slice(5, -5);
    for (const f of pitch) assert.ok(Math.abs(f - hz) / hz < 0.03, `${hz}: got ${f}`);
  }
});

test('silence: every frame unvoiced, energy very low, no NaN anywhere', () => {
  const f = extractAudioFeatures(new Float32Array(SR));
  assert.equal(f.frames, frameCount(SR));
  for (const v of [...f.mel.data, ...f.prosody, ...f.prosodyStats]) assert.ok(Number.isFinite(v));
  assert.ok(col(f.prosody, 1).every((x) => x === 0));
  assert.ok(col(f.prosody, 0).every((x) => x < -90));
  assert.equal(f.prosodyStats.length, PROSODY_STATS_DIM);
  assert.equal(PROSODY_STATS_NAMES.length, PROSODY_STATS_DIM);
});

test('white noise is much flatter than a tone, and mostly unvoiced', () => {
  const pn = prosody(noise(SR)), pt = prosody(tone(1000, 1));
  const flatNoise = mean(col(pn, 4)), flatTone = mean(col(pt, 4));
  assert.ok(flatNoise > 0.3, `noise flatness ${flatNoise}`);
  assert.ok(flatTone < 0.05, `tone flatness ${flatTone}`);
  assert.ok(col(pn, 1).filter((x) => x > 0).length < 0.1 * pn.length / PROSODY_DIM);
  assert.ok(mean(col(pn, 6)) > 0.3 && mean(col(pt, 6)) < 0.2); // zero crossings: noise ~0.5, 1 kHz ≈ 0.125
  assert.ok(Math.abs(mean(col(pt, 3)) - 1000) < 100, 'tone centroid ≈ 1 kHz');
});

test('the log-mel of a 1 kHz tone peaks at the filter centred nearest 1 kHz', () => {
  const { data, frames } = logMel(tone(1000, 0.5));
  const centers = melCenters();
  const expected = centers.reduce((best, c, m) => (Math.abs(c - 1000) < Math.abs(centers[best] - 1000) ? m : best), 0);
  const M = AUDIO_FEATURES.nMels;
  for (let t = 2; t < frames - 2; t++) {
    const row = Array.from(data.subarray(t * M, (t + 1) * M));
    assert.equal(row.indexOf(Math.max(...row)), expected);
  }
});

test('resampling 48 kHz → 16 kHz keeps a 1 kHz tone and removes 7.9 kHz and 10 kHz (which would alias to 6 kHz)', () => {
  const out = resampleTo16k(tone(1000, 0.5, 48000), 48000);
  assert.equal(out.length, 8000);
  assert.ok(Math.abs(toneLevel(out, 1000, SR) - toneLevel(tone(1000, 0.5), 1000, SR)) < 0.1, 'passband gain ≈ 0 dB');
  const { data, frames } = logMel(out);
  const centers = melCenters();
  const expected = centers.reduce((best, c, m) => (Math.abs(c - 1000) < Math.abs(centers[best] - 1000) ? m : best), 0);
  const row = Array.from(data.subarray(Math.floor(frames / 2) * 64, Math.floor(frames / 2) * 64 + 64));
  assert.equal(row.indexOf(Math.max(...row)), expected);
  const ref = toneLevel(tone(1000, 0.5), 1000, SR);
  const at79 = toneLevel(resampleTo16k(tone(7900, 0.5, 48000), 48000), 7900, SR);
  assert.ok(ref - at79 > 30, `7.9 kHz attenuated only ${(ref - at79).toFixed(1)} dB`);
  const aliased = toneLevel(resampleTo16k(tone(10000, 0.5, 48000), 48000), 6000, SR);
  assert.ok(ref - aliased > 60, `10 kHz alias at 6 kHz only ${(ref - aliased).toFixed(1)} dB down`);
});

test('streaming resampling in odd-sized chunks equals one-shot resampling (48k and 44.1k)', () => {
  for (const rate of [48000, 44100]) {
    const x = noise(rate / 2, 0.5, 7);
    const whole = resampleTo16k(x, rate);
    const r = new Resampler(rate, SR);
    const parts: number[] = [];
    for (let i = 0; i < x.length; i += 128 + (i % 37)) parts.push(...r.process(x.subarray(i, Math.min(x.length, i + 128 + (i % 37)))));
    parts.push(...r.flush());
    assert.equal(parts.length, whole.length);
    assert.equal(whole.length, Math.ceil((x.length * SR) / rate));
    for (let i = 0; i < whole.length; i++) assert.ok(Math.abs(parts[i] - whole[i]) < 1e-6);
  }
});

test('features are deterministic, and the encoder input crops/pads to maxFrames', () => {
  const x = noise(SR * 5, 0.002, 3); // faint background, well below the active range
  x.set(tone(200, 1.5), SR * 3); // the loud part sits at 3.0-4.5 s
  const a = extractAudioFeatures(x), b = extractAudioFeatures(x);
  assert.deepEqual(a.mel.data, b.mel.data);
  assert.deepEqual(a.prosodyStats, b.prosodyStats);
  const input = encoderInput(a);
  assert.equal(input.mel.length, AUDIO_FEATURES.maxFrames * AUDIO_FEATURES.nMels);
  assert.equal(input.frames, AUDIO_FEATURES.maxFrames);
  // Cropped around the active (loud) region, which therefore lies inside the window.
  assert.ok(input.offset <= 300 && input.offset + AUDIO_FEATURES.maxFrames >= 450, `offset ${input.offset}`);
  const short = encoderInput(extractAudioFeatures(tone(200, 0.5)));
  assert.equal(short.frames, frameCount(SR / 2));
  assert.equal(short.mel[short.mel.length - 1], Math.fround(Math.log(AUDIO_FEATURES.logOffset)));
});

test('downmix averages the channels sample by sample', async () => {
  const { downmix } = await import('../../src/audio/features.ts');
  const mixed = downmix([Float32Array.from([1, 0, -1]), Float32Array.from([0, 1, -1])]);
  assert.deepEqual(Array.from(mixed), [0.5, 0.5, -1]);
  assert.equal(downmix([]).length, 0);
});
