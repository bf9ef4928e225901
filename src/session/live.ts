/**
 * A live session over one MediaStream: video frames → face worker (box + 48×48 crop) → face encoder, emitted per
 * frame; microphone → AudioWorklet → voice-activity turns → audio encoder (+ a transcript from the speech-to-text
 * adapter or the caller's typed text) + the faces seen during the turn → fused with the conversation so far,
 * emitted per turn. The demo page, the library (src/index.ts) and the widget drive it; it owns no DOM.
 *
 * Turns are processed one at a time, in order, so the conversation context stays causal. Every VideoFrame is
 * closed by the camera reader; `stop()` analyses a turn still being spoken instead of dropping it.
 */
import type { TurnEngine } from '../session/results.ts';
import { startCameraReader, type CameraFrame, type CameraReader } from '../video/camera.ts';
import type { FaceObservation, FaceTracker } from '../video/face-tracker.ts';
import type { FaceBox } from '../video/face-crop.ts';
import { MAX_FACES_PER_FRAME } from '../video/face-worker-protocol.ts';
import { FaceTracks } from '../video/face-tracks.ts';
import { VoiceTurns, type VadChoice } from './voice-turns.ts';
import { SpeechToTextError, TypedTextOnly, type SpeechToText } from '../stt/speech-to-text.ts';
import type { Probabilities, TurnResult } from './results.ts';
import { checkText } from '../validate.ts';
import { DEFAULT_FACE_WINDOW, DEFAULT_SPEAKER, TYPED_TURN_SPAN_MS, facesInTurn, meanFace, speakerFaces, toProbabilities, type FaceWindow, type SeenFace } from './turn.ts';

/** One followed face of a frame. */
export interface TrackedFace {
  /** Stays the same while the person stays in view (FaceTracks); a face that comes back after a while gets a new one. */
  trackId: number;
  box: FaceBox;
  probabilities: Probabilities;
  /** Face encoder time for this face (ms). */
  ms: number;
}

export interface FrameResult {
  /** performance.now() when the frame was taken. */
  capturedAt: number;
  observation: FaceObservation;
  /** The largest face's expression probabilities, when a face was found. */
  face?: Probabilities;
  /** Face encoder time for this frame (ms), when a face was found. */
  faceMs?: number;
  /** Every face of the frame (largest first) with its track id. */
  faces: TrackedFace[];
}

/**
 * Something the user should know that is not a result. `code` tells machines what happened: 'silence',
 * 'camera-ended', 'microphone-ended', 'session-ended', 'worker-died', 'worker-restarted', 'worker-failed',
 * 'face-failed', 'turn-failed', 'stt', 'no-microphone', 'empty-turn', 'vad-fallback'.
 */
export interface Notice { kind: 'info' | 'error'; text: string; code?: string }

export interface LiveSessionOptions {
  /** The models: an Engine in this thread or a RemoteEngine in a Worker. */
  recognizer: TurnEngine;
  tracker: FaceTracker;
  /** The camera/microphone stream; none = typed turns only (e.g. before the user presses Start). */
  stream?: MediaStream;
  /** Who is speaking now (read at each turn). Default DEFAULT_SPEAKER ('Me'). */
  speaker?: () => string;
  /** Typed text for the turn being built, if any (read and cleared by the caller's function). */
  takeTypedText?: () => string | undefined;
  /** Transcript source for voice turns without typed text. Default: none (typed text only). */
  stt?: SpeechToText;
  /** Use the <video> + requestVideoFrameCallback path instead of WebCodecs. */
  forceCaptureFallback?: boolean;
  /** Seconds of microphone silence before a notice. Default 8. */
  silenceNoticeS?: number;
  /** Which faces belong to a turn. Default DEFAULT_FACE_WINDOW (from 500 ms before it to 100 ms after it). */
  faceWindow?: FaceWindow;
  /** What cuts the microphone into turns: 'silero' (default; the energy VAD if it cannot run) or 'energy'. */
  vad?: VadChoice;
  /** Which modalities may enter a turn, read at each turn (e.g. the library's options). Default: all. */
  modalities?: () => Record<'text' | 'audio' | 'face', boolean>;
  /**
   * The track id of the speaker's face, read at each turn: the turn's face comes from that track. None, or a track
   * not seen during the turn: the largest face of the turn.
   */
  speakerTrack?: () => number | undefined;
}

/** Why a session ended by itself: every track it read has ended. */
export interface SessionEnd { reason: string }

interface Listeners { frame: ((f: FrameResult) => void)[]; turn: ((t: TurnResult) => void)[]; notice: ((n: Notice) => void)[]; end: ((e: SessionEnd) => void)[] }

export class LiveSession {
  private camera?: CameraReader;
  private mic?: { stop(): Promise<void> };
  private segmenter?: VoiceTurns;
  private micStart = 0;
  /** Face embeddings seen since the last turn, with their time (performance.now()) and track. */
  private recentFaces: SeenFace[] = [];
  private readonly faceTracks = new FaceTracks();
  private queue = Promise.resolve();
  private readonly listeners: Listeners = { frame: [], turn: [], notice: [], end: [] };
  private trackPoll?: ReturnType<typeof setInterval>;
  private readonly endedTracks = new Set<MediaStreamTrack>();
  private readonly stt: SpeechToText;
  running = false;
  /** Frames whose face was embedded (the face path is alive). */
  facesSeen = 0;

  private constructor(private readonly o: LiveSessionOptions) {
    this.stt = o.stt ?? new TypedTextOnly();
  }

  on<K extends keyof Listeners>(event: K, listener: Listeners[K][number]): void {
    (this.listeners[event] as Listeners[K][number][]).push(listener);
  }

  private emit<K extends keyof Listeners>(event: K, value: Parameters<Listeners[K][number]>[0]): void {
    for (const l of this.listeners[event]) (l as (v: typeof value) => void)(value);
  }

  /**
   * Starts reading the stream's video and audio tracks (whichever it has). `setup` runs before anything starts, so
   * listeners it adds see the first notices. If starting fails, whatever had started is stopped again.
   */
  static async start(options: LiveSessionOptions, setup?: (session: LiveSession) => void): Promise<LiveSession> {
    const session = new LiveSession(options);
    setup?.(session);
    try {
      await session.begin();
    } catch (error) {
      await session.dispose().catch(() => {});
      throw error;
    }
    return session;
  }

  get capturePath(): string | undefined { return this.camera?.path; }
  /** The faces followed now (their track ids). */
  get faceTrackIds(): number[] { return this.faceTracks.ids; }
  get framesDelivered(): number { return this.camera?.stats.delivered ?? 0; }

  private async begin(): Promise<void> {
    const { stream } = this.o;
    if (!stream) return;
    await this.stt.start(stream).catch((error: unknown) => this.emit('notice', { kind: 'error', code: 'stt', text: `Speech-to-text: ${(error as Error).message}` }));
    if (stream.getVideoTracks().length) {
      this.camera = await startCameraReader(stream, (frame, capturedAt) => this.onFrame(frame, capturedAt), { forceFallback: this.o.forceCaptureFallback });
    }
    if (stream.getAudioTracks().length) {
      const turns = new VoiceTurns(this.o.recognizer, this.o.vad ?? 'silero', (reason) => this.emit('notice', {
        kind: 'info', code: 'vad-fallback', text: `Voice activity: Silero could not run (${reason}); turns are cut by loudness now, so music or typing may make turns.`,
      }));
      this.segmenter = turns;
      this.micStart = performance.now();
      let silentSince = performance.now();
      const silenceMs = (this.o.silenceNoticeS ?? 8) * 1000;
      // Loaded when a microphone is read: its AudioWorklet URL is a bundler asset, and importing this module must
      // also work where there is none (Node, unit tests).
      const { startMicrophone } = await import('../audio/microphone.ts');
      this.mic = await startMicrophone(stream, (chunk) => {
        void turns.push(chunk).then((done) => { for (const turn of done) this.queueTurn(turn.pcm, this.micStart + turn.startSample / 16, this.micStart + turn.endSample / 16); });
        let peak = 0; for (const v of chunk) peak = Math.max(peak, Math.abs(v));
        if (peak > 0.01) silentSince = performance.now();
        else if (performance.now() - silentSince > silenceMs) {
          this.emit('notice', { kind: 'info', code: 'silence', text: `The microphone has been silent for ${silenceMs / 1000} s: check that it is not muted.` });
          silentSince = performance.now();
        }
      });
    } else {
      this.emit('notice', { kind: 'info', code: 'no-microphone', text: 'No microphone: turns come from the text box and the camera only.' });
    }
    this.watchTracks(stream);
    this.running = true;
  }

  /**
   * A track can end while the session runs (camera unplugged, permission revoked, another app took the device, or
   * the page stopped it). The `ended` event fires only when the browser ends a track, not for `track.stop()`, so
   * the tracks' state is also polled once a second.
   */
  private watchTracks(stream: MediaStream): void {
    for (const track of stream.getTracks()) track.addEventListener('ended', () => { void this.onTrackEnded(stream, track); });
    this.trackPoll = setInterval(() => {
      for (const track of stream.getTracks()) if (track.readyState === 'ended') void this.onTrackEnded(stream, track);
    }, 1000);
  }

  /** Goes on with the tracks still live; with none left, stops and emits `end`. */
  private async onTrackEnded(stream: MediaStream, track: MediaStreamTrack): Promise<void> {
    if (this.stopped || this.endedTracks.has(track)) return;
    this.endedTracks.add(track);
    const left = stream.getTracks().filter((t) => t.readyState === 'live');
    if (track.kind === 'video') {
      const camera = this.camera; this.camera = undefined;
      await camera?.stop();
      this.emit('notice', { kind: 'error', code: 'camera-ended', text: `The camera stopped (unplugged, its permission revoked, or taken by another app)${left.length ? ': going on without the face.' : '.'}` });
    } else {
      const mic = this.mic; this.mic = undefined;
      await mic?.stop();
      // What was being said when the microphone went is still a turn.
      await this.flushSpokenTurn();
      this.emit('notice', { kind: 'error', code: 'microphone-ended', text: `The microphone stopped (unplugged, its permission revoked, or taken by another app)${left.length ? ': going on with the camera and typed text.' : '.'}` });
    }
    if (!left.length && !this.stopped) {
      const reason = 'every camera and microphone track has ended';
      this.emit('notice', { kind: 'info', code: 'session-ended', text: 'The live session ended: no camera or microphone is left. Press Start to open them again.' });
      await this.stop();
      this.emit('end', { reason });
    }
  }

  /** `capturedAt`: when the frame was taken (performance clock), so a face is matched to the turn it was seen in. */
  private onFrame(frame: CameraFrame, capturedAt: number): Promise<void> {
    // Remembered so stop() can wait for the frame in flight; nothing is emitted once stop() has begun.
    this.frameWork = this.analyseFrame(frame, capturedAt);
    return this.frameWork;
  }

  private frameWork: Promise<void> = Promise.resolve();

  private async analyseFrame(frame: CameraFrame, capturedAt: number): Promise<void> {
    if (this.stopped) { frame.close(); return; }
    try {
      const { observation, faces } = await this.o.tracker.detectFaces(frame, this.o.recognizer);
      if (this.stopped) return;
      this.lastFrameError = undefined;
      const ids = this.faceTracks.update(faces.map((f) => f.box), capturedAt, faces.map((f) => f.face.embedding));
      if (!faces.length) { this.emit('frame', { capturedAt, observation, faces: [] }); return; }
      faces.forEach(({ box, face }, i) => this.recentFaces.push({ t: capturedAt, embedding: face.embedding, ms: face.ms, quality: face.quality, trackId: ids[i], area: box.width * box.height }));
      // A few seconds of every face at 10 fps: enough for the longest turn's face window.
      while (this.recentFaces.length > 200 * MAX_FACES_PER_FRAME) this.recentFaces.shift();
      this.facesSeen++;
      const tracked = faces.map(({ box, face }, i) => ({ trackId: ids[i], box, probabilities: toProbabilities(face.probs), ms: face.ms }));
      this.emit('frame', { capturedAt, observation, face: tracked[0].probabilities, faceMs: tracked[0].ms, faces: tracked });
    } catch (error) {
      // A face path failure must be seen, not only logged: report it once per kind of failure.
      const text = `Face analysis failed: ${(error as Error).message}`;
      if (text !== this.lastFrameError) { this.lastFrameError = text; this.emit('notice', { kind: 'error', code: 'face-failed', text }); }
    }
  }

  private lastFrameError?: string;

  /** The mean face of the turn [startMs, endMs] (performance clock, widened by the face window); faces up to its end are used up. */
  private facesOfTurn(startMs: number, endMs: number): { embedding?: Float32Array; ms?: number; quality?: Float32Array } {
    const window = this.o.faceWindow ?? DEFAULT_FACE_WINDOW;
    const inTurn = speakerFaces(facesInTurn(this.recentFaces, startMs, endMs, window), this.o.speakerTrack?.());
    this.recentFaces = this.recentFaces.filter((f) => f.t > endMs + window.afterMs);
    return meanFace(inTurn);
  }

  /**
   * A turn from typed text (no audio), with the faces of the last `spanMs`. `text` given: that text; none: the
   * caller's `takeTypedText()` (the demo's text box).
   */
  addTypedTurn(text?: string, spanMs = TYPED_TURN_SPAN_MS): void {
    if (this.stopped) throw new Error('This session was stopped');
    // Checked now, so the caller hears at once (an InputError naming `text`) and nothing is queued.
    const checked = text === undefined ? undefined : checkText(text);
    const now = performance.now();
    this.queueTurn(undefined, now - spanMs, now, checked);
  }

  private stopped = false;

  /** Builds one turn from whatever is present (audio segment, faces in its time span, text) and fuses it. */
  private queueTurn(audio: Float32Array | undefined, startMs: number, endMs: number, typed?: string): void {
    const { recognizer } = this.o;
    this.queue = this.queue.then(async () => {
      const allowed = this.o.modalities?.() ?? { text: true, audio: true, face: true };
      // Typed text wins; otherwise a voice turn asks the speech-to-text adapter (typed mode gives none).
      let transcript = typed ?? this.o.takeTypedText?.();
      if (!transcript && audio && allowed.text) {
        transcript = await this.stt.transcribe({ pcm16k: audio, startMs, endMs }).catch((error: unknown) => {
          this.emit('notice', { kind: error instanceof SpeechToTextError && error.recoverable ? 'info' : 'error', code: 'stt', text: `Speech-to-text: ${(error as Error).message}` });
          return undefined;
        });
      }
      if (!allowed.text) transcript = undefined;
      const speaker = this.o.speaker?.() || DEFAULT_SPEAKER;
      const seen = this.facesOfTurn(startMs, endMs);
      const face = allowed.face ? seen : {};
      const pcm16k = allowed.audio ? audio : undefined;
      if (!transcript && !pcm16k && !face.embedding) { this.emit('notice', { kind: 'info', code: 'empty-turn', text: 'Nothing to analyse: no speech, no face and no text in this turn.' }); return; }
      const { result } = await recognizer.fuseTurn({ speaker, text: transcript, pcm16k, face: face.embedding, faceQuality: face.quality, faceMs: face.ms, startMs, endMs });
      this.emit('turn', result);
    }).catch((error: unknown) => { this.emit('notice', { kind: 'error', code: 'turn-failed', text: `Turn failed: ${(error as Error).message}` }); });
  }

  /** Queues the turn the voice-activity segmenter still holds (speech cut off by a stop or a lost microphone). */
  private async flushSpokenTurn(): Promise<void> {
    const segmenter = this.segmenter;
    this.segmenter = undefined;
    for (const turn of (await segmenter?.flush()) ?? []) this.queueTurn(turn.pcm, this.micStart + turn.startSample / 16, this.micStart + turn.endSample / 16);
  }

  /** Which VAD cuts the microphone into turns now ('silero', or 'energy' after a fallback); none without a microphone. */
  get vad(): VadChoice | undefined { return this.segmenter?.kind; }

  /** Stops reading (the caller stops the tracks first so the camera light goes off at once); pending turns finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.trackPoll);
    this.stt.stop();
    await this.camera?.stop(); this.camera = undefined;
    await this.frameWork;
    await this.mic?.stop(); this.mic = undefined;
    // A turn still being spoken when Stop is pressed is analysed, not dropped.
    await this.flushSpokenTurn();
    this.running = false;
    await this.queue;
  }

  async dispose(): Promise<void> {
    await this.stop();
    await this.stt.dispose();
  }
}
