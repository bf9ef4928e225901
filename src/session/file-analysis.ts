/**
 * File mode: a recorded video or audio file analysed offline, turn by turn, as fast as the machine allows (no
 * real-time playback). The soundtrack is decoded at once (WebAudio decodeAudioData), resampled to 16 kHz by the
 * shared resampler and cut into turns by the same voice-activity segmenter as the microphone; video frames are
 * taken by seeking a muted <video> and wrapping each position in a WebCodecs VideoFrame, which goes through the
 * same face worker and encoder as live frames. Each turn is fused with the faces seen during it.
 */
import { downmix, resampleTo16k } from '../audio/features.ts';
import { VoiceTurns, type VadChoice } from './voice-turns.ts';
import type { FaceTracker } from '../video/face-tracker.ts';
import { DEFAULT_FACE_WINDOW, DEFAULT_SPEAKER, facesInTurn, meanFace, type FaceWindow } from './turn.ts';
import type { TurnEngine, TurnResult } from './results.ts';

export interface FileAnalysisOptions {
  recognizer: TurnEngine;
  /** Needed for video files; audio files never use it. */
  tracker?: FaceTracker;
  speaker?: string;
  /** Video frames analysed per second of the file. Default 2. */
  framesPerSecond?: number;
  /** A file without speech (or without a soundtrack) is cut into turns this long. Default 4 s. */
  silentTurnS?: number;
  /** Which faces belong to a turn (file time). Default DEFAULT_FACE_WINDOW, as in live sessions. */
  faceWindow?: FaceWindow;
  /** What cuts the soundtrack into turns: 'silero' (default; energy if it cannot run) or 'energy', as in live sessions. */
  vad?: VadChoice;
  /** Called with a fraction in [0, 1] and what is being done. */
  onProgress?: (fraction: number, stage: string) => void;
  /** Each turn as soon as it is fused. */
  onTurn?: (turn: TurnResult) => void;
  signal?: AbortSignal;
}

export interface FileAnalysis {
  turns: TurnResult[];
  durationS: number;
  hasAudio: boolean;
  hasVideo: boolean;
  framesAnalysed: number;
  framesWithFace: number;
  /** Which VAD cut the soundtrack into turns (none without one); `vadFallback`: why Silero was given up, if it was. */
  vad?: VadChoice;
  vadFallback?: string;
}

export class FileAnalysisError extends Error {
  constructor(message: string) { super(message); this.name = 'FileAnalysisError'; }
}

/** The soundtrack as 16 kHz mono, or undefined when the file has none (or the browser cannot decode it). */
async function decodeSoundtrack(file: Blob): Promise<Float32Array | undefined> {
  // An OfflineAudioContext decodes without a user gesture and without playing anything.
  const context = new OfflineAudioContext(1, 1, 16000);
  const decoded = await context.decodeAudioData(await file.arrayBuffer()).catch(() => undefined);
  if (!decoded || decoded.length === 0) return undefined;
  const channels = Array.from({ length: decoded.numberOfChannels }, (_, c) => decoded.getChannelData(c));
  return resampleTo16k(downmix(channels), decoded.sampleRate);
}

/** Resolves on `ok`, rejects on `fail` or after `timeoutMs` (a decoder that never answers must not hang the page). */
function once(target: EventTarget, ok: string, fail = 'error', timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => { clearTimeout(timer); target.removeEventListener(ok, done); target.removeEventListener(fail, bad); };
    const done = (): void => { cleanup(); resolve(); };
    const bad = (): void => { cleanup(); reject(new FileAnalysisError('The browser cannot play this video file')); };
    const timer = setTimeout(() => { cleanup(); reject(new FileAnalysisError(`The video did not answer within ${timeoutMs / 1000} s (${ok})`)); }, timeoutMs);
    target.addEventListener(ok, done); target.addEventListener(fail, bad);
  });
}

export async function analyzeMediaFile(file: Blob, options: FileAnalysisOptions): Promise<FileAnalysis> {
  const { recognizer, tracker, speaker = DEFAULT_SPEAKER, framesPerSecond = 2, silentTurnS = 4, faceWindow = DEFAULT_FACE_WINDOW, onProgress, onTurn, signal } = options;
  if (file.size === 0) throw new FileAnalysisError('The file is empty');
  const isVideo = file.type.startsWith('video/') || (!file.type && /\.(mp4|webm|mkv|mov)$/i.test((file as File).name ?? ''));
  const aborted = (): void => { if (signal?.aborted) throw new DOMException('File analysis was cancelled', 'AbortError'); };
  onProgress?.(0, 'Decoding the soundtrack');
  const pcm = await decodeSoundtrack(file);
  aborted();

  // Faces: seek through the video at framesPerSecond; each position becomes a VideoFrame for the face worker.
  const faces: { t: number; embedding: Float32Array; ms: number; quality?: Float32Array }[] = [];
  let durationS = pcm ? pcm.length / 16000 : 0, framesAnalysed = 0, hasVideo = false;
  if (isVideo) {
    if (!tracker) throw new FileAnalysisError('Video files need the face tracker');
    const video = document.createElement('video');
    video.muted = true; video.preload = 'auto';
    const url = URL.createObjectURL(file);
    try {
      video.src = url;
      await once(video, 'loadeddata');
      hasVideo = video.videoWidth > 0;
      if (Number.isFinite(video.duration)) durationS = Math.max(durationS, video.duration);
      // Some recordings (MediaRecorder WebM) carry no duration; without it there is nothing to seek through.
      if (hasVideo && !(durationS > 0)) throw new FileAnalysisError('The video does not say how long it is (re-save it with a duration, e.g. through ffmpeg)');
      const step = 1 / framesPerSecond, positions = hasVideo ? Math.max(1, Math.floor(durationS / step)) : 0;
      for (let k = 0; k < positions; k++) {
        aborted();
        const t = Math.min(k * step + step / 2, Math.max(0, durationS - 0.01));
        video.currentTime = t;
        await once(video, 'seeked');
        const frame = new VideoFrame(video, { timestamp: Math.round(t * 1e6) });
        const { face } = await tracker.detectFace(frame, recognizer); // the worker closes the frame
        framesAnalysed++;
        if (face) faces.push({ t: t * 1000, embedding: face.embedding, ms: face.ms, quality: face.quality });
        onProgress?.(0.1 + 0.6 * ((k + 1) / positions), `Reading faces: ${k + 1}/${positions} frames`);
      }
    } finally {
      video.removeAttribute('src'); video.load();
      URL.revokeObjectURL(url);
    }
  }
  if (!pcm && !hasVideo) throw new FileAnalysisError('Nothing to analyse: the file has neither a soundtrack nor video this browser can decode');

  // Turns: voice activity on the soundtrack; without speech, fixed windows so the faces still give turns.
  let spans: { startS: number; endS: number; pcm?: Float32Array }[] = [];
  let vadFallback: string | undefined, vad: VadChoice | undefined;
  if (pcm) {
    const segmenter = new VoiceTurns(recognizer, options.vad ?? 'silero', (reason) => { vadFallback = reason; });
    const turns = [];
    for (let i = 0; i < pcm.length; i += 16000) {
      aborted();
      turns.push(...(await segmenter.push(pcm.subarray(i, i + 16000))));
    }
    turns.push(...(await segmenter.flush()));
    vad = segmenter.kind;
    spans = turns.map((t) => ({ startS: t.startSample / 16000, endS: t.endSample / 16000, pcm: t.pcm }));
  }
  if (!spans.length) {
    for (let s = 0; s < durationS; s += silentTurnS) spans.push({ startS: s, endS: Math.min(durationS, s + silentTurnS) });
  }

  const turns: TurnResult[] = [];
  for (const [i, span] of spans.entries()) {
    aborted();
    const face = meanFace(facesInTurn(faces, span.startS * 1000, span.endS * 1000, faceWindow));
    if (!span.pcm && !face.embedding) continue;
    const { result } = await recognizer.fuseTurn({ speaker, pcm16k: span.pcm, face: face.embedding, faceQuality: face.quality, faceMs: face.ms, startMs: span.startS * 1000, endMs: span.endS * 1000 });
    turns.push(result);
    onTurn?.(result);
    onProgress?.(0.7 + 0.3 * ((i + 1) / spans.length), `Fusing turns: ${i + 1}/${spans.length}`);
  }
  onProgress?.(1, `Done: ${turns.length} turns`);
  return { turns, durationS, hasAudio: !!pcm, hasVideo, framesAnalysed, framesWithFace: faces.length, vad, ...(vadFallback ? { vadFallback } : {}) };
}
