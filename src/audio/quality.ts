/**
 * How good a recording is, as a few numbers the fusion's modality gate reads next to the audio embedding. The
 * audio encoder is trained to give the same answer through a room, a poor microphone or noise (that is what makes it
 * usable), so its embedding hides exactly what the gate needs: how much to trust the voice this turn. These
 * measurements keep it. They are computed from the encoder input (`encoderInput` in features.ts) before any speaker
 * normalisation, so the page and the trainers get the same values from the same clip.
 *
 * Pure TypeScript (no DOM, no tfjs).
 */
import { AUDIO_FEATURES, PROSODY_STATS_NAMES, activeMelFrames, melCenters, type EncoderInput } from './features.ts';

/** Order of `recordingQuality`'s values. */
export const AUDIO_QUALITY_NAMES = [
  'levelDb', // 95th percentile of the frame level (dB of total mel power): a quiet or distant microphone is low
  'dynamicRangeDb', // 95th − 10th percentile of the frame level: noise raises the floor and reverb fills the pauses
  'envelopeDeltaDb', // mean |change| of the frame level between 10 ms frames: reverb and steady noise smooth it
  'highBandDb', // level above 3.4 kHz relative to 300 Hz–3.4 kHz over active frames: a phone or laptop band limit cuts it
  'flatness', // mean spectral flatness of active frames (noise is flat, voiced speech is not)
] as const;
export const AUDIO_QUALITY_DIM = AUDIO_QUALITY_NAMES.length;

const DB = 10 / Math.LN10; // natural log of power → dB
const FLATNESS = PROSODY_STATS_NAMES.indexOf('flatnessMean');

let bands: { low: number[]; high: number[] } | undefined;
function bandBins(): { low: number[]; high: number[] } {
  if (!bands) {
    const centres = melCenters();
    bands = {
      low: centres.flatMap((f, b) => (f >= 300 && f < 3400 ? [b] : [])),
      high: centres.flatMap((f, b) => (f >= 3400 ? [b] : [])),
    };
  }
  return bands;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

/** AUDIO_QUALITY_DIM values in AUDIO_QUALITY_NAMES order; a clip without a real frame gives zeros. */
export function recordingQuality(input: EncoderInput): Float32Array {
  const { nMels } = AUDIO_FEATURES;
  const out = new Float32Array(AUDIO_QUALITY_DIM);
  if (input.frames <= 0) return out;
  const level = new Float64Array(input.frames);
  for (let t = 0; t < input.frames; t++) {
    // The power under the log's offset (that offset alone would be a floor at −42 dB, and a quieter microphone would
    // then look like a noisier one); −120 dB stands for digital silence.
    let sum = 0;
    for (let b = 0; b < nMels; b++) sum += Math.max(Math.exp(input.mel[t * nMels + b]) - AUDIO_FEATURES.logOffset, 0);
    level[t] = Math.max(DB * Math.log(sum + 1e-12), -120);
  }
  let delta = 0;
  for (let t = 1; t < input.frames; t++) delta += Math.abs(level[t] - level[t - 1]);
  const sorted = level.slice().sort();
  const { low, high } = bandBins();
  let lowSum = 0, highSum = 0;
  const active = activeMelFrames(input);
  for (const t of active) {
    for (const b of low) lowSum += input.mel[t * nMels + b];
    for (const b of high) highSum += input.mel[t * nMels + b];
  }
  out[0] = percentile(sorted, 0.95);
  out[1] = percentile(sorted, 0.95) - percentile(sorted, 0.1);
  out[2] = input.frames > 1 ? delta / (input.frames - 1) : 0;
  out[3] = active.length ? DB * (highSum / (active.length * high.length) - lowSum / (active.length * low.length)) : 0;
  out[4] = input.prosodyStats[FLATNESS] ?? 0;
  return out;
}
