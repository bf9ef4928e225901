/**
 * The room and microphone transforms (tools/train/acoustics.ts, codec.ts, degrade.ts): each deterministic under a
 * seed, and each doing measurably what it says — the RT60 and DRR of a room, the band of a microphone, the level an
 * AGC reaches, the SNR of babble, the length change of clock drift, a codec that keeps the voice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanSquare, mulberry32 } from '../../tools/train/augment.ts';
import { addAtSnr, agc, augmentRoom, babble, bandLimit, clockDrift, inRoom, measureRt60, roomImpulseResponse } from '../../tools/train/acoustics.ts';
import { codecPass } from '../../tools/train/codec.ts';
import { DEGRADATIONS, degradation } from '../../tools/train/degrade.ts';

const RATE = 16000;
const tone = (hz: number, seconds: number, amp = 0.3): Float32Array => Float32Array.from({ length: Math.round(seconds * RATE) }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / RATE));
/** A voice-like test signal: a 140 Hz pulse train through formant-ish resonances, syllables switched on and off. */
function voice(seconds: number, seed = 1): Float32Array {
  const rng = mulberry32(seed), n = Math.round(seconds * RATE), out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const on = Math.floor(i / (0.25 * RATE)) % 3 !== 2;
    out[i] = on ? 0.2 * (Math.sin((2 * Math.PI * 140 * i) / RATE) + 0.5 * Math.sin((2 * Math.PI * 700 * i) / RATE) + 0.3 * Math.sin((2 * Math.PI * 1800 * i) / RATE)) + 0.01 * (rng() - 0.5) : 0.001 * (rng() - 0.5);
  }
  return out;
}
const corr = (a: Float32Array, b: Float32Array): number => {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb);
};

test('room impulse responses have the RT60 and the direct-to-reverberant ratio they were asked for', () => {
  for (const rt60 of [0.2, 0.5, 1.0]) {
    const h = roomImpulseResponse({ rt60, drrDb: 3, hfRatio: 1 }, mulberry32(7));
    const measured = measureRt60(h);
    assert.ok(Math.abs(measured - rt60) / rt60 < 0.15, `RT60 ${rt60} s measured ${measured.toFixed(3)} s`);
    let reverberant = 0;
    for (let i = 1; i < h.length; i++) reverberant += h[i] * h[i];
    assert.ok(Math.abs(10 * Math.log10(1 / reverberant) - 3) < 1e-6, 'DRR 3 dB');
  }
  // High frequencies die faster than lows by default.
  const h = roomImpulseResponse({ rt60: 0.8, drrDb: 0 }, mulberry32(7));
  assert.ok(measureRt60(bandLimit(h, 3000, 8000)) < 0.8 * measureRt60(bandLimit(h, 0, 1000)));
  assert.deepEqual(roomImpulseResponse({ rt60: 0.5, drrDb: 0 }, mulberry32(3)), roomImpulseResponse({ rt60: 0.5, drrDb: 0 }, mulberry32(3)), 'seeded');
});

test('a room smears the clip and keeps its level', () => {
  const x = voice(1.5);
  const y = inRoom(x, { rt60: 0.6, drrDb: -3 }, mulberry32(2));
  assert.equal(y.length, x.length);
  assert.ok(Math.abs(meanSquare(y) / meanSquare(x) - 1) < 1e-4);
  // The pauses fill with reverberation: energy in the 0.5–0.75 s silence rises by over 20 dB.
  const pause = (s: Float32Array) => meanSquare(s.subarray(Math.round(0.55 * RATE), Math.round(0.7 * RATE)));
  assert.ok(10 * Math.log10(pause(y) / pause(x)) > 20);
});

test('band limits pass the band and cut 24 dB/octave outside it', () => {
  const gainDb = (hz: number) => 10 * Math.log10(meanSquare(bandLimit(tone(hz, 1), 300, 3400).subarray(4000)) / meanSquare(tone(hz, 1).subarray(4000)));
  assert.ok(Math.abs(gainDb(1000)) < 0.5, `1 kHz ${gainDb(1000).toFixed(2)} dB`);
  assert.ok(gainDb(75) < -40, `75 Hz ${gainDb(75).toFixed(1)} dB`); // two octaves below 300 Hz
  assert.ok(gainDb(7000) < -20, `7 kHz ${gainDb(7000).toFixed(1)} dB`);
});

test('AGC brings a quiet voice to its target level and lifts the noise in its pauses', () => {
  const quiet = voice(3).map((v) => v * 0.05);
  const y = agc(quiet, { targetDb: -20, maxGainDb: 30 });
  const speech = (s: Float32Array) => 10 * Math.log10(meanSquare(s.subarray(2 * RATE, Math.round(2.5 * RATE))));
  assert.ok(Math.abs(speech(y) - -20) < 3, `speech at ${speech(y).toFixed(1)} dBFS`);
  const pause = (s: Float32Array) => meanSquare(s.subarray(Math.round(2.6 * RATE), Math.round(2.74 * RATE)));
  assert.ok(pause(y) / pause(quiet) > 10, 'the pause is amplified (AGC pumping)');
  assert.ok(y.every((v) => Math.abs(v) <= 1));
});

test('babble and noise land at the exact SNR; babble is seeded', () => {
  const x = voice(2), pool = [voice(2, 2), voice(3, 3), voice(1, 4)];
  const b = babble(pool, x.length, 4, mulberry32(5));
  assert.deepEqual(b, babble(pool, x.length, 4, mulberry32(5)));
  const y = addAtSnr(x, b, 10);
  const added = y.map((v, i) => v - x[i]);
  assert.ok(Math.abs(10 * Math.log10(meanSquare(x) / meanSquare(added)) - 10) < 1e-3);
  assert.throws(() => babble([], 10, 2, mulberry32(1)), /pool of other talkers is empty/);
});

test('clock drift lengthens the clip by its parts per million and lowers a tone', () => {
  const x = tone(1000, 2);
  const y = clockDrift(x, 3000);
  assert.ok(Math.abs(y.length / x.length - 1.003) < 1e-3);
  // A 1000 Hz tone read back at 16 kHz after a 0.3 % fast clock is at ~997 Hz: zero crossings tell.
  const crossings = (s: Float32Array) => { let c = 0; for (let i = 1; i < s.length; i++) if (s[i - 1] < 0 && s[i] >= 0) c++; return c; };
  const hz = crossings(y.subarray(1000, 1000 + RATE));
  assert.ok(hz >= 995 && hz <= 998, `${hz} Hz`);
});

test('codec passes keep the length and the voice; lower bitrates lose more', async () => {
  const x = voice(2);
  const opus24 = await codecPass(x, 'opus', 24), opus8 = await codecPass(x, 'opus', 8), mp3 = await codecPass(x, 'mp3', 16);
  for (const y of [opus24, opus8, mp3]) assert.equal(y.length, x.length);
  // Opus has a fixed delay: compare at the best lag within 10 ms.
  const best = (y: Float32Array) => Math.max(...Array.from({ length: 161 }, (_, lag) => corr(x.subarray(0, x.length - 160), y.subarray(lag, lag + x.length - 160))));
  assert.ok(best(opus24) > 0.9, `opus 24k ${best(opus24).toFixed(3)}`);
  assert.ok(best(opus8) < best(opus24));
  assert.ok(best(mp3) > 0.5, `mp3 16k ${best(mp3).toFixed(3)}`);
  assert.deepEqual(await codecPass(x, 'opus', 12), await codecPass(x, 'opus', 12), 'deterministic');
});

test('the realistic training chain is deterministic under a seed and changes the clip', async () => {
  const x = voice(2), pool = [voice(2, 8), voice(2, 9)];
  const a = await augmentRoom(x, mulberry32(11), { babblePool: pool, codec: codecPass });
  const b = await augmentRoom(x, mulberry32(11), { babblePool: pool, codec: codecPass });
  assert.deepEqual(a, b);
  assert.ok(a.every((v) => Number.isFinite(v) && Math.abs(v) <= 1));
  const copies = await Promise.all([1, 2, 3, 4, 5, 6].map((s) => augmentRoom(x, mulberry32(s), { babblePool: pool })));
  assert.ok(copies.some((c) => c.length === x.length && corr(c, x) < 0.9), 'some copies differ clearly from the clean clip');
});

test('named eval conditions are repeatable; unknown names are refused with the list', async () => {
  const x = voice(1.5), pool = [voice(2, 5)];
  for (const name of Object.keys(DEGRADATIONS)) {
    const a = await degradation(name).apply(x, 42, { babblePool: pool });
    assert.deepEqual(a, await degradation(name).apply(x, 42, { babblePool: pool }), name);
    assert.equal(a.length, x.length, name);
  }
  // An in-band tone keeps its level through the room and the band: what is left is the −12 dB of gain.
  const inBand = tone(1000, 1.5), room = await degradation('room').apply(inBand, 1, {});
  const db = 10 * Math.log10(meanSquare(room) / meanSquare(inBand));
  assert.ok(Math.abs(db - -12) < 1, `room: ${db.toFixed(2)} dB`);
  assert.throws(() => degradation('bathroom'), /one of none, noise10/);
});
