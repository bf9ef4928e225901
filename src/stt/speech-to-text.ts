/**
 * Pluggable speech-to-text. A turn is known by its time span on the `performance.now()` clock
 * and its audio (16 kHz mono); an adapter turns it into a transcript, or into nothing. The typed text box stays
 * the default source of text: `TypedTextOnly` is the adapter that never transcribes anything.
 *
 * Adapters: TypedTextOnly (here), WebSpeechToText (./web-speech.ts, NOT on-device), TransformersSpeechToText
 * (./transformers.ts, on-device). See docs/speech-to-text.md.
 */

/** The sample rate every adapter receives: what the capture worklet and the VAD segmenter produce. */
export const STT_SAMPLE_RATE = 16000;

export interface TurnAudio {
  /** The turn's audio, 16 kHz mono, [-1, 1]. May be empty (e.g. a typed-only turn). */
  pcm16k: Float32Array;
  /** Start and end of the turn, ms on the `performance.now()` clock. */
  startMs: number;
  endMs: number;
}

export interface SpeechToText {
  /** 'typed' | 'web-speech' | 'transformers', or a custom adapter's own id. */
  readonly id: string;
  /** What the UI shows; must say plainly when audio leaves the device. */
  readonly label: string;
  /** False when audio is sent off the device (Web Speech). */
  readonly onDevice: boolean;
  /** Start listening if the adapter needs the live stream (Web Speech); no-op otherwise. */
  start(stream?: MediaStream): Promise<void>;
  /** Transcript for one turn, or undefined when the adapter has none (typed mode, silence, nothing recognised). */
  transcribe(turn: TurnAudio): Promise<string | undefined>;
  /** Stop listening (live adapters); transcripts already pending may still be returned. */
  stop(): void;
  /** Release everything (recognizer, model); the adapter is unusable afterwards. */
  dispose(): Promise<void>;
}

export type SpeechToTextErrorCode =
  | 'unsupported'
  | 'not-allowed'
  | 'service-not-allowed'
  | 'network'
  | 'no-speech'
  | 'audio-capture'
  | 'language-not-supported'
  | 'start-failed'
  | 'load-failed'
  | 'bad-audio'
  | 'transcribe-failed'
  | 'disposed'
  | 'unknown';

export class SpeechToTextError extends Error {
  override readonly name = 'SpeechToTextError';
  readonly code: SpeechToTextErrorCode;
  /** The adapter id the error came from. */
  readonly adapter: string;
  /** True when listening goes on after it (e.g. 'no-speech'): the UI can show it as information. */
  readonly recoverable: boolean;

  constructor(code: SpeechToTextErrorCode, message: string, options: { adapter: string; recoverable?: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.adapter = options.adapter;
    this.recoverable = options.recoverable ?? false;
  }
}

/** The default: no speech-to-text; the transcript comes from the typed text box only. */
export class TypedTextOnly implements SpeechToText {
  readonly id = 'typed';
  readonly label = 'Typed text only (no speech-to-text)';
  readonly onDevice = true;
  async start(_stream?: MediaStream): Promise<void> {}
  async transcribe(_turn: TurnAudio): Promise<string | undefined> { return undefined; }
  stop(): void {}
  async dispose(): Promise<void> {}
}

/**
 * Throws a 'bad-audio' SpeechToTextError when `turn.pcm16k` is not a Float32Array, or when its length does not fit
 * the time span at 16 kHz (ratio outside [0.6, 1.6]): the likely cause is passing the 44.1/48 kHz device stream,
 * which a model would silently mis-hear. Empty audio and zero-length spans are not checked.
 */
export function checkTurnAudio(turn: TurnAudio, adapter: string): void {
  if (!(turn.pcm16k instanceof Float32Array)) {
    throw new SpeechToTextError('bad-audio', `${adapter}: turn audio must be a Float32Array of 16 kHz mono samples.`, { adapter });
  }
  const spanMs = turn.endMs - turn.startMs;
  if (turn.pcm16k.length === 0 || !(spanMs > 0)) return;
  const ratio = (turn.pcm16k.length / STT_SAMPLE_RATE) * 1000 / spanMs;
  if (ratio < 0.6 || ratio > 1.6) {
    throw new SpeechToTextError('bad-audio',
      `${adapter}: ${turn.pcm16k.length} samples for a ${spanMs.toFixed(0)} ms turn is not 16 kHz audio ` +
      `(≈${Math.round(ratio * STT_SAMPLE_RATE)} Hz): resample to 16 kHz mono first.`, { adapter });
  }
}
