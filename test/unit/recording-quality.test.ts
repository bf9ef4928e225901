/**
 * Recording quality (src/audio/quality.ts, src/video/crop-quality.ts): the numbers the fusion's gate reads to know
 * how far to trust a voice or a face must move the way the degradation moves them, on real RAVDESS clips through
 * the evaluation's named recording conditions and on a real FER2013 face through its named camera conditions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { encoderInput, extractAudioFeatures } from '../../src/audio/features.ts';
import { AUDIO_QUALITY_DIM, AUDIO_QUALITY_NAMES, recordingQuality } from '../../src/audio/quality.ts';
import { FACE_QUALITY_NAMES, cropQuality } from '../../src/video/crop-quality.ts';
import { decodeAudioFile } from '../../tools/data/audio-decode.ts';
import { readSpeechFolder } from '../../tools/data/speech.ts';
import { applyGain } from '../../tools/train/augment.ts';
import { degradation } from '../../tools/train/degrade.ts';
import { faceDegradation } from '../../tools/train/face-degrade.ts';
import { loadFaceImage } from '../../tools/data/faces.ts';
import { cropFace } from '../../src/video/face-crop.ts';

const A = (name: (typeof AUDIO_QUALITY_NAMES)[number]): number => AUDIO_QUALITY_NAMES.indexOf(name);
const F = (name: (typeof FACE_QUALITY_NAMES)[number]): number => FACE_QUALITY_NAMES.indexOf(name);
const clips = readSpeechFolder('../shared/data/audio/ravdess').filter((i) => i.speaker === 'actor_17').slice(0, 6);

/** Mean quality of the clips through a named condition. */
async function meanQuality(name: string, change: (pcm: Float32Array) => Float32Array = (x) => x): Promise<number[]> {
  const pool = await Promise.all(clips.slice(0, 3).map((c) => decodeAudioFile(c.path)));
  const sum = new Array(AUDIO_QUALITY_DIM).fill(0);
  for (const [k, c] of clips.entries()) {
    const pcm = change(await degradation(name).apply(await decodeAudioFile(c.path), 100 + k, { babblePool: pool }));
    recordingQuality(encoderInput(extractAudioFeatures(pcm))).forEach((v, j) => { sum[j] += v / clips.length; });
  }
  return sum;
}

test('recording quality follows gain, noise and the room', async () => {
  const clean = await meanQuality('none');
  const quieter = await meanQuality('none', (pcm) => applyGain(pcm, -12));
  const noise = await meanQuality('noise0'), room = await meanQuality('room'), far = await meanQuality('far');
  console.log(`quality (${AUDIO_QUALITY_NAMES.join(', ')}): clean ${clean.map((v) => v.toFixed(2))}, noise 0 dB ${noise.map((v) => v.toFixed(2))}, room ${room.map((v) => v.toFixed(2))}`);
  // A 12 dB quieter microphone is 12 dB lower, and nothing else changes much.
  assert.ok(Math.abs(clean[A('levelDb')] - quieter[A('levelDb')] - 12) < 0.5, `level ${clean[A('levelDb')]} → ${quieter[A('levelDb')]}`);
  assert.ok(Math.abs(clean[A('dynamicRangeDb')] - quieter[A('dynamicRangeDb')]) < 2, `the dynamic range does not depend on the gain: ${clean[A('dynamicRangeDb')]} → ${quieter[A('dynamicRangeDb')]}`);
  // Noise raises the floor (the range shrinks), flattens the spectrum and fills the band above 3.4 kHz.
  assert.ok(noise[A('dynamicRangeDb')] < clean[A('dynamicRangeDb')] - 20, `range ${clean[A('dynamicRangeDb')]} → ${noise[A('dynamicRangeDb')]}`);
  assert.ok(noise[A('flatness')] > clean[A('flatness')] + 0.05, `flatness ${clean[A('flatness')]} → ${noise[A('flatness')]}`);
  // The laptop in a room is quieter with less range; across a reverberant room the envelope is smoother.
  assert.ok(room[A('levelDb')] < clean[A('levelDb')] - 8 && room[A('dynamicRangeDb')] < clean[A('dynamicRangeDb')] - 10, `room ${room}`);
  assert.ok(far[A('envelopeDeltaDb')] < clean[A('envelopeDeltaDb')] - 0.1, `envelope ${clean[A('envelopeDeltaDb')]} → ${far[A('envelopeDeltaDb')]}`);
});

test('a clip without real frames has zero quality, not NaN', () => {
  const q = recordingQuality(encoderInput(extractAudioFeatures(new Float32Array(0))));
  assert.deepEqual(Array.from(q), new Array(AUDIO_QUALITY_DIM).fill(0));
});

test('crop quality follows light, blur and exposure', async () => {
  const folder = '../shared/data/faces/fer2013/validation/happy';
  const file = join(folder, readdirSync(folder).sort()[0]);
  const image = await loadFaceImage(file);
  const crop = cropFace(image.data, image.width, image.height, null, { channels: image.channels });
  const clean = cropQuality(crop);
  const dim = cropQuality(Float32Array.from(crop, (v) => v * 0.3));
  const blurred = cropQuality(await faceDegradation('blur').apply(crop, 1));
  const dark = cropQuality(Float32Array.from(crop, (v) => Math.max(0, v - 0.6)));
  assert.ok(Math.abs(dim[F('brightness')] - 0.3 * clean[F('brightness')]) < 1e-4 && Math.abs(dim[F('contrast')] - 0.3 * clean[F('contrast')]) < 1e-4);
  assert.ok(blurred[F('sharpness')] < 0.6 * clean[F('sharpness')] && blurred[F('detail')] < clean[F('detail')], `sharpness ${clean[F('sharpness')]} → ${blurred[F('sharpness')]}`);
  assert.ok(dark[F('clipped')] > clean[F('clipped')] + 0.2, `clipped ${clean[F('clipped')]} → ${dark[F('clipped')]}`);
  const flat = cropQuality(new Float32Array(48 * 48).fill(0.5));
  assert.deepEqual(Array.from(flat).map((v) => Number(v.toFixed(6))), [0.5, 0, 0, 0, 0]);
  assert.throws(() => cropQuality(new Float32Array(10)), /48×48|2304/);
});
