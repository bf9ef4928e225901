/**
 * What makes a turn, in one place for the library, the live session and file mode: who speaks when nobody says,
 * which faces belong to a turn (the face window), how they are averaged, and how a model's output becomes a
 * label-keyed result. No tfjs and no DOM here.
 */
import { LABELS } from '../labels.ts';
import type { Probabilities } from './results.ts';

/** The speaker of turns that do not name one. */
export const DEFAULT_SPEAKER = 'Me';

/**
 * Which faces belong to a turn: those seen from `beforeMs` before it starts to `afterMs` after it ends. Before:
 * the face often shows the feeling just before the words come (and voice activity starts a little late); after:
 * a short margin for the last frame of the turn.
 */
export interface FaceWindow { beforeMs: number; afterMs: number }
export const DEFAULT_FACE_WINDOW: Readonly<FaceWindow> = Object.freeze({ beforeMs: 500, afterMs: 100 });

/** A typed turn has no time span of its own: it takes the faces of the last TYPED_TURN_SPAN_MS. */
export const TYPED_TURN_SPAN_MS = 3000;

/**
 * A face embedding seen at time `t` (ms), with the face encoder's time for it and the crop's quality; live, also
 * which face it was (its track id) and its box area in pixels.
 */
export interface SeenFace { t: number; embedding: Float32Array; ms: number; quality?: Float32Array; trackId?: number; area?: number }

/** The faces of `faces` inside the turn [startMs, endMs] widened by `window`. */
export function facesInTurn<F extends SeenFace>(faces: readonly F[], startMs: number, endMs: number, window: FaceWindow = DEFAULT_FACE_WINDOW): F[] {
  return faces.filter((f) => f.t >= startMs - window.beforeMs && f.t <= endMs + window.afterMs);
}

/**
 * The faces of one person among a turn's faces: those of track `speakerTrack` when it was seen, else those of the
 * track with the largest mean box (in a conversation the nearest face is the speaker's). Faces without a track
 * (one face per frame, file mode) are kept as they are.
 */
export function speakerFaces<F extends SeenFace>(faces: readonly F[], speakerTrack?: number): F[] {
  if (!faces.some((f) => f.trackId !== undefined)) return faces.slice();
  if (speakerTrack !== undefined && faces.some((f) => f.trackId === speakerTrack)) return faces.filter((f) => f.trackId === speakerTrack);
  const areas = new Map<number, { sum: number; n: number }>();
  for (const f of faces) {
    if (f.trackId === undefined) continue;
    const a = areas.get(f.trackId) ?? { sum: 0, n: 0 };
    a.sum += f.area ?? 0; a.n++;
    areas.set(f.trackId, a);
  }
  let best: number | undefined, bestArea = -1;
  for (const [id, a] of areas) if (a.sum / a.n > bestArea) { best = id; bestArea = a.sum / a.n; }
  return faces.filter((f) => f.trackId === best);
}

/**
 * The mean embedding of `faces`, their mean encoder time and their mean crop quality (when every face has one);
 * nothing when there is no face.
 */
export function meanFace(faces: readonly { embedding: Float32Array; ms: number; quality?: Float32Array }[]): { embedding?: Float32Array; ms?: number; quality?: Float32Array } {
  if (!faces.length) return {};
  const mean = (of: (f: (typeof faces)[number]) => Float32Array): Float32Array => {
    const out = new Float32Array(of(faces[0]).length);
    for (const f of faces) of(f).forEach((v, i) => { out[i] += v / faces.length; });
    return out;
  };
  const quality = faces.every((f) => f.quality?.length === faces[0].quality?.length && f.quality) ? mean((f) => f.quality!) : undefined;
  return { embedding: mean((f) => f.embedding), ms: faces.reduce((n, f) => n + f.ms, 0) / faces.length, quality };
}

/** Model outputs in LABELS order → a label-keyed object. */
export function toProbabilities(values: ArrayLike<number>): Probabilities {
  return Object.fromEntries(LABELS.map((l, i) => [l, values[i]])) as Probabilities;
}
