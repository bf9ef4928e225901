/**
 * Waveform augmentation for training the audio encoder (pure TypeScript: no DOM, no Node APIs), applied to 16 kHz
 * mono PCM BEFORE the shared `extractAudioFeatures`, so the encoder sees the same feature code on augmented clips as
 * on live microphone audio. Why: the acted corpora are clean studio recordings; the page hears laptop microphones,
 * rooms, background noise and other levels. Every random choice comes from the `rng` passed in (use `mulberry32`), so
 * a seed reproduces a copy exactly.
 *
 * Transforms (each usable alone; `augment` draws a random chain):
 *   gain (dB) · additive white/pink noise at an exact SNR · speed-free tempo change (WSOLA) · pitch shift (resample +
 *   WSOLA back to the original length) · reverb (convolution with an exponentially decaying noise impulse response)
 *   · telephone codec (8 kHz down/up with the shared `Resampler`, 300 Hz high-pass, 8-bit µ-law).
 */
import { FFT, Resampler, resampleTo16k } from '../../src/audio/features.ts';

// Re-exported so augmentation callers keep one import; the generator lives in random.ts.
export { mulberry32, type Rng } from './random.ts';
import type { Rng } from './random.ts';

/** Standard normal sample (Box–Muller). */
export function gauss(rng: Rng): number {
  const u = Math.max(rng(), 1e-12), v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng();

export function meanSquare(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return x.length ? s / x.length : 0;
}

/** Multiplies by 10^(dB/20). */
export function applyGain(pcm: Float32Array, db: number): Float32Array {
  const g = 10 ** (db / 20);
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = pcm[i] * g;
  return out;
}

/** White (flat) or pink (−3 dB/octave, Paul Kellet's filter) Gaussian noise of unit mean square. */
export function makeNoise(n: number, color: 'white' | 'pink', rng: Rng): Float32Array {
  const out = new Float32Array(n);
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  for (let i = 0; i < n; i++) {
    const w = gauss(rng);
    if (color === 'white') { out[i] = w; continue; }
    b0 = 0.99886 * b0 + w * 0.0555179; b1 = 0.99332 * b1 + w * 0.0750759; b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856; b4 = 0.55 * b4 + w * 0.5329522; b5 = -0.7616 * b5 - w * 0.016898;
    out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
  }
  const ms = meanSquare(out);
  if (ms > 0) { const s = 1 / Math.sqrt(ms); for (let i = 0; i < n; i++) out[i] *= s; }
  return out;
}

/** Adds noise so that (clip mean square) / (noise mean square) = `snrDb` exactly (over the whole clip). */
export function addNoise(pcm: Float32Array, snrDb: number, color: 'white' | 'pink', rng: Rng): Float32Array {
  const noise = makeNoise(pcm.length, color, rng);
  const scale = Math.sqrt(meanSquare(pcm) / 10 ** (snrDb / 10));
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = pcm[i] + scale * noise[i];
  return out;
}

/** Resamples the whole clip from `from` Hz to `to` Hz (integer rates) with the shared windowed-sinc `Resampler`. */
export function resample(pcm: Float32Array, from: number, to: number): Float32Array {
  return resampleTo16k(pcm, from, to);
}

/**
 * Time-stretch without changing pitch (WSOLA: 30 ms Hann frames, 50 % overlap, ±7.5 ms search for the best-matching
 * continuation). Output length = round(length / factor): factor > 1 is faster (shorter).
 */
export function changeTempo(pcm: Float32Array, factor: number): Float32Array {
  const outLen = Math.max(1, Math.round(pcm.length / factor));
  if (Math.abs(factor - 1) < 1e-6) return pcm.slice();
  const win = 480, hop = win / 2, search = 120;
  const w = new Float32Array(win);
  for (let i = 0; i < win; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / win); // periodic Hann: sums to 1 at 50 %
  const out = new Float32Array(outLen + win);
  const at = (i: number): number => (i >= 0 && i < pcm.length ? pcm[i] : 0);
  let prevIn = 0; // input position of the last frame copied
  for (let o = 0, k = 0; o < outLen; o += hop, k++) {
    const nominal = Math.round(o * factor);
    let best = nominal;
    if (k > 0) {
      // Natural continuation of the previous frame: its samples one hop later. Pick the input offset near `nominal`
      // whose first half matches that continuation best (cross-correlation).
      const cont = prevIn + hop;
      let bestScore = -Infinity;
      for (let d = -search; d <= search; d += 2) {
        const s = nominal + d;
        let score = 0;
        for (let i = 0; i < hop; i += 2) score += at(s + i) * at(cont + i);
        if (score > bestScore) { bestScore = score; best = s; }
      }
    }
    for (let i = 0; i < win; i++) out[o + i] += w[i] * at(best + i);
    prevIn = best;
  }
  return out.slice(0, outLen);
}

/** Pitch shift by `semitones` keeping the length: resample (changes speed and pitch), then WSOLA back. */
export function pitchShift(pcm: Float32Array, semitones: number): Float32Array {
  if (semitones === 0) return pcm.slice();
  const ratio = 2 ** (semitones / 12);
  // Play the clip `ratio` times faster: 16 kHz treated as 16 kHz·ratio. Rates are quantised to 160 Hz steps so the
  // polyphase filter bank stays small (≤ 100 phases).
  const from = 16000, to = Math.max(160, Math.round(16000 / ratio / 160) * 160);
  const sped = resample(pcm, from, to); // shorter by `ratio`, pitch up by `ratio` when played at 16 kHz
  return changeTempo(sped, sped.length / pcm.length);
}

/** Linear convolution (output truncated to the input length) by FFT overlap-add. */
export function convolve(x: Float32Array, h: Float32Array): Float32Array {
  let size = 1;
  while (size < 2 * h.length) size <<= 1;
  const block = size - h.length + 1;
  const fft = new FFT(size);
  const hr = new Float64Array(size), hi = new Float64Array(size);
  for (let i = 0; i < h.length; i++) hr[i] = h[i];
  fft.transform(hr, hi);
  const out = new Float32Array(x.length);
  const re = new Float64Array(size), im = new Float64Array(size);
  for (let start = 0; start < x.length; start += block) {
    re.fill(0); im.fill(0);
    const n = Math.min(block, x.length - start);
    for (let i = 0; i < n; i++) re[i] = x[start + i];
    fft.transform(re, im);
    for (let k = 0; k < size; k++) {
      const r = re[k] * hr[k] - im[k] * hi[k];
      im[k] = re[k] * hi[k] + im[k] * hr[k];
      re[k] = r;
    }
    fft.transform(re, im, true);
    for (let i = 0; i < size && start + i < x.length; i++) out[start + i] += re[i];
  }
  return out;
}

/**
 * Room-like reverb: convolution with [1 (direct path), then Gaussian noise decaying by 60 dB over `rt60` s], the
 * tail scaled to `wet` of the direct energy; the result keeps the input's mean square (reverb should not act as gain).
 */
export function reverb(pcm: Float32Array, rt60: number, wet: number, rng: Rng, sampleRate = 16000): Float32Array {
  const len = Math.max(2, Math.round(Math.min(rt60, 0.5) * sampleRate));
  const h = new Float32Array(len);
  const decay = Math.log(1000) / (rt60 * sampleRate); // amplitude e-fold rate: −60 dB at rt60
  let tail = 0;
  for (let i = 1; i < len; i++) { h[i] = gauss(rng) * Math.exp(-decay * i); tail += h[i] * h[i]; }
  const s = tail > 0 ? Math.sqrt(wet / tail) : 0;
  for (let i = 1; i < len; i++) h[i] *= s;
  h[0] = 1;
  const out = convolve(pcm, h);
  const before = meanSquare(pcm), after = meanSquare(out);
  if (after > 0) { const g = Math.sqrt(before / after); for (let i = 0; i < out.length; i++) out[i] *= g; }
  return out;
}

/** RBJ biquad low- or high-pass (Q = 1/√2), run once forwards. */
function biquad(x: Float32Array, fc: number, sampleRate: number, kind: 'low' | 'high'): Float32Array {
  const w0 = (2 * Math.PI * fc) / sampleRate, alpha = Math.sin(w0) / (2 * Math.SQRT1_2), c = Math.cos(w0);
  const a0 = 1 + alpha, edge = kind === 'low' ? (1 - c) : (1 + c);
  const b0 = edge / 2 / a0, b1 = (kind === 'low' ? edge : -edge) / a0, b2 = edge / 2 / a0, a1 = (-2 * c) / a0, a2 = (1 - alpha) / a0;
  const y = new Float32Array(x.length);
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = b0 * x[i] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1; x1 = x[i]; y2 = y1; y1 = v; y[i] = v;
  }
  return y;
}

export const highPass = (x: Float32Array, fc: number, sampleRate: number): Float32Array => biquad(x, fc, sampleRate, 'high');
export const lowPass = (x: Float32Array, fc: number, sampleRate: number): Float32Array => biquad(x, fc, sampleRate, 'low');

/** 8-bit µ-law (G.711-like) quantisation of [-1, 1] samples. */
export function muLaw(x: Float32Array, mu = 255): Float32Array {
  const out = new Float32Array(x.length), l = Math.log1p(mu), q = 127.5;
  for (let i = 0; i < x.length; i++) {
    const v = Math.max(-1, Math.min(1, x[i]));
    const c = Math.round(((Math.sign(v) * Math.log1p(mu * Math.abs(v))) / l) * q) / q;
    out[i] = (Math.sign(c) * (Math.expm1(Math.abs(c) * l))) / mu;
  }
  return out;
}

/**
 * Telephone channel: 16 → 8 kHz with a 3.4 kHz low-pass (the shared Resampler, cutoff 0.425 of 8 kHz), optional 8-bit
 * µ-law, 300 Hz high-pass (two biquads, 24 dB/octave), back to 16 kHz (nothing above 4 kHz comes back).
 */
export function telephone(pcm: Float32Array, useMuLaw = true): Float32Array {
  const r = new Resampler(16000, 8000, { cutoff: 3400 / 8000 });
  const a = r.process(pcm), b = r.flush();
  let narrow: Float32Array = new Float32Array(a.length + b.length);
  narrow.set(a); narrow.set(b, a.length);
  narrow = highPass(highPass(narrow, 300, 8000), 300, 8000);
  if (useMuLaw) narrow = muLaw(narrow);
  const up = resample(narrow, 8000, 16000);
  return up.length > pcm.length ? up.slice(0, pcm.length) : up;
}

export interface AugmentOptions {
  /** Probability of each transform (0 disables it). */
  pTempo?: number; pPitch?: number; pReverb?: number; pTelephone?: number; pNoise?: number; pGain?: number;
  tempoRange?: [number, number]; // factor (>1 faster)
  pitchRange?: [number, number]; // semitones
  rt60Range?: [number, number]; // seconds
  wetRange?: [number, number]; // tail energy relative to the direct path
  snrRange?: [number, number]; // dB
  gainRange?: [number, number]; // dB
}

/** The defaults used for the shipped encoder's training copies (documented in its card). */
export const AUGMENT_DEFAULTS: Required<AugmentOptions> = {
  pTempo: 0.5, pPitch: 0.5, pReverb: 0.3, pTelephone: 0.15, pNoise: 0.6, pGain: 1,
  tempoRange: [0.88, 1.12], pitchRange: [-2, 2], rt60Range: [0.15, 0.5], wetRange: [0.1, 0.6],
  snrRange: [8, 30], gainRange: [-10, 6],
};

/**
 * One random augmented copy of a 16 kHz clip: tempo → pitch → reverb → telephone → noise → gain, each applied with
 * its probability and a parameter drawn uniformly from its range; the result is clipped to [-1, 1] like a real ADC.
 */
export function augment(pcm16k: Float32Array, rng: Rng, options: AugmentOptions = {}): Float32Array {
  const o = { ...AUGMENT_DEFAULTS, ...options };
  let x = pcm16k;
  if (rng() < o.pTempo) x = changeTempo(x, uniform(rng, ...o.tempoRange));
  if (rng() < o.pPitch) x = pitchShift(x, uniform(rng, ...o.pitchRange));
  if (rng() < o.pReverb) x = reverb(x, uniform(rng, ...o.rt60Range), uniform(rng, ...o.wetRange), rng);
  if (rng() < o.pTelephone) x = telephone(x);
  if (rng() < o.pNoise) x = addNoise(x, uniform(rng, ...o.snrRange), rng() < 0.5 ? 'white' : 'pink', rng);
  if (rng() < o.pGain) x = applyGain(x, uniform(rng, ...o.gainRange));
  const out = x === pcm16k ? x.slice() : x;
  for (let i = 0; i < out.length; i++) {
    const v = out[i];
    out[i] = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
  }
  return out;
}
