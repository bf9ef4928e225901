/**
 * Voice activity detection and turn segmentation on the 16 kHz mono stream (pure TypeScript: runs in a Worker, the
 * page or Node).
 *
 * `EnergyVad` classifies 10 ms frames: speech when the frame energy is `thresholdDb` above an adaptive noise floor
 * (and above `minSpeechDb` absolute, so digital silence never counts). The floor follows quiet frames quickly
 * downwards and slowly upwards, and barely moves during speech, so a long utterance does not raise it into itself;
 * a steady loud background (energy nearly constant for 1.5 s, unlike speech) resets it upwards.
 *
 * `TurnSegmenter` groups speech frames into turns: a turn starts at the first speech frame (plus `preRollMs` of audio
 * before it, so soft onsets are kept), ends once `endSilenceMs` of non-speech follows (the hangover), is dropped if
 * it holds less than `minSpeechMs` of speech, and is cut at `maxTurnS` (the next turn continues seamlessly). Frames
 * can also come with their decision made by another model (`pushFrame`; silero-vad.ts).
 */
import { AUDIO_FEATURES } from './features.ts';

export interface VadOptions {
  /** Frame length in samples (default 160 = 10 ms at 16 kHz). */
  frameSamples: number;
  /** dB above the noise floor that count as speech (default 12). */
  thresholdDb: number;
  /** Absolute floor: frames below this (dBFS, mean square) are never speech (default -55). */
  minSpeechDb: number;
  /** Starting noise floor estimate, dBFS (default -70). */
  initialNoiseDb: number;
  /** How fast the floor follows non-speech frames (EMA weight per frame, default 0.05) and falls to quieter ones (0.3). */
  noiseAdapt: number;
  noiseFall: number;
  /** Slow upward drift of the floor during speech, dB per second (default 0.5). */
  noiseRiseDbPerS: number;
  /**
   * Stationary-noise reset: when "speech" frames have had an energy standard deviation below `stationaryStdDb`
   * (default 2.5 dB) for `stationaryMs` (default 1500 ms), they are a steady background (fan, hum), not speech,
   * whose energy swings by 10+ dB between syllables; the floor jumps to their mean.
   */
  stationaryMs: number;
  stationaryStdDb: number;
}

export const DEFAULT_VAD_OPTIONS: VadOptions = {
  frameSamples: 160, thresholdDb: 12, minSpeechDb: -55, initialNoiseDb: -70, noiseAdapt: 0.05, noiseFall: 0.3, noiseRiseDbPerS: 0.5,
  stationaryMs: 1500, stationaryStdDb: 2.5,
};

/** Mean-square energy of a frame in dBFS (full-scale sine ≈ -3 dB). */
export function frameEnergyDb(frame: Float32Array): number {
  let sq = 0;
  for (let i = 0; i < frame.length; i++) sq += frame[i] * frame[i];
  return 10 * Math.log10(sq / Math.max(1, frame.length) + 1e-10);
}

export class EnergyVad {
  readonly options: VadOptions;
  /** Current noise floor estimate (dBFS). */
  noiseDb: number;
  /** Energies of the current run of consecutive speech frames (only the last `stationaryMs` are kept). */
  private run: number[] = [];

  constructor(options: Partial<VadOptions> = {}) {
    this.options = { ...DEFAULT_VAD_OPTIONS, ...options };
    this.noiseDb = this.options.initialNoiseDb;
  }

  /** Classifies one frame and updates the noise floor. */
  isSpeech(frame: Float32Array): boolean {
    const o = this.options;
    const db = frameEnergyDb(frame);
    let speech = db >= this.noiseDb + o.thresholdDb && db >= o.minSpeechDb;
    if (db < this.noiseDb) this.noiseDb += o.noiseFall * (db - this.noiseDb);
    else if (!speech) this.noiseDb += o.noiseAdapt * (db - this.noiseDb);
    else this.noiseDb += (o.noiseRiseDbPerS * o.frameSamples) / AUDIO_FEATURES.sampleRate;
    if (!speech) { this.run.length = 0; return false; }
    const window = Math.round((o.stationaryMs * AUDIO_FEATURES.sampleRate) / 1000 / o.frameSamples);
    this.run.push(db);
    if (this.run.length > window) this.run.shift();
    if (this.run.length === window) {
      const mean = this.run.reduce((a, b) => a + b, 0) / window;
      const std = Math.sqrt(this.run.reduce((a, b) => a + (b - mean) * (b - mean), 0) / window);
      if (std < o.stationaryStdDb) { this.noiseDb = mean; this.run.length = 0; speech = false; }
    }
    return speech;
  }

  reset(): void {
    this.noiseDb = this.options.initialNoiseDb;
    this.run.length = 0;
  }
}

export interface Turn {
  /** Absolute sample index (16 kHz, since the segmenter started) of pcm[0]; includes the pre-roll. */
  startSample: number;
  /** Absolute sample index one past the last sample: the end of the last speech frame. */
  endSample: number;
  pcm: Float32Array;
}

export interface TurnOptions extends VadOptions {
  /** Minimum speech inside a turn (default 250 ms); shorter blips are dropped. */
  minSpeechMs: number;
  /** Non-speech that ends a turn (default 500 ms). */
  endSilenceMs: number;
  /** Longest turn (default 12 s); longer speech is split. */
  maxTurnS: number;
  /** Audio kept before the first speech frame (default 200 ms). */
  preRollMs: number;
}

export const DEFAULT_TURN_OPTIONS: TurnOptions = {
  ...DEFAULT_VAD_OPTIONS, minSpeechMs: 250, endSilenceMs: 500, maxTurnS: 12, preRollMs: 200,
};

export class TurnSegmenter {
  readonly options: TurnOptions;
  private readonly vad: EnergyVad;
  private readonly rate = AUDIO_FEATURES.sampleRate;
  /** Samples not yet discarded, as the chunks they came in (no copying per push); chunks[0][0] is sample `bufferStart`. */
  private chunks: Float32Array[] = [];
  private bufferStart = 0;
  /** The frame being filled, and the absolute index of its first sample. */
  private frame: Float32Array;
  private frameFill = 0;
  private nextFrame = 0;
  /** Current turn: absolute start (incl. pre-roll), end of the last speech frame, speech frames so far, silence run. */
  private turn: { start: number; lastSpeechEnd: number; speechFrames: number; silenceFrames: number } | null = null;

  constructor(options: Partial<TurnOptions> = {}) {
    this.options = { ...DEFAULT_TURN_OPTIONS, ...options };
    this.vad = new EnergyVad(this.options);
    this.frame = new Float32Array(this.options.frameSamples);
  }

  private ms(ms: number): number {
    return Math.round((ms * this.rate) / 1000);
  }

  /** Feeds 16 kHz mono samples; returns the turns completed by them (often none). */
  push(chunk16k: Float32Array): Turn[] {
    const out: Turn[] = [];
    if (chunk16k.length) this.chunks.push(chunk16k.slice()); // own copy: callers may reuse their buffer
    const F = this.options.frameSamples;
    for (let i = 0; i < chunk16k.length;) {
      const take = Math.min(F - this.frameFill, chunk16k.length - i);
      this.frame.set(chunk16k.subarray(i, i + take), this.frameFill);
      this.frameFill += take;
      i += take;
      if (this.frameFill === F) {
        this.step(this.vad.isSpeech(this.frame), this.nextFrame, out);
        this.nextFrame += F;
        this.frameFill = 0;
      }
    }
    this.trim();
    return out;
  }

  /**
   * Feeds one frame whose speech decision was made elsewhere (another voice-activity model, e.g. Silero); its length
   * must be `frameSamples`. `confident`: whether the frame counts towards `minSpeechMs` (default: `speech`), so a
   * model's hysteresis can keep a turn open over doubtful frames without letting them make a turn on their own.
   * Not to be mixed with `push` on one stream.
   */
  pushFrame(frame: Float32Array, speech: boolean, confident = speech): Turn[] {
    const F = this.options.frameSamples;
    if (frame.length !== F) throw new Error(`TurnSegmenter.pushFrame: a frame is ${F} samples, got ${frame.length}`);
    if (this.frameFill) throw new Error('TurnSegmenter.pushFrame: push() left a partial frame on this stream');
    const out: Turn[] = [];
    this.chunks.push(frame.slice());
    this.step(speech, this.nextFrame, out, confident);
    this.nextFrame += F;
    this.trim();
    return out;
  }

  /** Ends the stream: returns the open turn if it holds enough speech. */
  flush(): Turn[] {
    const out: Turn[] = [];
    if (this.turn) this.close(out);
    this.trim();
    return out;
  }

  reset(): void {
    this.chunks = [];
    this.bufferStart = 0; this.nextFrame = 0; this.frameFill = 0; this.turn = null;
    this.vad.reset();
  }

  private step(speech: boolean, frameStart: number, out: Turn[], counted = speech): void {
    const F = this.options.frameSamples;
    if (!this.turn) {
      if (!speech) return;
      const start = Math.max(this.bufferStart, frameStart - this.ms(this.options.preRollMs));
      this.turn = { start, lastSpeechEnd: frameStart + F, speechFrames: counted ? 1 : 0, silenceFrames: 0 };
    } else if (speech) {
      this.turn.lastSpeechEnd = frameStart + F;
      if (counted) this.turn.speechFrames++;
      this.turn.silenceFrames = 0;
    } else {
      this.turn.silenceFrames++;
      if (this.turn.silenceFrames * F >= this.ms(this.options.endSilenceMs)) { this.close(out); return; }
    }
    // Split over-long turns at the current frame; the continuation starts right after (no pre-roll: it is contiguous).
    if (this.turn && frameStart + F - this.turn.start >= this.rate * this.options.maxTurnS) {
      const continuing = speech;
      this.turn.lastSpeechEnd = frameStart + F;
      this.close(out);
      if (continuing) this.turn = { start: frameStart + F, lastSpeechEnd: frameStart + F, speechFrames: 0, silenceFrames: 0 };
    }
  }

  private close(out: Turn[]): void {
    const t = this.turn!;
    this.turn = null;
    if (t.speechFrames * this.options.frameSamples < this.ms(this.options.minSpeechMs)) return;
    out.push({ startSample: t.start, endSample: t.lastSpeechEnd, pcm: this.slice(t.start, t.lastSpeechEnd) });
  }

  /** Copies absolute samples [start, end) out of the kept chunks. */
  private slice(start: number, end: number): Float32Array {
    const pcm = new Float32Array(end - start);
    let at = this.bufferStart;
    for (const c of this.chunks) {
      const a = Math.max(start, at), b = Math.min(end, at + c.length);
      if (b > a) pcm.set(c.subarray(a - at, b - at), a - start);
      at += c.length;
      if (at >= end) break;
    }
    return pcm;
  }

  /** Drops samples nothing can need: before the open turn, or older than the pre-roll before the next frame. */
  private trim(): void {
    const keepFrom = this.turn ? this.turn.start : this.nextFrame - this.ms(this.options.preRollMs);
    while (this.chunks.length && this.bufferStart + this.chunks[0].length <= keepFrom) {
      this.bufferStart += this.chunks[0].length;
      this.chunks.shift();
    }
  }
}
