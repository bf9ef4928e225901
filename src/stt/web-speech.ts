/**
 * Speech-to-text through the browser's Web Speech API (`SpeechRecognition`, `webkitSpeechRecognition` in Chrome).
 * NOT on-device: Chrome and Edge send the audio to the vendor's speech service. The label says so.
 *
 * Recognition runs continuously beside the VAD; each final phrase is stamped with the `performance.now()` time it
 * arrived. A turn claims the phrases that arrived between its start and its end + a grace period (results lag the
 * speech), waiting for them if needed. Turns are expected to be transcribed in time order, as the demo's queue does.
 */
import { SpeechToTextError, type SpeechToText, type SpeechToTextErrorCode, type TurnAudio } from './speech-to-text.ts';

// Minimal structural types: the TS DOM lib may lack the Web Speech API, and tests pass stand-ins.
export interface SpeechRecognitionAlternativeLike { readonly transcript: string; readonly confidence?: number }
export interface SpeechRecognitionResultLike { readonly isFinal: boolean; readonly length: number; readonly [index: number]: SpeechRecognitionAlternativeLike }
export interface SpeechRecognitionResultEventLike {
  readonly resultIndex: number;
  readonly results: { readonly length: number; readonly [index: number]: SpeechRecognitionResultLike };
}
export interface SpeechRecognitionErrorEventLike { readonly error: string; readonly message?: string }
export interface SpeechRecognitionLike {
  continuous: boolean;
  interimResults: boolean;
  maxAlternatives: number;
  lang: string;
  onresult: ((event: SpeechRecognitionResultEventLike) => void) | null;
  onerror: ((event: SpeechRecognitionErrorEventLike) => void) | null;
  onend: (() => void) | null;
  /** `audioTrack` is recent and experimental; browsers without it ignore the argument and open the default mic. */
  start(audioTrack?: MediaStreamTrack): void;
  stop(): void;
  abort(): void;
}
export type SpeechRecognitionConstructorLike = new () => SpeechRecognitionLike;

export interface WebSpeechOptions {
  /** Injection point (tests); default `SpeechRecognition ?? webkitSpeechRecognition` of the global object. */
  recognitionConstructor?: SpeechRecognitionConstructorLike;
  /** BCP 47 language, e.g. 'en-US'; default: the recognizer's own (the page's language). */
  lang?: string;
  /** How long after a turn's end its phrases may still arrive, ms. Default 1500. */
  graceMs?: number;
  /** Once a phrase arrived after the turn's end, return if no other one follows within this many ms (the speech
   * ended with the turn, so that was most likely the last one). Default 300; Infinity always waits the full grace. */
  settleMs?: number;
  /** Chrome ends recognition after a silence; restarts are spaced at least this far apart, ms. Default 1000. */
  minRestartIntervalMs?: number;
  /** Pass the stream's audio track to `start()` where the browser supports it (same mic as the VAD). Default true. */
  useStreamTrack?: boolean;
  /** Every error the recognizer reports (except 'aborted', which stop/dispose cause); `recoverable` ones are
   * informational (listening goes on), the others stop listening and make the next `transcribe` throw. */
  onError?: (error: SpeechToTextError) => void;
}

interface Phrase { text: string; t: number }

const ID = 'web-speech';
// Errors after which restarting would fail again (or loop): listening stops until start() is called again.
const FATAL = new Set(['not-allowed', 'service-not-allowed', 'audio-capture', 'network', 'language-not-supported', 'bad-grammar']);
// Phrases nobody claimed are dropped after this long, so a long session does not grow the buffer without bound.
const KEEP_MS = 120_000;

function recognitionConstructorOf(globalObject: object): SpeechRecognitionConstructorLike | undefined {
  const g = globalObject as { SpeechRecognition?: unknown; webkitSpeechRecognition?: unknown };
  const ctor = g.SpeechRecognition ?? g.webkitSpeechRecognition;
  return typeof ctor === 'function' ? (ctor as SpeechRecognitionConstructorLike) : undefined;
}

/** A Web Speech `error` code as a SpeechToTextError with a message a user can act on. */
export function speechRecognitionError(code: string, detail?: string, lang?: string): SpeechToTextError {
  const known: Record<string, [SpeechToTextErrorCode, string]> = {
    'not-allowed': ['not-allowed', 'Speech recognition was blocked: microphone permission was denied for it. Allow the microphone for this site, or use typed text.'],
    'service-not-allowed': ['service-not-allowed', 'The browser does not allow its speech recognition service here (policy, settings, or not offered by this browser). Use typed text or the on-device Transformers.js speech-to-text.'],
    network: ['network', "The speech recognition service could not be reached: the Web Speech API sends audio to the browser vendor's servers and needs a network connection. Use typed text or the on-device Transformers.js speech-to-text."],
    'no-speech': ['no-speech', 'The speech recognition service heard no speech for a while; still listening.'],
    'audio-capture': ['audio-capture', 'Speech recognition could not capture audio: no microphone was found, or another application is using it.'],
    'language-not-supported': ['language-not-supported', `The speech recognition service does not support the language ${lang ? `"${lang}"` : 'asked for'}.`],
  };
  const [mapped, message] = known[code] ?? ['unknown', `Speech recognition failed (${code})${detail ? `: ${detail}` : ''}.`];
  return new SpeechToTextError(mapped, message, { adapter: ID, recoverable: !FATAL.has(code) });
}

export class WebSpeechToText implements SpeechToText {
  readonly id = ID;
  readonly label = "Web Speech API (sends audio to the browser vendor's servers: not on-device)";
  readonly onDevice = false;

  static isSupported(globalObject: object = globalThis): boolean {
    return recognitionConstructorOf(globalObject) !== undefined;
  }

  private readonly ctor: SpeechRecognitionConstructorLike;
  private readonly graceMs: number;
  private readonly settleMs: number;
  private readonly minRestartIntervalMs: number;
  private recognition: SpeechRecognitionLike | undefined;
  private track: MediaStreamTrack | undefined;
  private phrases: Phrase[] = [];
  /** Re-evaluated on every phrase and on every end, by the transcribe calls waiting for their grace period. */
  private readonly waiters = new Set<() => void>();
  /** The user wants it listening (between start() and stop()); Chrome's own ends are restarted meanwhile. */
  private wanted = false;
  /** The recognizer is running (between its start() and its `end` event). */
  private active = false;
  private lastStartAt = -Infinity;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private failure: SpeechToTextError | undefined;
  private disposed = false;

  constructor(private readonly options: WebSpeechOptions = {}) {
    const ctor = options.recognitionConstructor ?? recognitionConstructorOf(globalThis);
    if (!ctor) {
      throw new SpeechToTextError('unsupported', 'This browser has no Web Speech API speech recognition (SpeechRecognition). Use typed text or the on-device Transformers.js speech-to-text.', { adapter: ID });
    }
    this.ctor = ctor;
    this.graceMs = options.graceMs ?? 1500;
    this.settleMs = options.settleMs ?? 300;
    this.minRestartIntervalMs = options.minRestartIntervalMs ?? 1000;
  }

  async start(stream?: MediaStream): Promise<void> {
    if (this.disposed) throw this.disposedError();
    if (this.wanted) return;
    this.failure = undefined;
    this.recognition ??= this.createRecognition();
    const rec = this.recognition;
    this.track = this.options.useStreamTrack === false ? undefined : stream?.getAudioTracks().find((t) => t.readyState === 'live');
    this.wanted = true;
    if (this.active) return; // stop() was called but its end event has not come yet: the end handler restarts it
    try {
      this.begin(rec);
    } catch (error) {
      this.wanted = false;
      throw error;
    }
  }

  async transcribe(turn: TurnAudio): Promise<string | undefined> {
    if (this.disposed) throw this.disposedError();
    if (this.failure) throw this.failure;
    const deadline = turn.endMs + this.graceMs;
    const phrases = await new Promise<Phrase[]>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        const mine = this.phrases.filter((p) => p.t >= turn.startMs && p.t <= deadline);
        this.phrases = this.phrases.filter((p) => !mine.includes(p));
        resolve(mine);
      };
      const check = (): void => {
        clearTimeout(timer);
        const now = performance.now();
        // Nothing more can arrive once stopped and ended (or disposed).
        if (now >= deadline || this.disposed || (!this.wanted && !this.active)) { finish(); return; }
        const late = this.phrases.filter((p) => p.t >= turn.endMs && p.t <= deadline).at(-1);
        const until = late ? Math.min(deadline, late.t + this.settleMs) : deadline;
        if (now >= until) { finish(); return; }
        timer = setTimeout(check, until - now);
      };
      this.waiters.add(check);
      check();
    });
    const text = phrases.map((p) => p.text).join(' ').trim();
    return text || undefined;
  }

  stop(): void {
    this.wanted = false;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    // stop(), not abort(): the phrase being spoken is still finalised and delivered before `end`.
    if (this.active) this.recognition?.stop();
    this.notify();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.wanted = false;
    clearTimeout(this.restartTimer);
    const rec = this.recognition;
    if (rec) {
      rec.onresult = rec.onerror = rec.onend = null;
      if (this.active) rec.abort();
    }
    this.active = false;
    this.notify(); // pending transcribe calls return what they have
    this.phrases = [];
    this.recognition = undefined;
  }

  private createRecognition(): SpeechRecognitionLike {
    const rec = new this.ctor();
    rec.continuous = true;
    rec.interimResults = false; // only final phrases are kept: interim ones would be counted twice
    rec.maxAlternatives = 1;
    if (this.options.lang) rec.lang = this.options.lang;
    rec.onresult = (event) => this.onResult(event);
    rec.onerror = (event) => this.onError(event);
    rec.onend = () => this.onEnd();
    return rec;
  }

  private begin(rec: SpeechRecognitionLike): void {
    try {
      if (this.track) rec.start(this.track);
      else rec.start();
    } catch (error) {
      throw new SpeechToTextError('start-failed', `Speech recognition could not start: ${(error as Error)?.message ?? String(error)}`, { adapter: ID, cause: error });
    }
    this.active = true;
    this.lastStartAt = performance.now();
  }

  private onResult(event: SpeechRecognitionResultEventLike): void {
    const t = performance.now();
    for (let i = event.resultIndex; i < event.results.length; i++) {
      const result = event.results[i];
      const text = result.isFinal && result.length > 0 ? result[0].transcript.trim() : '';
      if (text) this.phrases.push({ text, t });
    }
    this.phrases = this.phrases.filter((p) => p.t >= t - KEEP_MS);
    this.notify();
  }

  private onError(event: SpeechRecognitionErrorEventLike): void {
    if (event.error === 'aborted') return;
    const error = speechRecognitionError(event.error, event.message, this.options.lang);
    if (!error.recoverable) {
      this.failure = error;
      this.wanted = false;
      clearTimeout(this.restartTimer);
    }
    this.options.onError?.(error);
    this.notify();
  }

  private onEnd(): void {
    this.active = false;
    if (this.wanted && !this.disposed) {
      // The app stopped its tracks: do not restart (and never fall back to opening the mic by ourselves).
      if (this.track && this.track.readyState !== 'live') this.wanted = false;
      else this.scheduleRestart();
    }
    this.notify();
  }

  private scheduleRestart(): void {
    const wait = Math.max(0, this.lastStartAt + this.minRestartIntervalMs - performance.now());
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.wanted || this.active || this.disposed || !this.recognition) return;
      try {
        this.begin(this.recognition);
      } catch (error) {
        const e = error as SpeechToTextError;
        this.failure = e;
        this.wanted = false;
        this.options.onError?.(e);
        this.notify();
      }
    }, wait);
  }

  private notify(): void {
    for (const check of [...this.waiters]) check();
  }

  private disposedError(): SpeechToTextError {
    return new SpeechToTextError('disposed', 'The Web Speech speech-to-text was disposed.', { adapter: ID });
  }
}
