/**
 * EmoLens, the library: `createRecognizer()` loads the models (in a module Worker by default) and answers
 *   analyzeText / analyzeAudio / analyzeTurn  → a fused turn result, with the conversation so far as context;
 *   analyzeFrame                               → the face's expression in one image;
 *   startSession(stream)                       → per-frame and per-turn results from a camera/microphone stream.
 * Results are expression estimates, not claims about what someone feels.
 */
import { DEFAULT_CONFIG, engineConfig, mergeConfig, type EmoLensConfig, type EmoLensOptions } from './config.ts';
import { LABELS, type Label } from './labels.ts';
import type { Modality } from './labels.ts';
import type { BackendChoice } from './runtime/backend-names.ts';
import type { TurnEngine } from './session/results.ts';
import { RemoteEngine } from './runtime/remote-engine.ts';
import { downmix, resampleTo16k } from './audio/features.ts';
import { InputError, LIMITS, checkAudio, checkFrame, checkFrames, checkOptions, checkSessionOptions, checkSpeaker, checkText } from './validate.ts';
import { WorkerError, type WorkerStatus } from './runtime/worker-rpc.ts';
import { FaceTracker } from './video/face-tracker.ts';
import type { FaceBox } from './video/face-crop.ts';
import { LiveSession, type Notice, type SessionEnd } from './session/live.ts';
import { ProbabilitySmoother, argmax } from './session/smoothing.ts';
import { toProbabilities, type FaceWindow } from './session/turn.ts';
import type { Probabilities, TurnResult } from './session/results.ts';
import type { SpeechToText } from './stt/speech-to-text.ts';
import { analyzeMediaFile, type FileAnalysis, type FileAnalysisOptions } from './session/file-analysis.ts';
import { sessionToCsv, sessionToJson, type SessionFrame } from './session/export.ts';

export { DEFAULT_CONFIG, mergeConfig, LABELS };
export type { EmoLensConfig, EmoLensOptions, Label, Modality, Probabilities, TurnResult, BackendChoice, Notice, SessionEnd, SpeechToText, FaceBox };
export { AssetError } from './runtime/assets.ts';
export { readSessionExport, sessionToCsv, sessionToJson, SessionFileError, SESSION_SCHEMA_VERSION, type SessionExport, type SessionFrame, type SessionTurn } from './session/export.ts';

/**
 * Deletes the models and runtimes this origin keeps between visits (the Cache API storage every recognizer shares);
 * the next load downloads them again. True when there was a cache to delete.
 */
export { clearAssetCache as clearCache } from './runtime/assets.ts';
export { InputError, LIMITS };
export { WorkerError };
export type { WorkerStatus };
export { MediaAccessError, openMedia } from './runtime/media.ts';
export { TypedTextOnly, SpeechToTextError } from './stt/speech-to-text.ts';
export { WebSpeechToText } from './stt/web-speech.ts';
export { FileAnalysisError, type FileAnalysis } from './session/file-analysis.ts';
export { TransformersSpeechToText } from './stt/transformers.ts';

/** One fused turn. `probabilities`, `label` and `confidence` are smoothed when `smoothing` > 0; `raw` never is. */
export interface EmotionResult extends TurnResult {
  raw: Probabilities;
  /** Wall-clock time the result was made (Date.now()). */
  timestamp: number;
}

/** One face of an image or video frame, with its expression estimate. */
export interface FaceEmotion {
  /** Live frames: the face's track, the same id while the person stays in view (absent for a single image). */
  trackId?: number;
  box: FaceBox;
  label: Label;
  confidence: number;
  /** Smoothed over frames per track when smoothing > 0. */
  probabilities: Probabilities;
  raw: Probabilities;
}

/**
 * The faces in one image or video frame. `face` false: no face was found (box null, no probabilities). `box`,
 * `label`, `probabilities`… describe the largest face; `faces` has every face found, largest first.
 */
export interface FrameEmotion {
  face: boolean;
  faces: FaceEmotion[];
  box: FaceBox | null;
  label?: Label;
  confidence?: number;
  probabilities?: Probabilities;
  raw?: Probabilities;
  /** Width and height of the analysed image. */
  width: number;
  height: number;
  timestamp: number;
  timings: { detectMs: number; faceMs?: number };
}

/** Anything analyzeFrame reads: it is copied, never closed or changed (the caller still owns it). */
export type FrameSource = VideoFrame | ImageBitmap | HTMLCanvasElement | OffscreenCanvas | HTMLVideoElement | HTMLImageElement | ImageData;

/** Audio for analyzeAudio: a decoded AudioBuffer, or PCM with its rate (mono, or channels averaged first). */
export type AudioInput = AudioBuffer | { pcm: Float32Array | Float32Array[]; sampleRate: number };

export interface TurnInput {
  text?: string;
  audio?: AudioInput;
  /** Frames seen during the turn; their face embeddings are averaged. */
  frames?: FrameSource[];
  speaker?: string;
}

/** A turn result with `probabilities`, `label` and `confidence` from `smoother`, and `raw` kept. */
function smoothed(smoother: ProbabilitySmoother, result: TurnResult): EmotionResult {
  const probabilities = smoother.next(result.probabilities);
  return { ...result, ...argmax(probabilities), probabilities, raw: result.probabilities, timestamp: Date.now() };
}

/** @internal What a recognizer drives: the models in a Worker, in this thread, or (tests) a fake. */
export type RecognizerEngine = TurnEngine & {
  backend: BackendChoice; reset(): void | Promise<void>; tensors(): number | Promise<number>; dispose(): void | Promise<void>;
  /** Worker supervision (absent for the in-thread engine). */
  onStatus?(listener: (status: WorkerStatus) => void): () => void;
  /** Serves the face Worker's crops over a MessagePort (the engine in a Worker only). */
  connectFacePort?(port: MessagePort): Promise<void>;
};

/** Local engine (worker: false): the Engine in this thread, loaded on demand so worker users never download tfjs here. */
async function localEngine(config: EmoLensConfig): Promise<RecognizerEngine> {
  const [{ Engine }, tf] = await Promise.all([import('./runtime/engine.ts'), import('@tensorflow/tfjs')]);
  const r = await Engine.create({ ...engineConfig(config), onProgress: config.onProgress });
  return Object.assign(r, { reset: () => r.resetConversation(), tensors: () => tf.memory().numTensors });
}

/** A notice for a worker's death, restart or failure (what the page shows the user). */
function workerNotice(status: WorkerStatus): Notice {
  if (status.type === 'died') return { kind: 'error', code: 'worker-died', text: `The ${status.worker} stopped (${status.reason}); restarting it. A turn in progress may be lost.` };
  if (status.type === 'restarted') return { kind: 'info', code: 'worker-restarted', text: `The ${status.worker} was restarted; the conversation goes on.` };
  return { kind: 'error', code: 'worker-failed', text: status.error.message };
}

/** A turn's input checked and read out: trimmed text, 16 kHz mono PCM, frames, speaker. Throws InputError. */
interface CheckedTurn { text?: string; pcm16k?: Float32Array; frames: readonly FrameSource[]; speaker?: string }

function checkTurn(input: unknown): CheckedTurn {
  const o = checkOptions<TurnInput>(input ?? null, ['text', 'audio', 'frames', 'speaker'], 'input');
  const frames = o.frames === undefined ? [] : checkFrames(o.frames) as FrameSource[];
  let pcm16k: Float32Array | undefined;
  if (o.audio !== undefined) {
    const { channels, sampleRate } = checkAudio(o.audio);
    pcm16k = resampleTo16k(downmix(channels), sampleRate);
    let peak = 0; for (const v of pcm16k) peak = Math.max(peak, Math.abs(v));
    if (peak < 1e-3) throw new InputError('audio', 'is silent (peak below -60 dBFS): nothing to analyse');
  }
  // Empty text beside audio or frames means "no words"; alone it is an error.
  const blank = typeof o.text === 'string' && !o.text.trim();
  const text = o.text === undefined || (blank && (pcm16k || frames.length)) ? undefined : checkText(o.text);
  if (!text && !pcm16k && !frames.length) throw new InputError('input', 'a turn needs text, audio or frames');
  return { text, pcm16k, frames, speaker: checkSpeaker(o.speaker) };
}

export class EmoLensRecognizer {
  private readonly turnSmoother: ProbabilitySmoother;
  private readonly faceSmoother: ProbabilitySmoother;
  private tracker?: Promise<FaceTracker>;
  private readonly sessions = new Set<EmoLensSession>();
  private disposed = false;

  private constructor(private config: EmoLensConfig, private readonly engine: RecognizerEngine) {
    this.turnSmoother = new ProbabilitySmoother(config.smoothing);
    this.faceSmoother = new ProbabilitySmoother(config.smoothing);
    engine.onStatus?.((status) => {
      this.notify(workerNotice(status));
      // Crops must not wait on a dead inference Worker: unlink now (frames take the page's road), link the new one.
      if (status.type === 'died') void this.faceWorker?.connectEngine(null).catch(() => undefined);
      if (status.type === 'restarted' && this.faceWorker) void this.linkFaceToEngine(this.faceWorker);
    });
  }

  /** The face Worker once started (the same as `tracker` resolves to). */
  private faceWorker?: FaceTracker;

  /**
   * Gives the face Worker and the inference Worker a MessageChannel of their own, so a frame's crop goes from one to
   * the other without a stop on this thread. Done after either Worker (re)starts; until it is, and if it fails,
   * crops come through the page (FaceTracker.detectFace), so nothing depends on it.
   */
  private async linkFaceToEngine(tracker: FaceTracker): Promise<void> {
    if (!this.engine.connectFacePort || this.disposed) return;
    const { port1, port2 } = new MessageChannel();
    try {
      await this.engine.connectFacePort(port1);
      await tracker.connectEngine(port2);
    } catch {
      port1.close(); port2.close();
    }
  }

  /** @internal A recognizer over a given engine: unit tests drive the orchestration with a fake TurnEngine. */
  static fromEngine(engine: RecognizerEngine, options: EmoLensOptions = {}): EmoLensRecognizer {
    return new EmoLensRecognizer(mergeConfig(DEFAULT_CONFIG, options), engine);
  }

  /** Loads every model (checked against the manifest) and warms them up. Prefer `createRecognizer()`. */
  static async create(options: EmoLensOptions = {}): Promise<EmoLensRecognizer> {
    const config = mergeConfig(DEFAULT_CONFIG, options);
    const engine = config.worker
      ? await RemoteEngine.create(engineConfig(config), config.onProgress)
      : await localEngine(config);
    return new EmoLensRecognizer(config, engine);
  }

  /** The tfjs backend the models run on, and why faster ones were skipped. */
  get backend(): BackendChoice { return this.engine.backend; }
  /** The merged configuration (a copy). */
  get options(): EmoLensConfig { return { ...this.config, modalities: { ...this.config.modalities } }; }

  /** Changes options that take effect at once: smoothing, speaker, modalities. Throws after dispose(). */
  setOptions(options: Pick<EmoLensOptions, 'smoothing' | 'speaker' | 'modalities'>): void {
    this.alive();
    checkOptions(options, ['smoothing', 'speaker', 'modalities']);
    if (options.speaker !== undefined) checkSpeaker(options.speaker);
    const { modelsBaseUrl, vendorBaseUrl, backend, textModel, worker } = this.config;
    this.config = { ...mergeConfig(this.config, options), modelsBaseUrl, vendorBaseUrl, backend, textModel, worker };
    this.turnSmoother.setFactor(this.config.smoothing); this.faceSmoother.setFactor(this.config.smoothing);
  }

  private alive(): void { if (this.disposed) throw new Error('This recognizer was disposed'); }
  private enabled(m: Modality): void { if (!this.config.modalities[m]) throw new Error(`The ${m} modality is disabled in this recognizer's options`); }

  /** Text of one turn → fused result (context: this conversation's earlier transcripts). */
  analyzeText(text: string, options: { speaker?: string } = {}): Promise<EmotionResult> {
    try {
      checkText(text);
      return this.analyzeTurn({ text, speaker: checkOptions<{ speaker: string }>(options, ['speaker']).speaker });
    } catch (error) { return Promise.reject(error); }
  }

  /** Speech of one turn (any rate; resampled to 16 kHz) → fused result; `transcript` adds the words. */
  analyzeAudio(audio: AudioInput, options: { speaker?: string; transcript?: string } = {}): Promise<EmotionResult> {
    try {
      if (audio === undefined) throw new InputError('audio', 'is missing: give an AudioBuffer or { pcm, sampleRate }');
      const o = checkOptions<{ speaker: string; transcript: string }>(options, ['speaker', 'transcript']);
      if (o.transcript !== undefined) checkText(o.transcript, 'options.transcript');
      return this.analyzeTurn({ audio, text: o.transcript, speaker: o.speaker });
    } catch (error) { return Promise.reject(error); }
  }

  /**
   * One turn from whatever it has (text, audio, frames) → the fused result, added to the conversation. Calls run
   * one after another in call order: each turn's context is the turns before it.
   */
  analyzeTurn(input: TurnInput): Promise<EmotionResult> {
    // Checked now, in the caller's order; a refused turn never reaches the conversation.
    let checked: CheckedTurn;
    try { this.alive(); checked = checkTurn(input); } catch (error) { return Promise.reject(error); }
    const run = this.turnChain.then(() => this.runTurn(checked));
    this.turnChain = run.then(() => undefined, () => undefined);
    return run;
  }

  private turnChain: Promise<void> = Promise.resolve();

  private async runTurn(input: CheckedTurn): Promise<EmotionResult> {
    this.alive();
    const { text, pcm16k } = input;
    if (text) this.enabled('text');
    if (pcm16k) this.enabled('audio');
    if (input.frames.length) this.enabled('face');
    const speaker = input.speaker ?? this.config.speaker;
    const endMs = performance.now();
    const crops = await Promise.all(input.frames.map((f, i) => this.withFrame(f, `frames[${i}]`, (tracker, bitmap) => tracker.detect(bitmap))));
    // The frames are the turn's (the caller chose them): every face found counts, averaged by the engine.
    const faceCrops = crops.filter((c) => c.crop).map((c) => c.crop!);
    if (!text && !pcm16k && !faceCrops.length) throw new Error('No face was found in the frames, and the turn has no text or audio');
    const durationMs = pcm16k ? (pcm16k.length / 16) : 0;
    const { result } = await this.engine.fuseTurn({ speaker, text, pcm16k, faceCrops: faceCrops.length ? faceCrops : undefined, startMs: endMs - durationMs, endMs });
    return this.smoothTurn(result);
  }

  private smoothTurn(result: TurnResult): EmotionResult {
    return smoothed(this.turnSmoother, result);
  }

  /** The face detector's Worker, started on first use; a failed start is not kept, so the next call retries. */
  private faceTracker(): Promise<FaceTracker> {
    this.tracker ??= FaceTracker.create(this.config.vendorBaseUrl, (status) => {
      this.notify(workerNotice(status));
      if (status.type === 'restarted' && this.faceWorker) void this.linkFaceToEngine(this.faceWorker);
    }).then(async (tracker) => {
      this.faceWorker = tracker;
      await this.linkFaceToEngine(tracker);
      return tracker;
    }).catch((error: unknown) => { this.tracker = undefined; throw error; });
    return this.tracker;
  }

  /**
   * Runs `use` on a copy of `source` in the face Worker (the caller's frame or bitmap is never closed or transferred
   * away; the worker closes the copy). A Worker that died with the frame in it is tried once more after its restart.
   */
  private async withFrame<T>(source: FrameSource, argument: string, use: (tracker: FaceTracker, bitmap: ImageBitmap) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const bitmap = await createImageBitmap(source as ImageBitmapSource).catch((error: unknown) => {
        throw new InputError(argument, `could not be read as an image (${(error as Error).message})`);
      });
      let tracker: FaceTracker;
      try { tracker = await this.faceTracker(); } catch (error) { bitmap.close(); throw error; }
      try {
        return await use(tracker, bitmap);
      } catch (error) {
        if (attempt === 0 && error instanceof WorkerError && error.kind === 'died' && error.worker === 'face worker') continue;
        throw error;
      }
    }
  }

  /**
   * Starts the face detector's Worker now (it otherwise starts with the first frame), so the first frame is fast;
   * resolves with its tfjs backend ('wasm', or 'cpu' where WASM cannot run).
   */
  async prepareFaces(): Promise<string> {
    this.alive(); this.enabled('face');
    return (await this.faceTracker()).backend;
  }

  /**
   * A recorded video or audio file, analysed offline as a new conversation (the current one is reset first): the
   * soundtrack's voice turns, each with the faces seen during it, or fixed-length turns of faces when nobody speaks.
   */
  async analyzeFile(file: Blob, options: FileOptions = {}): Promise<FileAnalysis & { turns: EmotionResult[] }> {
    this.alive();
    if (typeof Blob === 'undefined' || !(file instanceof Blob)) throw new InputError('file', 'must be a File or Blob');
    const o = checkOptions<FileOptions>(options, ['speaker', 'framesPerSecond', 'faceWindow', 'vad', 'onProgress', 'onTurn', 'signal'], 'options');
    if (o.vad !== undefined && o.vad !== 'silero' && o.vad !== 'energy') throw new InputError('options.vad', `must be 'silero' or 'energy', got ${String(o.vad)}`);
    const speaker = checkSpeaker(o.speaker) ?? this.config.speaker;
    await this.reset();
    const isAudio = file.type.startsWith('audio/');
    const tracker = this.config.modalities.face && !isAudio ? await this.faceTracker() : undefined;
    const turns: EmotionResult[] = [];
    const analysis = await analyzeMediaFile(file, {
      recognizer: this.engine, tracker, speaker, framesPerSecond: o.framesPerSecond, faceWindow: o.faceWindow, vad: o.vad, signal: o.signal,
      onProgress: o.onProgress,
      onTurn: (t) => { const r = this.smoothTurn(t); turns.push(r); o.onTurn?.(r); },
    });
    return { ...analysis, turns };
  }

  /** The face in one image: box, expression probabilities (smoothed over calls when smoothing > 0). */
  async analyzeFrame(source: FrameSource): Promise<FrameEmotion> {
    this.alive(); this.enabled('face');
    checkFrame(source);
    const { observation, faces } = await this.withFrame(source, 'source', (tracker, bitmap) => tracker.detectFaces(bitmap, this.engine));
    const base = { box: observation.box, width: observation.width, height: observation.height, timestamp: Date.now() };
    if (!faces.length) return { ...base, face: false, faces: [], timings: { detectMs: observation.ms } };
    // Successive images need not show the same people: only the largest face is smoothed over calls.
    const emotions = faces.map(({ box, face }, i): FaceEmotion => {
      const raw = toProbabilities(face.probs);
      const probabilities = i === 0 ? this.faceSmoother.next(raw) : raw;
      return { box, ...argmax(probabilities), probabilities, raw };
    });
    const { box: _, ...main } = emotions[0];
    return { ...base, face: true, ...main, faces: emotions, timings: { detectMs: observation.ms, faceMs: faces[0].face.ms } };
  }

  /**
   * Reads a camera/microphone stream (tracks of disabled modalities are ignored): a `frame` event per analysed
   * video frame, a `turn` event per spoken turn (voice activity), `notice` for silence and other conditions.
   * The caller owns the stream and stops its tracks.
   */
  async startSession(stream: MediaStream, options: SessionOptions = {}): Promise<EmoLensSession> {
    this.alive();
    if (typeof MediaStream === 'undefined' || !(stream instanceof MediaStream)) throw new InputError('stream', `must be a MediaStream (from getUserMedia), got ${stream === null ? 'null' : typeof stream}`);
    checkSessionOptions(options);
    const m = this.config.modalities;
    // The microphone serves audio, and text only through a speech-to-text adapter.
    const wanted = stream.getTracks().filter((t) => (t.kind === 'video' ? m.face : m.audio || (m.text && !!options.stt)));
    const tracks = wanted.filter((t) => t.readyState === 'live');
    if (!tracks.length) {
      throw new InputError('stream', wanted.length
        ? 'its tracks have ended (the camera or microphone was stopped or unplugged): open the devices again'
        : `has no track this recognizer reads (enabled: ${Object.entries(m).filter(([, on]) => on).map(([k]) => k).join(', ')})`);
    }
    const session = new EmoLensSession(this, options);
    this.sessions.add(session);
    session.onStopped = () => this.sessions.delete(session);
    try {
      await session.begin(new MediaStream(tracks), m.text ? options.stt : undefined, m.face ? await this.faceTracker() : undefined);
    } catch (error) {
      await session.stop();
      throw error;
    }
    if (this.disposed) { await session.stop(); throw new Error('This recognizer was disposed'); }
    return session;
  }

  /** @internal used by EmoLensSession: the engine and the current options (read at each turn). */
  get sessionParts(): { engine: TurnEngine; options: () => EmoLensConfig } {
    return { engine: this.engine, options: () => this.config };
  }

  /** @internal */
  assertEnabled(m: Modality): void { this.enabled(m); }

  private readonly noticeListeners = new Set<(notice: Notice) => void>();

  /**
   * Conditions outside any one call: a Worker that died and was restarted (`code` 'worker-died', 'worker-restarted',
   * 'worker-failed'). Running sessions also emit them as their own `notice` events. Returns the unsubscribe function.
   */
  on(event: 'notice', listener: (notice: Notice) => void): () => void {
    if (event !== 'notice') throw new InputError('event', `unknown recognizer event "${String(event)}" (known: notice)`);
    if (typeof listener !== 'function') throw new InputError('listener', 'must be a function');
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  private notify(notice: Notice): void {
    for (const l of this.noticeListeners) l(notice);
    for (const s of this.sessions) s.notify(notice);
  }

  /** Starts a new conversation: no context from earlier turns, smoothing restarted. */
  async reset(): Promise<void> {
    this.alive();
    await this.engine.reset();
    this.turnSmoother.reset(); this.faceSmoother.reset();
  }

  /** tfjs tensors alive in the engine (for leak checks: it stays flat across frames and turns). */
  async tensors(): Promise<number> { return this.engine.tensors(); }

  /** Stops every session, frees every model and ends the workers. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all([...this.sessions].map((s) => s.stop()));
    const tracker = await this.tracker?.catch(() => undefined);
    await Promise.all([tracker?.dispose(), this.engine.dispose()]);
  }
}

export interface SessionOptions {
  /** Transcripts for voice turns. Default: none (typed turns only, via addTypedTurn). */
  stt?: SpeechToText;
  /** Who is speaking now, read at each turn. Default: the recognizer's `speaker` option. */
  speaker?: () => string;
  /** Seconds of silence before a notice. Default 8. */
  silenceNoticeS?: number;
  /** Which faces belong to a spoken turn: those seen from `beforeMs` before it to `afterMs` after it. Default 500 / 100. */
  faceWindow?: FaceWindow;
  /** How video frames are read: 'webcodecs' where the browser has it (default), or 'video-element' (a <video> and
   *  requestVideoFrameCallback, as in browsers without MediaStreamTrackProcessor). */
  capture?: 'webcodecs' | 'video-element';
  /**
   * What cuts the microphone into turns: 'silero' (default: Silero VAD in the inference Worker, which tells a voice
   * from music and typing) or 'energy' (a loudness threshold, no model). If Silero cannot run, the session uses
   * the energy VAD and says so with a 'vad-fallback' notice.
   */
  vad?: 'silero' | 'energy';
}

/** File mode's options (see FileAnalysisOptions): who speaks, how often a video is sampled, the face window, progress, and each turn as it is fused. */
export type FileOptions = Pick<FileAnalysisOptions, 'speaker' | 'framesPerSecond' | 'faceWindow' | 'vad' | 'onProgress' | 'signal'> & { onTurn?: (turn: EmotionResult) => void };

type SessionEvents = { frame: FrameEmotion; turn: EmotionResult; notice: Notice; end: SessionEnd };

/** Frame results a session keeps for export (several faces at ~6 frames a second: hours of them). */
const MAX_EXPORTED_FRAMES = 100_000;

/** A running stream analysis; create it with `recognizer.startSession(stream)`. */
export class EmoLensSession {
  private live?: LiveSession;
  private readonly listeners: { [K in keyof SessionEvents]: ((v: SessionEvents[K]) => void)[] } = { frame: [], turn: [], notice: [], end: [] };
  /** @internal */
  onStopped?: () => void;

  /** @internal */
  constructor(private readonly owner: EmoLensRecognizer, private readonly options: SessionOptions) {}

  on<K extends keyof SessionEvents>(event: K, listener: (value: SessionEvents[K]) => void): () => void {
    if (!Object.hasOwn(this.listeners, event)) throw new InputError('event', `unknown session event "${String(event)}" (known: ${Object.keys(this.listeners).join(', ')})`);
    if (typeof listener !== 'function') throw new InputError('listener', 'must be a function');
    this.listeners[event].push(listener);
    // Notices from the session's start (e.g. "no microphone") came before anyone could listen: the first notice
    // listener hears them, soon after it subscribes.
    if (event === 'notice' && this.earlyNotices.length) {
      const early = this.earlyNotices.splice(0);
      queueMicrotask(() => early.forEach((n) => (listener as (n: Notice) => void)(n)));
    }
    return () => { this.listeners[event] = this.listeners[event].filter((l) => l !== listener) as never; };
  }

  private readonly earlyNotices: Notice[] = [];

  private emit<K extends keyof SessionEvents>(event: K, value: SessionEvents[K]): void {
    if (event === 'notice' && !this.listeners.notice.length && this.earlyNotices.length < 20) this.earlyNotices.push(value as Notice);
    for (const l of this.listeners[event]) l(value);
  }

  /** @internal a recognizer-wide notice (e.g. a Worker restarted) reaches the running session's listeners too. */
  notify(notice: Notice): void { if (this.live) this.emit('notice', notice); }

  /** @internal */
  async begin(stream: MediaStream, stt: SpeechToText | undefined, tracker: FaceTracker | undefined): Promise<void> {
    const { engine, options } = this.owner.sessionParts;
    // This session's own smoothing state: two sessions (two people) never mix.
    const turnSmoother = new ProbabilitySmoother(options().smoothing), faceSmoothers = new Map<number, ProbabilitySmoother>();
    this.live = await LiveSession.start({
      recognizer: engine, tracker: tracker!, stream: tracker ? stream : new MediaStream(stream.getAudioTracks()), stt, silenceNoticeS: this.options.silenceNoticeS, faceWindow: this.options.faceWindow,
      forceCaptureFallback: this.options.capture === 'video-element', vad: this.options.vad,
      speaker: () => this.options.speaker?.() || options().speaker,
      modalities: () => options().modalities,
      speakerTrack: () => this.speakerTrack,
    }, (live) => {
      // Listeners before the session starts, so its first notices are not lost.
      live.on('turn', (r) => {
        turnSmoother.setFactor(options().smoothing);
        const result = smoothed(turnSmoother, r);
        this.turns.push(result);
        this.emit('turn', result);
      });
      live.on('notice', (n) => this.emit('notice', n));
      // Every track ended: the session has stopped itself; tell the caller, then let go of it.
      live.on('end', (e) => { this.live = undefined; this.onStopped?.(); this.emit('end', e); });
      live.on('frame', (f) => {
        const { observation: o } = f;
        const base = { box: o.box, width: o.width, height: o.height, timestamp: Date.now() };
        if (!f.faces.length) { this.emit('frame', { ...base, face: false, faces: [], timings: { detectMs: o.ms } }); return; }
        // One smoother per followed face, forgotten when its track ends.
        for (const id of faceSmoothers.keys()) if (!live.faceTrackIds.includes(id)) faceSmoothers.delete(id);
        const faces = f.faces.map(({ trackId, box, probabilities: raw }): FaceEmotion => {
          const smoother = faceSmoothers.get(trackId) ?? new ProbabilitySmoother(options().smoothing);
          faceSmoothers.set(trackId, smoother);
          smoother.setFactor(options().smoothing);
          const probabilities = smoother.next(raw);
          return { trackId, box, ...argmax(probabilities), probabilities, raw };
        });
        const { box: _, trackId: __, ...main } = faces[0];
        for (const face of faces) this.frames.push({ trackId: face.trackId, timestamp: base.timestamp, label: face.label, confidence: face.confidence, probabilities: face.probabilities, box: face.box });
        if (this.frames.length > MAX_EXPORTED_FRAMES) this.frames.splice(0, this.frames.length - MAX_EXPORTED_FRAMES);
        this.emit('frame', { ...base, face: true, ...main, faces, timings: { detectMs: o.ms, faceMs: f.faceMs } });
      });
    });
  }

  /**
   * Whose face the turns take: the face with this track id (from the frame events' `faces`), while it is in view;
   * null: the largest face of each turn (the default).
   */
  setSpeakerFace(trackId: number | null): void {
    if (trackId !== null && !(Number.isInteger(trackId) && trackId > 0)) throw new InputError('trackId', `must be a track id from a frame event's faces (a positive integer) or null, got ${JSON.stringify(trackId)}`);
    this.speakerTrack = trackId ?? undefined;
  }

  private speakerTrack?: number;
  private readonly turns: EmotionResult[] = [];
  private readonly frames: SessionFrame[] = [];

  /**
   * The session as data (schema `emolens-session` v1, src/session/export.ts): every turn, and with `frames` every
   * face of every analysed frame (the latest 100,000), as JSON or CSV. Nothing is stored anywhere else.
   */
  export(format: 'json' | 'csv' = 'json', options: { frames?: boolean } = {}): string {
    if (format !== 'json' && format !== 'csv') throw new InputError('format', `must be 'json' or 'csv', got ${JSON.stringify(format)}`);
    const frames = options.frames ? this.frames : undefined;
    return format === 'json' ? sessionToJson(this.turns, frames) : sessionToCsv(this.turns, frames);
  }

  /** Forgets every result this session holds (its turns and frames); it goes on running. */
  forget(): void { this.turns.length = 0; this.frames.length = 0; }

  /** Which capture path the camera uses ('webcodecs' or 'video-element'), if it reads video. */
  get capturePath(): string | undefined { return this.live?.capturePath; }

  /** Which VAD cuts the microphone into turns ('silero', or 'energy' when asked for or after a fallback). */
  get vad(): 'silero' | 'energy' | undefined { return this.live?.vad; }

  /** Whether the session is reading its stream (false once stopped or ended). */
  get running(): boolean { return !!this.live?.running; }

  /** Video frames handed to the face path so far (the rest were dropped to keep up). */
  get framesDelivered(): number { return this.live?.framesDelivered ?? 0; }

  /** A turn from typed text (and the faces of the last few seconds), now. */
  addTypedTurn(text: string): void {
    const checked = checkText(text);
    this.owner.assertEnabled('text');
    if (!this.live) throw new Error('This session was stopped');
    this.live.addTypedTurn(checked);
  }

  /** Stops reading the stream; a turn still being spoken is analysed first. The caller stops the tracks. */
  async stop(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    await live?.dispose();
    this.onStopped?.();
  }
}

/** Loads the models and returns a recognizer. Every option is optional; see EmoLensConfig for the defaults. */
export function createRecognizer(options: EmoLensOptions = {}): Promise<EmoLensRecognizer> {
  return EmoLensRecognizer.create(options);
}
