/**
 * Input checks for every public entry point of the library. Bad input fails at once with an `InputError` that names
 * the argument, before anything is sent to a model, so a rejected turn never enters the conversation: one NaN
 * sample or a wrong type must not poison the turns after it. The limits are part of the API (docs/api.md).
 *
 * Pure TypeScript: no DOM access at import time (the frame checks look globals up when they run).
 */

/** What a single call accepts. A turn is one utterance of a conversation, not a document or a recording. */
export const LIMITS = Object.freeze({
  /** Characters of text in one turn. Longer text is refused (a turn is one utterance; split longer text). */
  textChars: 5000,
  /** Characters of a speaker name. */
  speakerChars: 200,
  /** Seconds of audio in one turn (at the input's own rate). */
  audioSeconds: 120,
  /** Sample rates an AudioBuffer can have (Web Audio's range). */
  minSampleRate: 3000,
  maxSampleRate: 768000,
  /** Audio channels (they are averaged). */
  audioChannels: 32,
  /** Frames given to one turn (their face embeddings are averaged). */
  framesPerTurn: 100,
  /** Pixels on the longer side of one analysed frame. */
  frameSide: 16384,
});

/** A call was given something it cannot analyse. `argument` names it (`text`, `audio.pcm[1]`, `frames[3]`, `stream`…). */
export class InputError extends Error {
  constructor(readonly argument: string, detail: string) {
    super(`${argument}: ${detail}`);
    this.name = 'InputError';
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return `a ${typeof value}`;
}

/** A turn's text: a string, not only whitespace, at most LIMITS.textChars characters. Returns it trimmed. */
export function checkText(value: unknown, argument = 'text'): string {
  if (typeof value !== 'string') throw new InputError(argument, `must be a string, got ${typeName(value)}`);
  const trimmed = value.trim();
  if (!trimmed) throw new InputError(argument, 'is empty: give what was said');
  if (trimmed.length > LIMITS.textChars) throw new InputError(argument, `is ${trimmed.length} characters; one turn takes at most ${LIMITS.textChars} (split longer text into turns)`);
  return trimmed;
}

/** An optional speaker name: undefined, or a non-empty string of at most LIMITS.speakerChars characters. */
export function checkSpeaker(value: unknown, argument = 'speaker'): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InputError(argument, `must be a string, got ${typeName(value)}`);
  const trimmed = value.trim();
  if (!trimmed) throw new InputError(argument, 'is empty: give a name or leave it out');
  if (trimmed.length > LIMITS.speakerChars) throw new InputError(argument, `is ${trimmed.length} characters; at most ${LIMITS.speakerChars}`);
  return trimmed;
}

/** Index of the first NaN or ±Infinity in `samples`, or -1. */
export function firstNonFinite(samples: ArrayLike<number>): number {
  for (let i = 0; i < samples.length; i++) if (!Number.isFinite(samples[i])) return i;
  return -1;
}

/**
 * The channels and rate of an AudioBuffer or `{ pcm, sampleRate }`, checked: a finite rate in Web Audio's range,
 * 1 to LIMITS.audioChannels Float32Array channels of one length, at most LIMITS.audioSeconds long, every sample finite.
 */
export function checkAudio(value: unknown, argument = 'audio'): { channels: Float32Array[]; sampleRate: number } {
  if (!value || typeof value !== 'object') throw new InputError(argument, `must be an AudioBuffer or { pcm, sampleRate }, got ${typeName(value)}`);
  const buffer = value as { getChannelData?: unknown; numberOfChannels?: number; pcm?: unknown; sampleRate?: unknown };
  let channels: unknown[];
  let pcmName: (c: number) => string;
  if (typeof buffer.getChannelData === 'function') {
    const b = value as AudioBuffer;
    channels = Array.from({ length: b.numberOfChannels }, (_, c) => b.getChannelData(c));
    pcmName = (c) => `${argument}.getChannelData(${c})`;
  } else if ('pcm' in buffer) {
    channels = Array.isArray(buffer.pcm) ? buffer.pcm : [buffer.pcm];
    pcmName = Array.isArray(buffer.pcm) ? (c) => `${argument}.pcm[${c}]` : () => `${argument}.pcm`;
  } else {
    throw new InputError(argument, 'must be an AudioBuffer or { pcm, sampleRate }: it has neither getChannelData nor pcm');
  }
  const rate = buffer.sampleRate;
  if (typeof rate !== 'number' || !Number.isFinite(rate)) throw new InputError(`${argument}.sampleRate`, `must be a finite number, got ${typeof rate === 'number' ? rate : typeName(rate)}`);
  if (rate < LIMITS.minSampleRate || rate > LIMITS.maxSampleRate) throw new InputError(`${argument}.sampleRate`, `is ${rate} Hz; it must be in [${LIMITS.minSampleRate}, ${LIMITS.maxSampleRate}]`);
  if (!channels.length) throw new InputError(pcmName(0), 'has no channels');
  if (channels.length > LIMITS.audioChannels) throw new InputError(`${argument}.pcm`, `has ${channels.length} channels; at most ${LIMITS.audioChannels}`);
  channels.forEach((c, i) => { if (!(c instanceof Float32Array)) throw new InputError(pcmName(i), `must be a Float32Array, got ${typeName(c)}`); });
  const typed = channels as Float32Array[];
  const length = typed[0].length;
  if (!length) throw new InputError(pcmName(0), 'is empty');
  typed.forEach((c, i) => { if (c.length !== length) throw new InputError(pcmName(i), `has ${c.length} samples, channel 0 has ${length}: channels must have the same length`); });
  if (length / rate > LIMITS.audioSeconds) throw new InputError(argument, `is ${(length / rate).toFixed(1)} s long; one turn takes at most ${LIMITS.audioSeconds} s (segment it into turns)`);
  typed.forEach((c, i) => {
    const bad = firstNonFinite(c);
    if (bad >= 0) throw new InputError(pcmName(i), `sample ${bad} is ${c[bad]}: every sample must be a finite number (PCM in [-1, 1])`);
  });
  return { channels: typed, sampleRate: rate };
}

/** Constructors of what analyzeFrame reads, those this environment has. */
function frameTypes(): { name: string; type: abstract new (...args: never[]) => object }[] {
  const g = globalThis as Record<string, unknown>;
  return ['VideoFrame', 'ImageBitmap', 'HTMLCanvasElement', 'OffscreenCanvas', 'HTMLVideoElement', 'HTMLImageElement', 'ImageData']
    .filter((name) => typeof g[name] === 'function')
    .map((name) => ({ name, type: g[name] as abstract new (...args: never[]) => object }));
}

/** One image or video frame: a type analyzeFrame reads, with pixels (not a closed frame, not a 0×0 or unloaded image). */
export function checkFrame(value: unknown, argument = 'source'): void {
  const types = frameTypes();
  if (!value || typeof value !== 'object' || !types.some((t) => value instanceof t.type)) {
    throw new InputError(argument, `must be a VideoFrame, ImageBitmap, canvas, OffscreenCanvas, <video>, <img> or ImageData, got ${typeName(value)}`);
  }
  const v = value as { displayWidth?: number; displayHeight?: number; videoWidth?: number; videoHeight?: number; naturalWidth?: number; naturalHeight?: number; width?: number; height?: number; format?: unknown };
  const width = v.displayWidth ?? v.videoWidth ?? v.naturalWidth ?? v.width ?? 0;
  const height = v.displayHeight ?? v.videoHeight ?? v.naturalHeight ?? v.height ?? 0;
  if ('displayWidth' in v && v.format === null) throw new InputError(argument, 'is a closed VideoFrame');
  if (!(width > 0 && height > 0)) throw new InputError(argument, `has no pixels (${width}×${height}): a closed bitmap, an image not loaded yet, or a video with no frame`);
  if (Math.max(width, height) > LIMITS.frameSide) throw new InputError(argument, `is ${width}×${height}; at most ${LIMITS.frameSide} pixels on a side`);
}

/** A turn's frames: an array of at most LIMITS.framesPerTurn frames, each checked. */
export function checkFrames(value: unknown, argument = 'frames'): readonly unknown[] {
  if (!Array.isArray(value)) throw new InputError(argument, `must be an array of frames, got ${typeName(value)}`);
  if (value.length > LIMITS.framesPerTurn) throw new InputError(argument, `has ${value.length} frames; at most ${LIMITS.framesPerTurn} per turn (sample the turn's video)`);
  value.forEach((f, i) => checkFrame(f, `${argument}[${i}]`));
  return value;
}

/** An options object: undefined, or a plain object whose keys are all known. */
export function checkOptions<T extends object>(value: unknown, known: readonly string[], argument = 'options'): Partial<T> {
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InputError(argument, `must be an object, got ${typeName(value)}`);
  for (const key of Object.keys(value)) if (!known.includes(key)) throw new InputError(`${argument}.${key}`, `is not an option here (known: ${known.join(', ')})`);
  return value as Partial<T>;
}

/** startSession's options: known keys, a speaker function, a positive silence time, an adapter, a face window, a capture path. */
export function checkSessionOptions(value: unknown): void {
  const o = checkOptions<{ stt: { transcribe?: unknown; start?: unknown }; speaker: unknown; silenceNoticeS: unknown; faceWindow: { beforeMs?: unknown; afterMs?: unknown }; capture: unknown; vad: unknown }>(value, ['stt', 'speaker', 'silenceNoticeS', 'faceWindow', 'capture', 'vad']);
  const positive = (v: unknown, zero = false): boolean => typeof v === 'number' && Number.isFinite(v) && (zero ? v >= 0 : v > 0);
  if (o.speaker !== undefined && typeof o.speaker !== 'function') throw new InputError('options.speaker', 'must be a function that returns who is speaking now');
  if (o.silenceNoticeS !== undefined && !positive(o.silenceNoticeS)) throw new InputError('options.silenceNoticeS', `must be a positive number of seconds, got ${String(o.silenceNoticeS)}`);
  if (o.stt !== undefined && (typeof o.stt?.transcribe !== 'function' || typeof o.stt?.start !== 'function')) throw new InputError('options.stt', 'must be a SpeechToText adapter (start, transcribe, stop, dispose)');
  if (o.faceWindow !== undefined && !(o.faceWindow && positive(o.faceWindow.beforeMs, true) && positive(o.faceWindow.afterMs, true))) throw new InputError('options.faceWindow', 'must be { beforeMs, afterMs }, two numbers ≥ 0');
  if (o.capture !== undefined && o.capture !== 'webcodecs' && o.capture !== 'video-element') throw new InputError('options.capture', `must be 'webcodecs' or 'video-element', got ${String(o.capture)}`);
  if (o.vad !== undefined && o.vad !== 'silero' && o.vad !== 'energy') throw new InputError('options.vad', `must be 'silero' or 'energy', got ${String(o.vad)}`);
}

/** Throws unless every value of `values` is finite (for embeddings and model outputs, which must never carry NaN on). */
export function assertFinite(values: ArrayLike<number>, what: string): void {
  const bad = firstNonFinite(values);
  if (bad >= 0) throw new RangeError(`${what} has a non-finite value (${values[bad]} at ${bad}); the result was refused and the conversation left unchanged`);
}
