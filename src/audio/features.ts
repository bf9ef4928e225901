/**
 * Audio features: the ONE module that turns 16 kHz mono PCM into what the audio encoder sees. The live path
 * (AudioWorklet → TurnSegmenter → encoder.ts) and the Node trainer (tools/train/prepare-audio.ts) both call
 * `extractAudioFeatures` and `encoderInput`, so training and serving features cannot drift.
 *
 * Pure TypeScript: no DOM, no Node, no tfjs (it also runs inside an AudioWorklet/Worker).
 *
 * Contents: a radix-2 FFT with precomputed twiddles, a periodic Hann window, an HTK mel filterbank, log-mel frames,
 * per-frame prosody (energy, pitch, voicing, spectral shape, zero crossings), a fixed-size utterance summary of the
 * prosody (`prosodyStats`), the crop/pad rule of the encoder input, and a streaming windowed-sinc resampler.
 */

export const AUDIO_FEATURES = {
  sampleRate: 16000,
  /** Analysis frame: 25 ms. */
  frameLength: 400,
  /** Frame step: 10 ms. */
  hop: 160,
  fftSize: 512,
  nMels: 64,
  fMin: 60,
  fMax: 7600,
  /** Added to mel power before the natural log; log(1e-6) ≈ -13.8 is the value of digital silence. */
  logOffset: 1e-6,
  /** Pitch search range (Hz) and the longer window pitch is measured on (40 ms, so 60 Hz has ≥ 2 periods). */
  pitchMin: 60,
  pitchMax: 500,
  pitchWindow: 640,
  pitchFftSize: 1024,
  /** A frame is voiced when its normalised autocorrelation peak reaches this and its energy is above `minVoicedDb`. */
  voicingThreshold: 0.5,
  minVoicedDb: -60,
  /** "Active" (speech-ish) frames for the summary: energy within `activeRangeDb` of the loudest frame and above `activeFloorDb`. */
  activeRangeDb: 35,
  activeFloorDb: -65,
  /** Encoder input length: 3 s of frames; longer clips are cropped around their active region, shorter ones padded with silence. */
  maxFrames: 300,
} as const;

/** Order of the per-frame prosody vector returned by `prosody`. */
export const PROSODY_NAMES = [
  'energyDb', // 10·log10(mean square) of the raw 25 ms frame (full scale sine ≈ -3 dB, silence -100 dB)
  'pitchHz', // fundamental frequency from normalised autocorrelation, 0 when unvoiced
  'voicing', // peak normalised autocorrelation in the pitch range, clipped to 0..1 (0 below minVoicedDb: not searched)
  'centroidHz', // spectral centroid of the Hann-windowed frame
  'flatness', // spectral flatness (geometric / arithmetic mean of power), 0..1; 0 for silence
  'rolloffHz', // frequency below which 85% of the power lies
  'zcr', // zero-crossing rate: sign changes per sample
] as const;
export const PROSODY_DIM = PROSODY_NAMES.length;

/**
 * Order of the fixed-size utterance summary (`prosodyStats`) the encoder consumes next to the log-mel.
 * "active" frames: see AUDIO_FEATURES.activeRangeDb; "voiced": active and voiced. Pitch is in semitones re 55 Hz
 * (log scale, so speakers differ by an offset, not a factor). Empty sets give 0.
 */
export const PROSODY_STATS_NAMES = [
  'energyMeanDb', 'energyStdDb', 'energyRangeDb', // over active frames; range = p95 - p5
  'pitchMeanSt', 'pitchStdSt', 'pitchRangeSt', 'pitchSlopeStPerS', // over voiced frames; slope = least squares vs time
  'voicedFraction', 'voicingMean', // voiced / active; mean voicing strength over active frames
  'centroidMeanHz', 'centroidStdHz', 'flatnessMean', 'flatnessStd', 'rolloffMeanHz', 'rolloffStdHz', 'zcrMean', 'zcrStd',
  'energyDeltaDb', 'pitchDeltaSt', // mean |Δ| between consecutive active (energy) / voiced (pitch) frames
  'activeSeconds',
] as const;
export const PROSODY_STATS_DIM = PROSODY_STATS_NAMES.length;

export interface LogMel {
  /** frames × nMels, row-major (frame t, mel m at t·nMels + m), natural log of mel power + logOffset. */
  data: Float32Array;
  frames: number;
}

export interface AudioFeatures {
  mel: LogMel;
  /** frames × PROSODY_DIM, row-major, in PROSODY_NAMES order. */
  prosody: Float32Array;
  /** PROSODY_STATS_DIM values in PROSODY_STATS_NAMES order. */
  prosodyStats: Float32Array;
  frames: number;
}

// ---------------------------------------------------------------------------------------------------------------
// FFT

/** In-place iterative radix-2 complex FFT of a fixed size; twiddles and bit-reversal computed once. */
export class FFT {
  readonly size: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(size: number) {
    if (size < 2 || (size & (size - 1)) !== 0) throw new Error(`FFT size must be a power of two, got ${size}`);
    this.size = size;
    this.cos = new Float64Array(size / 2);
    this.sin = new Float64Array(size / 2);
    for (let i = 0; i < size / 2; i++) {
      this.cos[i] = Math.cos((2 * Math.PI * i) / size);
      this.sin[i] = -Math.sin((2 * Math.PI * i) / size);
    }
    this.rev = new Uint32Array(size);
    const bits = Math.log2(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  /** Forward transform (e^{-i…}) of re/im in place; `inverse` conjugates twiddles and divides by n. */
  transform(re: Float64Array, im: Float64Array, inverse = false): void {
    const n = this.size;
    for (let i = 0; i < n; i++) {
      const j = this.rev[i];
      if (j > i) {
        let t = re[i]; re[i] = re[j]; re[j] = t;
        t = im[i]; im[i] = im[j]; im[j] = t;
      }
    }
    const sign = inverse ? -1 : 1;
    for (let len = 2; len <= n; len <<= 1) {
      const half = len >> 1;
      const step = n / len;
      for (let start = 0; start < n; start += len) {
        for (let k = 0; k < half; k++) {
          const wr = this.cos[k * step];
          const wi = sign * this.sin[k * step];
          const a = start + k, b = a + half;
          const xr = re[b] * wr - im[b] * wi;
          const xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr; im[b] = im[a] - xi;
          re[a] += xr; im[a] += xi;
        }
      }
    }
    if (inverse) for (let i = 0; i < n; i++) { re[i] /= n; im[i] /= n; }
  }

  /** Power spectrum |X_k|² of a real signal (zero-padded to size), k = 0..size/2. */
  powerSpectrum(input: ArrayLike<number>, out: Float64Array = new Float64Array(this.size / 2 + 1)): Float64Array {
    const re = new Float64Array(this.size), im = new Float64Array(this.size);
    const n = Math.min(input.length, this.size);
    for (let i = 0; i < n; i++) re[i] = input[i];
    this.transform(re, im);
    for (let k = 0; k <= this.size / 2; k++) out[k] = re[k] * re[k] + im[k] * im[k];
    return out;
  }
}

/** Periodic Hann window (the usual choice for STFT analysis). */
export function hannWindow(length: number): Float64Array {
  const w = new Float64Array(length);
  for (let i = 0; i < length; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length);
  return w;
}

// ---------------------------------------------------------------------------------------------------------------
// Mel filterbank

export const hzToMel = (hz: number): number => 2595 * Math.log10(1 + hz / 700);
export const melToHz = (mel: number): number => 700 * (10 ** (mel / 2595) - 1);

/** Centre frequency (Hz) of each mel filter. */
export function melCenters(nMels = AUDIO_FEATURES.nMels, fMin = AUDIO_FEATURES.fMin, fMax = AUDIO_FEATURES.fMax): number[] {
  const lo = hzToMel(fMin), hi = hzToMel(fMax);
  return Array.from({ length: nMels }, (_, m) => melToHz(lo + ((m + 1) * (hi - lo)) / (nMels + 1)));
}

/**
 * HTK-style triangular mel filterbank (peak 1, no area normalisation) over the bins of an `fftSize` power spectrum:
 * nMels × (fftSize/2 + 1), row-major.
 */
export function melFilterbank(
  nMels = AUDIO_FEATURES.nMels, fftSize = AUDIO_FEATURES.fftSize, sampleRate = AUDIO_FEATURES.sampleRate,
  fMin = AUDIO_FEATURES.fMin, fMax = AUDIO_FEATURES.fMax,
): Float32Array {
  const bins = fftSize / 2 + 1;
  const lo = hzToMel(fMin), hi = hzToMel(fMax);
  const edges = Array.from({ length: nMels + 2 }, (_, i) => melToHz(lo + (i * (hi - lo)) / (nMels + 1)));
  const fb = new Float32Array(nMels * bins);
  for (let m = 0; m < nMels; m++) {
    const [left, centre, right] = [edges[m], edges[m + 1], edges[m + 2]];
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / fftSize;
      const w = f <= left || f >= right ? 0 : f <= centre ? (f - left) / (centre - left) : (right - f) / (right - centre);
      fb[m * bins + k] = w;
    }
  }
  return fb;
}

// Shared, lazily built analysis tables (one per process / worklet). `fbRange` keeps each filter's non-zero bins so
// the mel projection skips the zeros.
let tables: { fft: FFT; pitchFft: FFT; window: Float64Array; fb: Float32Array; fbRange: Int32Array } | undefined;
function getTables() {
  if (!tables) {
    const fb = melFilterbank();
    const bins = AUDIO_FEATURES.fftSize / 2 + 1;
    const fbRange = new Int32Array(AUDIO_FEATURES.nMels * 2);
    for (let m = 0; m < AUDIO_FEATURES.nMels; m++) {
      let lo = bins, hi = 0;
      for (let k = 0; k < bins; k++) if (fb[m * bins + k] > 0) { lo = Math.min(lo, k); hi = k + 1; }
      fbRange[2 * m] = lo; fbRange[2 * m + 1] = Math.max(lo, hi);
    }
    tables = {
      fft: new FFT(AUDIO_FEATURES.fftSize),
      pitchFft: new FFT(AUDIO_FEATURES.pitchFftSize),
      window: hannWindow(AUDIO_FEATURES.frameLength),
      fb, fbRange,
    };
  }
  return tables;
}

/** Number of analysis frames for `samples` samples: no centre padding; a non-empty clip shorter than a frame gives one (zero-padded) frame. */
export function frameCount(samples: number): number {
  const { frameLength, hop } = AUDIO_FEATURES;
  if (samples <= 0) return 0;
  if (samples < frameLength) return 1;
  return 1 + Math.floor((samples - frameLength) / hop);
}

/** Power spectrum (fftSize/2+1 bins) of the Hann-windowed frame `t`. */
function framePower(pcm: Float32Array, t: number, out: Float64Array): Float64Array {
  const { fft, window } = getTables();
  const { frameLength, hop } = AUDIO_FEATURES;
  const frame = new Float64Array(frameLength);
  const start = t * hop;
  for (let i = 0; i < frameLength; i++) {
    const j = start + i;
    frame[i] = j < pcm.length ? pcm[j] * window[i] : 0;
  }
  return fft.powerSpectrum(frame, out);
}

/** Log-mel spectrogram: frames × nMels, natural log of (mel power + logOffset). */
export function logMel(pcm16k: Float32Array): LogMel {
  const { mel, frames } = analyze(pcm16k, true, false);
  return { data: mel, frames };
}

// ---------------------------------------------------------------------------------------------------------------
// Prosody

/**
 * Pitch of one frame by normalised autocorrelation (computed with the FFT) over a 40 ms window centred on the
 * frame: nac(τ) = Σ x_i x_{i+τ} / sqrt(Σ x_i² · Σ x_{i+τ}²). Picks the shortest-lag local maximum within 85% of
 * the best one (guards against octave-down errors), refined by parabolic interpolation.
 */
function framePitch(pcm: Float32Array, t: number): { hz: number; strength: number } {
  const { pitchFft } = getTables();
  const { pitchWindow, hop, frameLength, sampleRate, pitchMin, pitchMax, pitchFftSize } = AUDIO_FEATURES;
  const start = t * hop + frameLength / 2 - pitchWindow / 2;
  const x = new Float64Array(pitchWindow);
  let mean = 0;
  for (let i = 0; i < pitchWindow; i++) {
    const j = start + i;
    x[i] = j >= 0 && j < pcm.length ? pcm[j] : 0;
    mean += x[i];
  }
  mean /= pitchWindow;
  let energy = 0;
  for (let i = 0; i < pitchWindow; i++) { x[i] -= mean; energy += x[i] * x[i]; }
  if (energy < 1e-8) return { hz: 0, strength: 0 };
  // Autocorrelation = IFFT(|FFT(x)|²); the FFT size ≥ window + max lag keeps it linear (no wrap-around).
  const re = new Float64Array(pitchFftSize), im = new Float64Array(pitchFftSize);
  re.set(x);
  pitchFft.transform(re, im);
  for (let k = 0; k < pitchFftSize; k++) { re[k] = re[k] * re[k] + im[k] * im[k]; im[k] = 0; }
  pitchFft.transform(re, im, true);
  // Prefix sums of x² give the energies of the two overlapping segments for every lag.
  const cum = new Float64Array(pitchWindow + 1);
  for (let i = 0; i < pitchWindow; i++) cum[i + 1] = cum[i] + x[i] * x[i];
  const minLag = Math.floor(sampleRate / pitchMax), maxLag = Math.ceil(sampleRate / pitchMin);
  const nac = new Float64Array(maxLag + 2);
  for (let lag = minLag - 1; lag <= maxLag + 1; lag++) {
    const e1 = cum[pitchWindow - lag], e2 = cum[pitchWindow] - cum[lag];
    nac[lag] = e1 > 0 && e2 > 0 ? re[lag] / Math.sqrt(e1 * e2) : 0;
  }
  let best = -Infinity;
  const peaks: number[] = [];
  for (let lag = minLag; lag <= maxLag; lag++) {
    if (nac[lag] > 0 && nac[lag] >= nac[lag - 1] && nac[lag] >= nac[lag + 1]) {
      peaks.push(lag);
      if (nac[lag] > best) best = nac[lag];
    }
  }
  if (peaks.length === 0) return { hz: 0, strength: 0 };
  const lag = peaks.find((p) => nac[p] >= 0.85 * best)!;
  const a = nac[lag - 1], b = nac[lag], c = nac[lag + 1];
  const denom = a - 2 * b + c;
  const shift = denom < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denom)) : 0;
  return { hz: sampleRate / (lag + shift), strength: Math.max(0, Math.min(1, b)) };
}

/** Per-frame prosody, frames × PROSODY_DIM row-major (see PROSODY_NAMES), aligned with `logMel` frames. */
export function prosody(pcm16k: Float32Array): Float32Array {
  return analyze(pcm16k, false, true).prosody;
}

/**
 * One pass over the frames computing the log-mel and/or the prosody (they share each frame's power spectrum).
 * Pitch is only searched on frames loud enough to count as voiced (saves the 1024-point FFTs on silence).
 */
function analyze(pcm16k: Float32Array, wantMel: boolean, wantProsody: boolean): { mel: Float32Array; prosody: Float32Array; frames: number } {
  const { frameLength, hop, fftSize, sampleRate, voicingThreshold, minVoicedDb, nMels, logOffset } = AUDIO_FEATURES;
  const { fb, fbRange } = getTables();
  const frames = frameCount(pcm16k.length);
  const mel = new Float32Array(wantMel ? frames * nMels : 0);
  const out = new Float32Array(wantProsody ? frames * PROSODY_DIM : 0);
  const bins = fftSize / 2 + 1;
  const power = new Float64Array(bins);
  for (let t = 0; t < frames; t++) {
    framePower(pcm16k, t, power);
    if (wantMel) {
      for (let m = 0; m < nMels; m++) {
        let s = 0;
        const row = m * bins;
        for (let k = fbRange[2 * m]; k < fbRange[2 * m + 1]; k++) s += fb[row + k] * power[k];
        mel[t * nMels + m] = Math.log(s + logOffset);
      }
    }
    if (!wantProsody) continue;
    const start = t * hop;
    let sq = 0, crossings = 0, prev = 0;
    for (let i = 0; i < frameLength; i++) {
      const v = start + i < pcm16k.length ? pcm16k[start + i] : 0;
      sq += v * v;
      if (i > 0 && ((v >= 0 && prev < 0) || (v < 0 && prev >= 0))) crossings++;
      prev = v;
    }
    const energyDb = 10 * Math.log10(sq / frameLength + 1e-10);
    const { hz, strength } = energyDb >= minVoicedDb ? framePitch(pcm16k, t) : { hz: 0, strength: 0 };
    const voiced = strength >= voicingThreshold;

    let total = 0, weighted = 0, logSum = 0;
    for (let k = 0; k < bins; k++) {
      total += power[k];
      weighted += power[k] * ((k * sampleRate) / fftSize);
      logSum += Math.log(power[k] + 1e-12);
    }
    let centroid = 0, flatness = 0, rolloff = 0;
    if (total / bins > 1e-10) {
      centroid = weighted / total;
      flatness = Math.min(1, Math.exp(logSum / bins) / (total / bins));
      let acc = 0;
      for (let k = 0; k < bins; k++) {
        acc += power[k];
        if (acc >= 0.85 * total) { rolloff = (k * sampleRate) / fftSize; break; }
      }
    }
    const row = t * PROSODY_DIM;
    out[row] = energyDb;
    out[row + 1] = voiced ? hz : 0;
    out[row + 2] = strength;
    out[row + 3] = centroid;
    out[row + 4] = flatness;
    out[row + 5] = rolloff;
    out[row + 6] = crossings / (frameLength - 1);
  }
  return { mel, prosody: out, frames };
}

// ---------------------------------------------------------------------------------------------------------------
// Utterance summary

const meanOf = (v: number[]): number => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);
const stdOf = (v: number[]): number => {
  if (v.length < 2) return 0;
  const m = meanOf(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) * (b - m), 0) / v.length);
};
function percentile(v: number[], q: number): number {
  if (!v.length) return 0;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}
const semitones = (hz: number): number => 12 * Math.log2(hz / 55);

/** Indices of active frames (see AUDIO_FEATURES.activeRangeDb / activeFloorDb). */
export function activeFrames(pros: Float32Array, frames: number): number[] {
  let maxDb = -Infinity;
  for (let t = 0; t < frames; t++) maxDb = Math.max(maxDb, pros[t * PROSODY_DIM]);
  const threshold = Math.max(maxDb - AUDIO_FEATURES.activeRangeDb, AUDIO_FEATURES.activeFloorDb);
  const out: number[] = [];
  for (let t = 0; t < frames; t++) if (pros[t * PROSODY_DIM] >= threshold) out.push(t);
  return out;
}

/** The fixed-size utterance summary in PROSODY_STATS_NAMES order. */
export function prosodyStats(pros: Float32Array, frames: number): Float32Array {
  const col = (idx: number[], c: number) => idx.map((t) => pros[t * PROSODY_DIM + c]);
  const active = activeFrames(pros, frames);
  const voiced = active.filter((t) => pros[t * PROSODY_DIM + 1] > 0);
  const energy = col(active, 0);
  const pitch = col(voiced, 1).map(semitones);
  // Least-squares slope of pitch (semitones) against time (s) over voiced frames: rising vs falling intonation.
  let slope = 0;
  if (voiced.length >= 2) {
    const times = voiced.map((t) => (t * AUDIO_FEATURES.hop) / AUDIO_FEATURES.sampleRate);
    const mt = meanOf(times), mp = meanOf(pitch);
    let num = 0, den = 0;
    times.forEach((x, i) => { num += (x - mt) * (pitch[i] - mp); den += (x - mt) * (x - mt); });
    slope = den > 0 ? num / den : 0;
  }
  const absDelta = (idx: number[], values: number[]) => {
    const d: number[] = [];
    for (let i = 1; i < idx.length; i++) if (idx[i] === idx[i - 1] + 1) d.push(Math.abs(values[i] - values[i - 1]));
    return meanOf(d);
  };
  const stats = [
    meanOf(energy), stdOf(energy), percentile(energy, 0.95) - percentile(energy, 0.05),
    meanOf(pitch), stdOf(pitch), percentile(pitch, 0.95) - percentile(pitch, 0.05), slope,
    active.length ? voiced.length / active.length : 0, meanOf(col(active, 2)),
    meanOf(col(active, 3)), stdOf(col(active, 3)), meanOf(col(active, 4)), stdOf(col(active, 4)),
    meanOf(col(active, 5)), stdOf(col(active, 5)), meanOf(col(active, 6)), stdOf(col(active, 6)),
    absDelta(active, energy), absDelta(voiced, pitch),
    (active.length * AUDIO_FEATURES.hop) / AUDIO_FEATURES.sampleRate,
  ];
  return Float32Array.from(stats);
}

/** Log-mel, per-frame prosody and the utterance summary of a 16 kHz mono clip. */
export function extractAudioFeatures(pcm16k: Float32Array): AudioFeatures {
  const { mel, prosody: pros, frames } = analyze(pcm16k, true, true);
  return { mel: { data: mel, frames }, prosody: pros, prosodyStats: prosodyStats(pros, frames), frames };
}

// ---------------------------------------------------------------------------------------------------------------
// Encoder input (shared by prepare-audio.ts and encoder.ts)

export interface EncoderInput {
  /** maxFrames × nMels log-mel, row-major. */
  mel: Float32Array;
  /** Frames of real audio in `mel` (the rest is silence padding). */
  frames: number;
  /** First source frame kept (crop offset). */
  offset: number;
  prosodyStats: Float32Array;
}

/**
 * The crop/pad rule of the encoder: a clip longer than `maxFrames` keeps the `maxFrames` window centred on its
 * active region (so leading/trailing silence goes first); a shorter one is placed at the start and padded with the
 * log-mel value of digital silence, log(logOffset). Training and serving both use this.
 */
export function encoderInput(features: AudioFeatures, maxFrames: number = AUDIO_FEATURES.maxFrames): EncoderInput {
  const { nMels, logOffset } = AUDIO_FEATURES;
  const { mel, frames } = features;
  let offset = 0;
  if (frames > maxFrames) {
    const active = activeFrames(features.prosody, frames);
    const centre = active.length ? (active[0] + active[active.length - 1]) / 2 : frames / 2;
    offset = Math.round(Math.min(frames - maxFrames, Math.max(0, centre - maxFrames / 2)));
  }
  const kept = Math.min(frames, maxFrames);
  const out = new Float32Array(maxFrames * nMels).fill(Math.log(logOffset));
  out.set(mel.data.subarray(offset * nMels, (offset + kept) * nMels));
  return { mel: out, frames: kept, offset, prosodyStats: features.prosodyStats };
}

// ---------------------------------------------------------------------------------------------------------------
// Speaker / session normalisation (used only with an encoder trained on normalised inputs: its folder ships the
// reference below)

/**
 * Where a speaker's averages are moved to: the training speakers' averages, written next to the encoder that was
 * trained on inputs normalised this way.
 */
export interface SpeakerReference {
  /** Per mel bin, the natural log of the mean mel power over active frames (a power mean: loud frames decide it). */
  melLogPower: number[];
  /** Mean pitch over voiced frames (semitones re 55 Hz) and mean energy over active frames (dB). */
  pitchMeanSt: number;
  energyMeanDb: number;
  /** Active frames after which a speaker's own averages count half (fewer: the shift is scaled down towards 0). */
  halfWeightFrames: number;
}

const STAT = (name: (typeof PROSODY_STATS_NAMES)[number]): number => PROSODY_STATS_NAMES.indexOf(name);
const ENERGY_MEAN = STAT('energyMeanDb'), PITCH_MEAN = STAT('pitchMeanSt'), VOICED_FRACTION = STAT('voicedFraction'), ACTIVE_SECONDS = STAT('activeSeconds');

/** Mel power back from a log-mel value (the log's offset taken off). */
const melPower = (logMel: number): number => Math.max(Math.exp(logMel) - AUDIO_FEATURES.logOffset, 0);

/**
 * Frames of an encoder input that carry speech: the frame's total mel power within `activeRangeDb` of the loudest
 * real frame (the padding is never active). Computed from the encoder input alone, so training stores and the page
 * find the same frames.
 */
export function activeMelFrames(input: EncoderInput): number[] {
  const { nMels, activeRangeDb } = AUDIO_FEATURES;
  const level = new Float64Array(input.frames);
  let max = -Infinity;
  for (let t = 0; t < input.frames; t++) {
    let sum = 0;
    for (let b = 0; b < nMels; b++) sum += Math.exp(input.mel[t * nMels + b]);
    level[t] = Math.log(sum);
    max = Math.max(max, level[t]);
  }
  const floor = max - (activeRangeDb * Math.LN10) / 10;
  const out: number[] = [];
  for (let t = 0; t < input.frames; t++) if (level[t] >= floor) out.push(t);
  return out;
}

/**
 * Sums over the active frames of some utterances: mel power per bin, and the prosody summary's loudness and pitch
 * means weighted by how many frames they are over. One speaker's running averages and the training reference are
 * both made of it.
 */
class ActiveFrameAverages {
  readonly melSum = new Float64Array(AUDIO_FEATURES.nMels);
  melFrames = 0;
  pitchSum = 0;
  voicedFrames = 0;
  energySum = 0;
  energyFrames = 0;

  add(input: EncoderInput): void {
    const { nMels } = AUDIO_FEATURES;
    const frames = activeMelFrames(input);
    for (const t of frames) for (let b = 0; b < nMels; b++) this.melSum[b] += melPower(input.mel[t * nMels + b]);
    this.melFrames += frames.length;
    // The summary's means, weighted by how many frames they are over (activeSeconds is over the whole clip).
    const active = input.prosodyStats[ACTIVE_SECONDS] * (AUDIO_FEATURES.sampleRate / AUDIO_FEATURES.hop);
    const voiced = active * input.prosodyStats[VOICED_FRACTION];
    this.energySum += input.prosodyStats[ENERGY_MEAN] * active; this.energyFrames += active;
    this.pitchSum += input.prosodyStats[PITCH_MEAN] * voiced; this.voicedFrames += voiced;
  }

  /** Log of the mean mel power of bin b. */
  melLogPower(b: number): number { return Math.log(this.melSum[b] / this.melFrames + 1e-30); }
}

/**
 * Running averages of one speaker in one session (one voice through one room and microphone): the mel power of
 * their active frames per bin, their pitch and their loudness. `apply` moves an utterance by the difference between these
 * and the training reference, scaled by n / (n + halfWeightFrames) for n active frames heard so far, so the first
 * short turn is barely moved and a speaker heard for a while is moved fully: a deep voice, a quiet microphone or a
 * boomy room stop looking like an emotion. Live, each turn is observed before it is applied (the averages are over
 * what was heard so far, this turn included); training and evaluation observe all of a speaker's clips first.
 */
export class SpeakerNormalizer {
  private heard = new ActiveFrameAverages();

  constructor(readonly reference: SpeakerReference) {
    if (reference.melLogPower?.length !== AUDIO_FEATURES.nMels) throw new Error(`speaker reference: melLogPower has ${reference.melLogPower?.length} bins, the features have ${AUDIO_FEATURES.nMels}`);
    if (!(reference.halfWeightFrames > 0)) throw new Error(`speaker reference: halfWeightFrames must be positive, got ${reference.halfWeightFrames}`);
  }

  /** Active frames heard so far. */
  get heardFrames(): number { return this.heard.melFrames; }

  /** Adds an utterance to the speaker's averages. */
  observe(input: EncoderInput): void { this.heard.add(input); }

  /** The utterance as the training reference would have it (a new EncoderInput; the argument is untouched). */
  apply(input: EncoderInput): EncoderInput {
    const { nMels } = AUDIO_FEATURES;
    const heard = this.heard;
    const mel = input.mel.slice(), stats = input.prosodyStats.slice();
    // One weight for every statistic, from the active mel frames (a threshold relative to the loudest frame, so the
    // same voice louder or quieter gets the same weight; the summary's own frame counts use absolute floors).
    if (heard.melFrames === 0) return { ...input, mel, prosodyStats: stats };
    const w = heard.melFrames / (heard.melFrames + this.reference.halfWeightFrames);
    // A gain per bin, applied to the power under the log's offset: a quieter microphone is undone exactly (w = 1),
    // where shifting log(power + offset) would leave the bins near the floor squeezed.
    const gain = Float64Array.from(this.reference.melLogPower, (ref, b) => Math.exp(w * (ref - heard.melLogPower(b))));
    // Real frames only: the padding stays digital silence.
    for (let t = 0; t < input.frames; t++) for (let b = 0; b < nMels; b++) mel[t * nMels + b] = Math.log(melPower(input.mel[t * nMels + b]) * gain[b] + AUDIO_FEATURES.logOffset);
    if (heard.energyFrames > 0 && input.prosodyStats[ACTIVE_SECONDS] > 0) {
      stats[ENERGY_MEAN] += w * (this.reference.energyMeanDb - heard.energySum / heard.energyFrames);
    }
    if (heard.voicedFrames > 0 && input.prosodyStats[VOICED_FRACTION] > 0) {
      stats[PITCH_MEAN] += w * (this.reference.pitchMeanSt - heard.pitchSum / heard.voicedFrames);
    }
    return { ...input, mel, prosodyStats: stats };
  }
}

/** The training reference: the averages over every given utterance (frames pooled, as one speaker's would be). */
export function speakerReference(inputs: Iterable<EncoderInput>, halfWeightFrames: number): SpeakerReference {
  const all = new ActiveFrameAverages();
  for (const input of inputs) all.add(input);
  if (!all.melFrames) throw new Error('speakerReference: no active frame in the given utterances');
  return {
    melLogPower: Array.from(all.melSum, (_, b) => all.melLogPower(b)),
    pitchMeanSt: all.voicedFrames ? all.pitchSum / all.voicedFrames : 0,
    energyMeanDb: all.energyFrames ? all.energySum / all.energyFrames : 0,
    halfWeightFrames,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Resampling

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function besselI0(x: number): number {
  let sum = 1, term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) * (x / (2 * k));
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

export interface ResamplerOptions {
  /** Low-pass cutoff (-6 dB point) as a fraction of the output rate; default 0.45 (7.2 kHz at 16 kHz). */
  cutoff?: number;
  /** Filter half-width in output-rate samples (longer = sharper transition); default 32. */
  halfWidth?: number;
  /** Kaiser window β; default 8 (~80 dB stop band). */
  beta?: number;
}

/**
 * Streaming polyphase windowed-sinc (Kaiser) resampler between any two integer rates. The low-pass runs below the
 * output Nyquist, so 48 kHz microphone audio does not alias into the 16 kHz signal. `process` takes chunks of any
 * size and returns the output samples that are complete; `flush` returns the tail (input end zero-padded).
 * The filter is centred (no delay): output sample n is the input at time n·from/to.
 */
export class Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  private readonly up: number; // L: phases
  private readonly down: number; // M
  private readonly taps: number; // K: input samples each side of the centre
  private readonly filters: Float32Array[]; // one per phase, 2K+2 taps, input offsets -K..K+1
  private buffer = new Float32Array(0);
  private bufferStart = 0; // absolute input index of buffer[0]
  private received = 0; // input samples seen
  private produced = 0; // output samples emitted

  constructor(fromRate: number, toRate: number = AUDIO_FEATURES.sampleRate, options: ResamplerOptions = {}) {
    if (!(fromRate > 0 && toRate > 0 && Number.isInteger(fromRate) && Number.isInteger(toRate))) {
      throw new Error(`Resampler needs positive integer rates, got ${fromRate} → ${toRate}`);
    }
    this.fromRate = fromRate;
    this.toRate = toRate;
    const g = gcd(fromRate, toRate);
    this.up = toRate / g;
    this.down = fromRate / g;
    const ratio = fromRate / toRate; // input samples per output sample
    const cutoff = options.cutoff ?? 0.45, halfWidth = options.halfWidth ?? 32, beta = options.beta ?? 8;
    // Cutoff in cycles per input sample; never above the input Nyquist (upsampling keeps the input band).
    const fc = Math.min(cutoff * toRate, 0.5 * fromRate * 0.98) / fromRate;
    const span = halfWidth * Math.max(1, ratio); // half-width in input samples
    this.taps = Math.ceil(span);
    const i0beta = besselI0(beta);
    this.filters = [];
    for (let p = 0; p < this.up; p++) {
      const frac = p / this.up; // output position = base + frac (in input samples)
      const h = new Float32Array(2 * this.taps + 2);
      let sum = 0;
      for (let j = -this.taps; j <= this.taps + 1; j++) {
        const d = j - frac;
        const r = d / span;
        const w = Math.abs(r) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / i0beta;
        const sinc = d === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * d) / (Math.PI * d);
        h[j + this.taps] = w * sinc;
        sum += w * sinc;
      }
      for (let j = 0; j < h.length; j++) h[j] /= sum; // unit DC gain per phase
      this.filters.push(h);
    }
  }

  /** Feeds input samples; returns the output samples whose filter support is now complete. */
  process(input: Float32Array): Float32Array {
    this.append(input);
    return this.drain(this.received);
  }

  /** Ends the stream: returns the remaining output samples (total output = ceil(inputLength · to / from)). */
  flush(): Float32Array {
    const total = Math.ceil((this.received * this.up) / this.down);
    const out = this.drain(Infinity, total);
    return out;
  }

  /** Clears the state so the instance can process a new stream. */
  reset(): void {
    this.buffer = new Float32Array(0);
    this.bufferStart = 0; this.received = 0; this.produced = 0;
  }

  private append(input: Float32Array): void {
    const next = new Float32Array(this.buffer.length + input.length);
    next.set(this.buffer);
    next.set(input, this.buffer.length);
    this.buffer = next;
    this.received += input.length;
  }

  /** Emits outputs whose right-most tap index is < `available` (input end treated as zeros); at most up to `limit`. */
  private drain(available: number, limit = Infinity): Float32Array {
    // Upper bound on what can come out now, so the output is one allocation (this runs every 128-frame block).
    const bound = Math.max(0, Math.min(limit, Math.ceil(((Math.min(available, this.received + this.taps + 2)) * this.up) / this.down) + 1) - this.produced);
    const out = new Float32Array(bound);
    let count = 0;
    for (;;) {
      const n = this.produced;
      if (n >= limit || count >= bound) break;
      const pos = n * this.down;
      const base = Math.floor(pos / this.up);
      const phase = pos - base * this.up;
      if (base + this.taps + 1 >= available) break;
      const h = this.filters[phase];
      let acc = 0;
      const first = base - this.taps;
      for (let j = 0; j < h.length; j++) {
        const idx = first + j - this.bufferStart;
        if (idx >= 0 && idx < this.buffer.length) acc += this.buffer[idx] * h[j];
      }
      out[count++] = acc;
      this.produced++;
    }
    // Drop input no future output needs (everything before the next output's first tap).
    const nextFirst = Math.floor((this.produced * this.down) / this.up) - this.taps;
    const drop = Math.min(this.buffer.length, Math.max(0, nextFirst - this.bufferStart));
    if (drop > 0) { this.buffer = this.buffer.slice(drop); this.bufferStart += drop; }
    return out.subarray(0, count);
  }
}

/** The average of the channels (all the same length): what every EmoLens path hears from a stereo source. */
export function downmix(channels: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(channels[0]?.length ?? 0);
  for (const ch of channels) for (let i = 0; i < out.length; i++) out[i] += ch[i] / channels.length;
  return out;
}

/** One-shot resampling of a whole clip to 16 kHz (or `toRate`), with the same filter as the streaming path. */
export function resampleTo16k(pcm: Float32Array, fromRate: number, toRate: number = AUDIO_FEATURES.sampleRate): Float32Array {
  if (fromRate === toRate) return pcm.slice();
  const r = new Resampler(fromRate, toRate);
  const a = r.process(pcm), b = r.flush();
  const out = new Float32Array(a.length + b.length);
  out.set(a); out.set(b, a.length);
  return out;
}
