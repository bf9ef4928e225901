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

export class SileroVad {
  private state: Float32Array = new Float32Array(STATE_SIZE);
  private context = new Float32Array(CONTEXT);
  private readonly sampleRate: OrtTensor;

  private constructor(private readonly ort: OrtRuntime, private readonly session: OrtSession) {
    this.sampleRate = new ort.Tensor('int64', BigInt64Array.from([16000n]), []);
  }

  /** Loads the model from its bytes (checked by the caller's loader). */
  static async load(ort: OrtRuntime, model: Uint8Array): Promise<SileroVad> {
    const session = await ort.InferenceSession.create(model);
    return new SileroVad(ort, session);
  }

  /** Speech probability of the next 512-sample frame of the stream (16 kHz mono). */
  async probability(frame: Float32Array): Promise<number> {
    if (frame.length !== SILERO_FRAME) throw new Error(`SileroVad: a frame is ${SILERO_FRAME} samples, got ${frame.length}`);
    const input = new Float32Array(CONTEXT + SILERO_FRAME);
    input.set(this.context, 0);
    input.set(frame, CONTEXT);
    this.context = frame.slice(-CONTEXT);
    const x = new this.ort.Tensor('float32', input, [1, input.length]);
    const state = new this.ort.Tensor('float32', this.state, [2, 1, 128]);
    const out = await this.session.run({ input: x, state, sr: this.sampleRate });
    this.state = Float32Array.from(out.stateN.data as ArrayLike<number>);
    const p = Number(out.output.data[0]);
    for (const t of [x, state, out.stateN, out.output]) t.dispose?.();
    return p;
  }

  /** Forgets the stream (a new recording starts). */
  reset(): void {
    this.state = new Float32Array(STATE_SIZE);
    this.context = new Float32Array(CONTEXT);
  }

  async dispose(): Promise<void> {
    this.sampleRate.dispose?.();
    await this.session.release();
  }
}

export interface SileroTurnOptions extends Omit<TurnOptions, 'frameSamples'> {
  /** Probability at which speech starts (silero-vad's default threshold: 0.5). */
  positive: number;
  /** Probability below which started speech counts as ended (its default: threshold − 0.15). */
  negative: number;
}

export const DEFAULT_SILERO_TURN_OPTIONS: Pick<SileroTurnOptions, 'positive' | 'negative'> = { positive: 0.5, negative: 0.35 };

/**
 * Turns from Silero's frame probabilities, with the TurnSegmenter's rules (the energy VAD inside it is not used).
 * `push` is async (the model runs per frame); calls must not overlap: await each before the next.
 */
export class SileroTurnSegmenter {
  private readonly turns: TurnSegmenter;
  private readonly o: Pick<SileroTurnOptions, 'positive' | 'negative'>;
  private pending = new Float32Array(0);
  private speaking = false;
  /** The probability of every frame so far, for tests and charts (bounded: the last 10 minutes). */
  readonly probabilities: number[] = [];

  constructor(private readonly vad: SileroVad, options: Partial<SileroTurnOptions> = {}) {
    this.o = { ...DEFAULT_SILERO_TURN_OPTIONS, ...options };
    this.turns = new TurnSegmenter({ ...options, frameSamples: SILERO_FRAME });
  }

  async push(chunk16k: Float32Array): Promise<Turn[]> {
    const joined = new Float32Array(this.pending.length + chunk16k.length);
    joined.set(this.pending); joined.set(chunk16k, this.pending.length);
    const out: Turn[] = [];
    let at = 0;
    for (; at + SILERO_FRAME <= joined.length; at += SILERO_FRAME) {
      const frame = joined.slice(at, at + SILERO_FRAME);
      const p = await this.vad.probability(frame);
      this.probabilities.push(p);
      if (this.probabilities.length > 18_750) this.probabilities.shift();
      this.speaking = this.speaking ? p >= this.o.negative : p >= this.o.positive;
      out.push(...this.turns.pushFrame(frame, this.speaking));
    }
    this.pending = joined.slice(at);
    return out;
  }

  flush(): Turn[] {
    return this.turns.flush();
  }

  reset(): void {
    this.pending = new Float32Array(0);
    this.speaking = false;
    this.probabilities.length = 0;
    this.turns.reset();
    this.vad.reset();
  }
}
