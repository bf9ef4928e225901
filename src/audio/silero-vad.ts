/**
 * Voice activity from Silero VAD v5 (snakers4/silero-vad, MIT; the ONNX file as @ricky0123/vad-web ships it, served
 * from the app's own origin), run by whichever onnxruntime the caller hands in: onnxruntime-web in the page (the one
 * Transformers.js already loads), onnxruntime-node in Node. Unlike an energy threshold it tells a voice from music,
 * typing, a door or a fan, because it was trained to.
 *
 * The model reads 512-sample frames (32 ms at 16 kHz) with the previous frame's last 64 samples prepended and a
 * recurrent state carried from frame to frame (as silero-vad's own OnnxWrapper does), and returns a speech
 * probability. `SileroTurnSegmenter` turns those into the same `Turn`s as the energy segmenter: speech starts at
 * `positive` and, once started, lasts while the probability stays above `negative` (hysteresis), then the
 * TurnSegmenter's hangover, minimum length, pre-roll and maximum length apply.
 */
import { TurnSegmenter, type Turn, type TurnOptions } from './vad.ts';

/** The part of onnxruntime's API this needs (onnxruntime-web and onnxruntime-node both provide it). */
export interface OrtRuntime {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
}
export interface OrtTensor { readonly data: ArrayLike<number | bigint>; dispose?(): void }
export interface OrtSession { run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>; release(): Promise<void> }

export const SILERO_FRAME = 512;
const CONTEXT = 64;
const STATE_SIZE = 2 * 1 * 128;

/** Speech probabilities for consecutive 512-sample frames of one stream; `reset` starts the stream afresh. */
export interface FrameScorer {
  probabilities(frames: Float32Array): Promise<number[]>;
  reset(): void;
}

/** The model (one ONNX session); each audio stream it listens to is a `stream()` with its own recurrent state. */
export class SileroVad {
  private readonly sampleRate: OrtTensor;

  private constructor(readonly ort: OrtRuntime, readonly session: OrtSession) {
    this.sampleRate = new ort.Tensor('int64', BigInt64Array.from([16000n]), []);
  }

  /** Loads the model from its bytes (checked by the caller's loader); the page asks for the 'wasm' provider. */
  static async load(ort: OrtRuntime, model: Uint8Array, sessionOptions?: Record<string, unknown>): Promise<SileroVad> {
    return new SileroVad(ort, await ort.InferenceSession.create(model, sessionOptions));
  }

  stream(): SileroStream { return new SileroStream(this, this.sampleRate); }

  async dispose(): Promise<void> {
    this.sampleRate.dispose?.();
    await this.session.release();
  }
}

export class SileroStream implements FrameScorer {
  private state: Float32Array = new Float32Array(STATE_SIZE);
  private context = new Float32Array(CONTEXT);

  constructor(private readonly model: SileroVad, private readonly sampleRate: OrtTensor) {}

  /** Speech probability of the stream's next 512-sample frame (16 kHz mono). */
  async probability(frame: Float32Array): Promise<number> {
    if (frame.length !== SILERO_FRAME) throw new Error(`SileroVad: a frame is ${SILERO_FRAME} samples, got ${frame.length}`);
    const { ort, session } = this.model;
    const input = new Float32Array(CONTEXT + SILERO_FRAME);
    input.set(this.context, 0);
    input.set(frame, CONTEXT);
    this.context = frame.slice(-CONTEXT);
    const x = new ort.Tensor('float32', input, [1, input.length]);
    const state = new ort.Tensor('float32', this.state, [2, 1, 128]);
    const out = await session.run({ input: x, state, sr: this.sampleRate });
    this.state = Float32Array.from(out.stateN.data as ArrayLike<number>);
    const p = Number(out.output.data[0]);
    for (const t of [x, state, out.stateN, out.output]) t.dispose?.();
    return p;
  }

  /** One probability per 512-sample frame of `frames` (a whole number of frames). */
  async probabilities(frames: Float32Array): Promise<number[]> {
    if (frames.length % SILERO_FRAME) throw new Error(`SileroVad: ${frames.length} samples are not a whole number of ${SILERO_FRAME}-sample frames`);
    const out: number[] = [];
    for (let i = 0; i < frames.length; i += SILERO_FRAME) out.push(await this.probability(frames.subarray(i, i + SILERO_FRAME)));
    return out;
  }

  /** Forgets the stream (a new recording starts). */
  reset(): void {
    this.state = new Float32Array(STATE_SIZE);
    this.context = new Float32Array(CONTEXT);
  }
}

export interface SileroTurnOptions extends Omit<TurnOptions, 'frameSamples'> {
  /** Probability at which speech starts (silero-vad's default threshold: 0.5). */
  positive: number;
  /** Probability below which started speech counts as ended (its default: threshold − 0.15). */
  negative: number;
  /** A turn is kept only if its speaking frames (p ≥ `negative`) average at least this probability. */
  minMeanProbability: number;
}

/**
 * silero-vad's thresholds, and @ricky0123/vad-web's minimum of 400 ms of confident speech per turn: music can hold
 * the probability near the threshold for a few frames, a sentence gives far more than 400 ms. And a mean of 0.65
 * over a turn's speaking frames: on made scenes of unseen speakers (tools/bench/vad-scene.ts) speech turns average
 * 0.75 at the least (median 0.93), while music that hovers around the threshold long enough (it happened once in a
 * loaded CI run) averages near 0.5.
 */
export const DEFAULT_SILERO_TURN_OPTIONS: Pick<SileroTurnOptions, 'positive' | 'negative' | 'minSpeechMs' | 'minMeanProbability'> = { positive: 0.5, negative: 0.35, minSpeechMs: 400, minMeanProbability: 0.65 };

/**
 * Turns from Silero's frame probabilities (from a local stream, or the inference Worker's), with the TurnSegmenter's
 * rules (the energy VAD inside it is not used). `push` is async; calls must not overlap: await each before the next.
 * A `push` that throws has changed nothing.
 */
export class SileroTurnSegmenter {
  private readonly turns: TurnSegmenter;
  private readonly o: Pick<SileroTurnOptions, 'positive' | 'negative' | 'minMeanProbability'>;
  private pending = new Float32Array(0);
  private speaking = false;
  /** The probability of every frame so far, for tests and charts (bounded: the last 10 minutes). */
  readonly probabilities: number[] = [];
  /** Frames scored since the start (`probabilities[0]` is frame `framesSeen - probabilities.length`). */
  private framesSeen = 0;
  /** Turns dropped for a low mean probability (music or noise that brushed the threshold), with that mean. */
  readonly doubtful: { startSample: number; endSample: number; meanProbability: number }[] = [];

  constructor(private readonly vad: FrameScorer, options: Partial<SileroTurnOptions> = {}) {
    this.o = { ...DEFAULT_SILERO_TURN_OPTIONS, ...options };
    this.turns = new TurnSegmenter({ minSpeechMs: DEFAULT_SILERO_TURN_OPTIONS.minSpeechMs, ...options, frameSamples: SILERO_FRAME });
  }

  async push(chunk16k: Float32Array): Promise<Turn[]> {
    const joined = new Float32Array(this.pending.length + chunk16k.length);
    joined.set(this.pending); joined.set(chunk16k, this.pending.length);
    const whole = joined.length - (joined.length % SILERO_FRAME);
    const out: Turn[] = [];
    if (!whole) { this.pending = joined; return out; }
    // One call for the chunk's frames (one round trip when the model runs in the inference Worker). Nothing is kept
    // until it answers: a failed call leaves the segmenter as it was, so the caller can push the same chunk again.
    const ps = await this.vad.probabilities(joined.subarray(0, whole));
    this.pending = joined.slice(whole);
    ps.forEach((p, k) => {
      this.probabilities.push(p);
      this.framesSeen++;
      if (this.probabilities.length > 18_750) this.probabilities.shift();
      this.speaking = this.speaking ? p >= this.o.negative : p >= this.o.positive;
      // Only confident frames count towards the minimum speech of a turn (as @ricky0123/vad-web counts them): music
      // hovering near the threshold keeps no turn alive on its own.
      out.push(...this.turns.pushFrame(joined.slice(k * SILERO_FRAME, (k + 1) * SILERO_FRAME), this.speaking, p >= this.o.positive));
    });
    return this.sure(out);
  }

  flush(): Turn[] {
    return this.sure(this.turns.flush());
  }

  /** Mean probability of a turn's speaking frames (those at or above `negative`). */
  meanProbability(turn: Pick<Turn, 'startSample' | 'endSample'>): number {
    const first = this.framesSeen - this.probabilities.length;
    const from = Math.max(Math.floor(turn.startSample / SILERO_FRAME) - first, 0), to = Math.min(Math.ceil(turn.endSample / SILERO_FRAME) - first, this.probabilities.length);
    let sum = 0, n = 0;
    for (let i = from; i < to; i++) if (this.probabilities[i] >= this.o.negative) { sum += this.probabilities[i]; n++; }
    return n ? sum / n : 0;
  }

  private sure(turns: Turn[]): Turn[] {
    return turns.filter((t) => {
      const meanProbability = this.meanProbability(t);
      if (meanProbability >= this.o.minMeanProbability) return true;
      this.doubtful.push({ startSample: t.startSample, endSample: t.endSample, meanProbability });
      if (this.doubtful.length > 100) this.doubtful.shift();
      return false;
    });
  }

  reset(): void {
    this.pending = new Float32Array(0);
    this.speaking = false;
    this.probabilities.length = 0;
    this.framesSeen = 0;
    this.doubtful.length = 0;
    this.turns.reset();
    this.vad.reset();
  }
}
