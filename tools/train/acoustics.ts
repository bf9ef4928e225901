/**
 * What a laptop or phone microphone in a room does to a voice, as seeded waveform transforms on 16 kHz mono PCM
 * (pure TypeScript, like augment.ts; the lossy codecs, which need ffmpeg, are in codec.ts). Training draws random
 * chains of them (`augmentRoom`); the evaluation's named conditions (degrade.ts) are fixed settings of the same code.
 *
 *   room impulse responses: direct path, a few early reflections, a diffuse tail decaying by 60 dB over RT60 with
 *     high frequencies dying faster, scaled to a direct-to-reverberant ratio (DRR);
 *   band limits: 24 dB/octave high- and low-pass (a small microphone's bass roll-off, a narrow-band channel);
 *   AGC: a level-riding gain with attack/release that also lifts the noise floor in pauses, as real AGC pumps;
 *   noise at an exact SNR: white, pink or babble (several other talkers summed);
 *   clock drift: the recording played at a rate a fraction of a percent off.
 */
import { applyGain, changeTempo, convolve, gauss, highPass, lowPass, makeNoise, meanSquare, pitchShift, resample, uniform, type Rng } from './augment.ts';

const RATE = 16000;

/** Keeps `lowHz`–`highHz` (each edge two biquads, 24 dB/octave); an edge at 0 or at Nyquist is left open. */
export function bandLimit(pcm: Float32Array, lowHz: number, highHz: number, sampleRate = RATE): Float32Array {
  let y = pcm;
  if (lowHz > 0) y = highPass(highPass(y, lowHz, sampleRate), lowHz, sampleRate);
  if (highHz < sampleRate / 2) y = lowPass(lowPass(y, highHz, sampleRate), highHz, sampleRate);
  return y === pcm ? pcm.slice() : y;
}

export interface RoomOptions {
  /** Seconds for the diffuse tail to fall by 60 dB (at low frequencies; highs fall in `hfRatio` of it). */
  rt60: number;
  /** Direct-to-reverberant energy ratio in dB: high = close microphone, ≤ 0 = far across the room. */
  drrDb: number;
  /** RT60 of the high band relative to the low band (air and soft surfaces absorb highs). Default 0.5. */
  hfRatio?: number;
}

/**
 * A synthetic room impulse response: 1 at t = 0 (the direct path), 4–8 early reflections in 2–25 ms, and from 5 ms
 * a diffuse Gaussian tail split at 2 kHz into a low band decaying over `rt60` and a high band over `hfRatio·rt60`.
 * Reflections and tail together carry 10^(−DRR/10) of the direct energy. Length: 1.2 × rt60 (at most 1.5 s).
 */
export function roomImpulseResponse(o: RoomOptions, rng: Rng, sampleRate = RATE): Float32Array {
  const len = Math.max(64, Math.round(Math.min(1.5, 1.2 * o.rt60) * sampleRate));
  const start = Math.round(0.005 * sampleRate);
  const noise = new Float32Array(len);
  for (let i = start; i < len; i++) noise[i] = gauss(rng);
  const low = lowPass(lowPass(noise, 2000, sampleRate), 2000, sampleRate);
  const high = highPass(highPass(noise, 2000, sampleRate), 2000, sampleRate);
  const decayLow = Math.log(1000) / (o.rt60 * sampleRate), decayHigh = Math.log(1000) / (o.rt60 * (o.hfRatio ?? 0.5) * sampleRate);
  const h = new Float32Array(len);
  for (let i = start; i < len; i++) h[i] = low[i] * Math.exp(-decayLow * (i - start)) + high[i] * Math.exp(-decayHigh * (i - start));
  const reflections = 4 + Math.floor(rng() * 5);
  for (let r = 0; r < reflections; r++) {
    const at = Math.round(uniform(rng, 0.002, 0.025) * sampleRate);
    h[at] += (rng() < 0.5 ? -1 : 1) * uniform(rng, 0.2, 0.7) * Math.exp(-decayLow * at);
  }
  let reverberant = 0;
  for (let i = 1; i < len; i++) reverberant += h[i] * h[i];
  const scale = reverberant > 0 ? Math.sqrt(10 ** (-o.drrDb / 10) / reverberant) : 0;
  for (let i = 1; i < len; i++) h[i] *= scale;
  h[0] = 1;
  return h;
}

/**
 * RT60 of an impulse response by Schroeder backward integration: the decay from −5 to −25 dB of the energy curve,
 * fitted by least squares and extended to 60 dB (T20). The tail's energy only (from `fromS`), as rooms are measured.
 */
export function measureRt60(h: Float32Array, sampleRate = RATE, fromS = 0.005): number {
  const from = Math.round(fromS * sampleRate);
  const energy = new Float64Array(h.length - from);
  let acc = 0;
  for (let i = h.length - 1; i >= from; i--) { acc += h[i] * h[i]; energy[i - from] = acc; }
  const total = energy[0];
  let sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
  for (let i = 0; i < energy.length; i++) {
    const db = 10 * Math.log10(energy[i] / total);
    if (db > -5) continue;
    if (db < -25) break;
    const t = i / sampleRate;
    sx += t; sy += db; sxx += t * t; sxy += t * db; n++;
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx); // dB per second (negative)
  return -60 / slope;
}

/** The clip heard in a room: convolved with `roomImpulseResponse`, at the input's mean square. */
export function inRoom(pcm: Float32Array, o: RoomOptions, rng: Rng): Float32Array {
  const out = convolve(pcm, roomImpulseResponse(o, rng));
  const before = meanSquare(pcm), after = meanSquare(out);
  if (after > 0) { const g = Math.sqrt(before / after); for (let i = 0; i < out.length; i++) out[i] *= g; }
  return out;
}

export interface AgcOptions {
  /** Level the AGC aims for, dBFS RMS. Default −20. */
  targetDb?: number;
  /** Most it will amplify, dB (a quiet pause gets this much; its noise comes up with it). Default 24. */
  maxGainDb?: number;
  /** How fast the gain falls when the level rises, and rises when it falls (ms). Defaults 10 and 400. */
  attackMs?: number; releaseMs?: number;
}

/**
 * Automatic gain control as laptop and phone capture pipelines run it: a 20 ms RMS envelope, a gain that brings it
 * to the target (capped), smoothed with a fast attack and a slow release, and a hard limiter at 0 dBFS.
 */
export function agc(pcm: Float32Array, o: AgcOptions = {}, sampleRate = RATE): Float32Array {
  const target = 10 ** ((o.targetDb ?? -20) / 20), maxGain = 10 ** ((o.maxGainDb ?? 24) / 20);
  const attack = Math.exp(-1 / (((o.attackMs ?? 10) / 1000) * sampleRate)), release = Math.exp(-1 / (((o.releaseMs ?? 400) / 1000) * sampleRate));
  const envelopeCoef = Math.exp(-1 / (0.02 * sampleRate));
  const out = new Float32Array(pcm.length);
  let power = target * target, gain = 1;
  for (let i = 0; i < pcm.length; i++) {
    power = envelopeCoef * power + (1 - envelopeCoef) * pcm[i] * pcm[i];
    const wanted = Math.min(maxGain, target / Math.sqrt(power + 1e-12));
    const coef = wanted < gain ? attack : release;
    gain = coef * gain + (1 - coef) * wanted;
    out[i] = Math.max(-1, Math.min(1, pcm[i] * gain));
  }
  return out;
}

/** Adds `noise` (looped or cut to length) so that clip / noise mean square = `snrDb` exactly. */
export function addAtSnr(pcm: Float32Array, noise: Float32Array, snrDb: number): Float32Array {
  let ns = 0;
  for (let i = 0; i < pcm.length; i++) { const v = noise[i % noise.length]; ns += v * v; }
  ns /= Math.max(1, pcm.length);
  const scale = ns > 0 ? Math.sqrt(meanSquare(pcm) / 10 ** (snrDb / 10) / ns) : 0;
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = pcm[i] + scale * noise[i % noise.length];
  return out;
}

/**
 * Babble: `talkers` clips from `pool` (other speakers), each from a random offset, each at unit mean square,
 * summed to `n` samples: the sound of a café or an open office.
 */
export function babble(pool: readonly Float32Array[], n: number, talkers: number, rng: Rng): Float32Array {
  if (!pool.length) throw new Error('babble: the pool of other talkers is empty');
  const out = new Float32Array(n);
  for (let t = 0; t < talkers; t++) {
    const clip = pool[Math.floor(rng() * pool.length)];
    const g = 1 / Math.sqrt(Math.max(meanSquare(clip), 1e-12));
    const offset = Math.floor(rng() * clip.length);
    for (let i = 0; i < n; i++) out[i] += g * clip[(offset + i) % clip.length];
  }
  return out;
}

/**
 * Clock drift: the clip as a device whose clock runs `ppm` parts per million fast records it (resampled by
 * 1 + ppm/10⁶ with the shared Resampler, then read at 16 kHz: a little longer and lower). Whole-hertz rates only,
 * so the drift is rounded to 1/16000 (62.5 ppm).
 */
export function clockDrift(pcm: Float32Array, ppm: number, sampleRate = RATE): Float32Array {
  return resample(pcm, sampleRate, Math.round(sampleRate * (1 + ppm / 1e6)));
}

/** A lossy codec pass (Opus or MP3 at `kbps`), done by codec.ts in Node; absent: the chain skips codecs. */
export type CodecPass = (pcm: Float32Array, codec: 'opus' | 'mp3', kbps: number) => Promise<Float32Array>;

export interface RoomAugmentOptions {
  /** Other talkers' clips for babble (training: seeded picks of other speakers' clips). */
  babblePool?: readonly Float32Array[];
  codec?: CodecPass;
}

/** The chain's probabilities and ranges (documented in the audio encoder's card). */
export const ROOM_AUGMENT = {
  pTempo: 0.3, tempoRange: [0.9, 1.1], pPitch: 0.3, pitchRange: [-1.5, 1.5],
  pRoom: 0.7, rt60Range: [0.15, 1.0], drrRange: [-3, 12],
  pBand: 0.5, lowRange: [80, 400], highRange: [3000, 7500],
  pDrift: 0.2, driftRange: [-3000, 3000],
  pAgc: 0.3, pNoise: 0.8, snrRange: [0, 30], pBabble: 0.3,
  pCodec: 0.35, opusKbps: [8, 24], mp3Kbps: [16, 32],
  gainRange: [-24, 6],
} as const;

/**
 * One realistic copy of a clean 16 kHz clip: (tempo, pitch) → room → microphone band → clock drift → noise or babble
 * → AGC → level → codec, each with its probability and a parameter drawn from its range; clipped to [-1, 1].
 */
export async function augmentRoom(pcm16k: Float32Array, rng: Rng, o: RoomAugmentOptions = {}): Promise<Float32Array> {
  const a = ROOM_AUGMENT;
  let x = pcm16k;
  if (rng() < a.pTempo) x = changeTempo(x, uniform(rng, ...a.tempoRange));
  if (rng() < a.pPitch) x = pitchShift(x, uniform(rng, ...a.pitchRange));
  if (rng() < a.pRoom) x = inRoom(x, { rt60: uniform(rng, ...a.rt60Range), drrDb: uniform(rng, ...a.drrRange) }, rng);
  if (rng() < a.pBand) x = bandLimit(x, uniform(rng, ...a.lowRange), uniform(rng, ...a.highRange));
  if (rng() < a.pDrift) x = clockDrift(x, uniform(rng, ...a.driftRange));
  if (rng() < a.pNoise) {
    const snr = uniform(rng, ...a.snrRange);
    const noise = o.babblePool?.length && rng() < a.pBabble ? babble(o.babblePool, x.length, 3 + Math.floor(rng() * 4), rng) : makeNoise(x.length, rng() < 0.5 ? 'white' : 'pink', rng);
    x = addAtSnr(x, noise, snr);
  }
  x = applyGain(x, uniform(rng, ...a.gainRange));
  if (rng() < a.pAgc) x = agc(x);
  if (o.codec && rng() < a.pCodec) {
    const opus = rng() < 0.6;
    const [lo, hi] = opus ? a.opusKbps : a.mp3Kbps;
    x = await o.codec(clip(x), opus ? 'opus' : 'mp3', Math.round(uniform(rng, lo, hi)));
  }
  return clip(x === pcm16k ? x.slice() : x);
}

/** [-1, 1], non-finite samples to 0: what an ADC or a decoder hands over. */
export function clip(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) { const v = x[i]; out[i] = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0; }
  return out;
}
