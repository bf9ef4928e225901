/**
 * Speaker / session normalisation (src/audio/features.ts `SpeakerNormalizer`): what it moves, by how much, and what
 * it leaves alone, on real RAVDESS clips: a quieter microphone is taken back to the reference up to the shrinkage
 * left, a duller one (a low-pass) comes closer to the clean voice, a fresh normaliser changes nothing, and the
 * padding stays digital silence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUDIO_FEATURES, PROSODY_STATS_NAMES, SpeakerNormalizer, activeMelFrames, encoderInput, extractAudioFeatures, speakerReference, type EncoderInput } from '../../src/audio/features.ts';
import { decodeAudioFile } from '../../tools/data/audio-decode.ts';
import { readSpeechFolder } from '../../tools/data/speech.ts';

const M = AUDIO_FEATURES.nMels;
const ENERGY = PROSODY_STATS_NAMES.indexOf('energyMeanDb'), PITCH = PROSODY_STATS_NAMES.indexOf('pitchMeanSt');
const items = readSpeechFolder('../shared/data/audio/ravdess');
const ofActor = (actor: string, n: number) => items.filter((i) => i.speaker === `actor_${actor}`).slice(0, n);
/** Encoder inputs of the clips' first 2.9 s (shorter than the window: no crop, so a louder and a quieter copy line up frame for frame). */
const inputs = async (paths: string[], change: (pcm: Float32Array) => Float32Array = (x) => x): Promise<EncoderInput[]> =>
  Promise.all(paths.map(async (p) => encoderInput(extractAudioFeatures(change((await decodeAudioFile(p)).slice(0, 2.9 * AUDIO_FEATURES.sampleRate))))));

/** A first-order low-pass: the treble falls gently (−6 dB per octave above `hz`), like a cheap or covered microphone. */
function onePole(pcm: Float32Array, hz: number): Float32Array {
  const a = Math.exp((-2 * Math.PI * hz) / AUDIO_FEATURES.sampleRate), out = new Float32Array(pcm.length);
  let y = 0;
  for (let i = 0; i < pcm.length; i++) { y = a * y + (1 - a) * pcm[i]; out[i] = y; }
  return out;
}

/** Mean |Δ| of two inputs' log-mel over the active frames of `a`. */
function melDistance(a: EncoderInput, b: EncoderInput): number {
  let sum = 0, n = 0;
  for (const t of activeMelFrames(a)) for (let k = 0; k < M; k++) { sum += Math.abs(a.mel[t * M + k] - b.mel[t * M + k]); n++; }
  return sum / n;
}

test('a fresh normaliser changes nothing; a bad reference is refused', async () => {
  const [x] = await inputs(ofActor('01', 1).map((i) => i.path));
  const reference = speakerReference([x], 300);
  const out = new SpeakerNormalizer(reference).apply(x);
  assert.deepEqual(out.mel, x.mel);
  assert.deepEqual(out.prosodyStats, x.prosodyStats);
  assert.notEqual(out.mel, x.mel, 'a new array, the input untouched');
  assert.throws(() => new SpeakerNormalizer({ ...reference, melLogPower: [1, 2] }), /melLogPower has 2 bins/);
  assert.throws(() => new SpeakerNormalizer({ ...reference, halfWeightFrames: 0 }), /halfWeightFrames must be positive/);
  assert.throws(() => speakerReference([], 300), /no active frame/);
});

test('a quieter microphone: the speaker is moved back to the reference, up to the shrinkage left', async () => {
  // Reference: four other actors; the speaker: actor 05's clips, as recorded and 12 dB quieter.
  const reference = speakerReference(await inputs(['01', '02', '03', '04'].flatMap((a) => ofActor(a, 6).map((i) => i.path))), 300);
  const paths = ofActor('05', 8).map((i) => i.path);
  const clean = await inputs(paths), quiet = await inputs(paths, (pcm) => pcm.map((v) => v * 10 ** (-12 / 20)));
  const a = new SpeakerNormalizer(reference), b = new SpeakerNormalizer(reference);
  clean.forEach((x) => a.observe(x)); quiet.forEach((x) => b.observe(x));
  const w = a.heardFrames / (a.heardFrames + reference.halfWeightFrames);
  assert.ok(w > 0.8, `8 clips are most of the weight: ${w.toFixed(3)}`);
  for (const [k, x] of clean.entries()) {
    const before = melDistance(x, quiet[k]), after = melDistance(a.apply(x), b.apply(quiet[k]));
    // −12 dB is −2.76 nats in a loud bin, less near the log's floor. The normaliser scales the power under the log,
    // so what is left is at most the gain to the power (1 − w) (measured 1.98 → 0.16 nats on the first clip).
    assert.ok(before > 1.5, `raw distance ${before.toFixed(3)}`);
    assert.ok(after < (1 - w) * 2.763 + 0.05, `clip ${k}: ${before.toFixed(3)} → ${after.toFixed(3)} nats`);
  }
  // The summary's loudness moves with it (measured 6.6 dB apart → 0.8 dB; the summary's −65 dB floor drops the
  // quiet copy's softest frames, so its raw gap is less than 12 dB).
  const e = (n: SpeakerNormalizer, x: EncoderInput) => n.apply(x).prosodyStats[ENERGY];
  assert.ok(Math.abs(e(a, clean[0]) - e(b, quiet[0])) < 0.25 * Math.abs(clean[0].prosodyStats[ENERGY] - quiet[0].prosodyStats[ENERGY]));
  // Pitch: a reference 5 semitones higher moves the speaker's pitch up by w · 5, and nothing else in the summary.
  const higher = new SpeakerNormalizer({ ...reference, pitchMeanSt: reference.pitchMeanSt + 5 });
  clean.forEach((x) => higher.observe(x));
  const up = higher.apply(clean[0]).prosodyStats, same = a.apply(clean[0]).prosodyStats;
  assert.ok(Math.abs(up[PITCH] - same[PITCH] - 5 * w) < 1e-4, `pitch moved ${(up[PITCH] - same[PITCH]).toFixed(4)} st, w · 5 = ${(5 * w).toFixed(4)}`);
  for (let j = 0; j < up.length; j++) if (j !== PITCH) assert.equal(up[j], same[j], PROSODY_STATS_NAMES[j]);
});

test('a duller microphone (a gentle 1.5 kHz one-pole low-pass) comes closer to the clean voice; the padding stays silence', async () => {
  const reference = speakerReference(await inputs(['01', '02', '03', '04'].flatMap((a) => ofActor(a, 6).map((i) => i.path))), 300);
  const paths = ofActor('06', 8).map((i) => i.path);
  const clean = await inputs(paths), dull = await inputs(paths, (pcm) => onePole(pcm, 1500));
  const a = new SpeakerNormalizer(reference), b = new SpeakerNormalizer(reference);
  clean.forEach((x) => a.observe(x)); dull.forEach((x) => b.observe(x));
  let before = 0, after = 0;
  for (const [k, x] of clean.entries()) { before += melDistance(x, dull[k]); after += melDistance(a.apply(x), b.apply(dull[k])); }
  // Measured 0.694 → 0.155 nats: what is left is about (1 − w) of the filter.
  assert.ok(after < 0.3 * before, `mean log-mel distance clean vs low-passed: ${(before / 8).toFixed(3)} → ${(after / 8).toFixed(3)} nats`);
  const [short] = await inputs([paths[0]], (pcm) => pcm.slice(0, 2 * AUDIO_FEATURES.sampleRate));
  assert.ok(short.frames < AUDIO_FEATURES.maxFrames);
  const out = a.apply(short);
  for (let i = short.frames * M; i < out.mel.length; i++) assert.equal(out.mel[i], Math.fround(Math.log(AUDIO_FEATURES.logOffset)));
});

test('live order: each turn is observed before it is moved, and the shift grows with what was heard', async () => {
  const reference = speakerReference(await inputs(['01', '02'].flatMap((a) => ofActor(a, 6).map((i) => i.path))), 300);
  const turns = await inputs(ofActor('07', 4).map((i) => i.path), (pcm) => pcm.map((v) => v * 0.5));
  const live = new SpeakerNormalizer(reference);
  const moved: number[] = [];
  for (const x of turns) {
    live.observe(x);
    moved.push(Math.abs(live.apply(x).prosodyStats[ENERGY] - x.prosodyStats[ENERGY]));
  }
  // The speaker's level settles after a turn or two; the weight n / (n + 300 frames) keeps growing.
  const frames = activeMelFrames(turns[0]).length;
  assert.ok(Math.abs(live.heardFrames - turns.reduce((n, x) => n + activeMelFrames(x).length, 0)) === 0);
  assert.ok(moved[3] > moved[0], `energy moved ${moved.map((m) => m.toFixed(2)).join(', ')} dB (first turn ${frames} frames)`);
});
