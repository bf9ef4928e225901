/**
 * Track ids for the faces of a video: each frame's boxes are matched to the faces followed so far, so one person
 * keeps one id while they stay in view. A track's next box is predicted from its last two (constant velocity), so
 * two faces that cross keep their ids; the match is by overlap with that prediction (IoU), with the faces'
 * embeddings (cosine) as a second opinion when both are known. A track not seen for `maxMissedMs` ends; a face
 * that comes back later gets a new id.
 */
import type { FaceBox } from './face-crop.ts';

export interface FaceTrackOptions {
  /** Least overlap (IoU) of a box with a track's predicted box for them to match. Default 0.2. */
  minIou?: number;
  /** A track unseen this long (ms) ends. Default 1500. */
  maxMissedMs?: number;
  /** Weight of the embeddings' cosine similarity beside the IoU in a match's score. Default 0.3. */
  embeddingWeight?: number;
}

export const DEFAULT_FACE_TRACK_OPTIONS: Required<FaceTrackOptions> = { minIou: 0.2, maxMissedMs: 1500, embeddingWeight: 0.3 };

interface Track {
  id: number;
  box: FaceBox;
  t: number;
  /** Box centre and size change per ms, from the last two sightings (0 after the first). */
  velocity: { x: number; y: number };
  embedding?: Float32Array;
}

export function iou(a: FaceBox, b: FaceBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export class FaceTracks {
  private readonly options: Required<FaceTrackOptions>;
  private tracks: Track[] = [];
  private nextId = 1;

  constructor(options: FaceTrackOptions = {}) {
    this.options = { ...DEFAULT_FACE_TRACK_OPTIONS, ...options };
  }

  /** The ids followed now. */
  get ids(): number[] { return this.tracks.map((t) => t.id); }

  /**
   * The faces of the frame taken at `t` (ms, any monotonic clock): returns the track id of each box, in the boxes'
   * order. `embeddings[i]`, when given, is box i's face embedding.
   */
  update(boxes: readonly FaceBox[], t: number, embeddings: readonly (Float32Array | undefined)[] = []): number[] {
    const { minIou, maxMissedMs, embeddingWeight } = this.options;
    this.tracks = this.tracks.filter((track) => t - track.t <= maxMissedMs);
    // Every admissible pair, best first; greedy assignment is enough for the few faces of a webcam frame.
    const pairs: { track: number; box: number; score: number }[] = [];
    this.tracks.forEach((track, ti) => {
      const dt = t - track.t;
      const predicted = { ...track.box, x: track.box.x + track.velocity.x * dt, y: track.box.y + track.velocity.y * dt };
      boxes.forEach((box, bi) => {
        const overlap = iou(predicted, box);
        if (overlap < minIou) return;
        const e = embeddings[bi];
        const similarity = e && track.embedding ? cosine(e, track.embedding) : 0;
        pairs.push({ track: ti, box: bi, score: overlap + embeddingWeight * similarity });
      });
    });
    pairs.sort((a, b) => b.score - a.score);
    const ids = new Array<number>(boxes.length).fill(0);
    const taken = new Set<number>();
    for (const p of pairs) {
      if (ids[p.box] || taken.has(p.track)) continue;
      taken.add(p.track);
      const track = this.tracks[p.track];
      ids[p.box] = track.id;
      const box = boxes[p.box], dt = t - track.t;
      if (dt > 0) {
        // Smoothed: one jittery detection should not send the prediction off.
        const vx = (box.x - track.box.x) / dt, vy = (box.y - track.box.y) / dt;
        track.velocity = { x: 0.5 * track.velocity.x + 0.5 * vx, y: 0.5 * track.velocity.y + 0.5 * vy };
      }
      track.box = { ...box }; track.t = t;
      if (embeddings[p.box]) track.embedding = embeddings[p.box];
    }
    boxes.forEach((box, bi) => {
      if (ids[bi]) return;
      const track: Track = { id: this.nextId++, box: { ...box }, t, velocity: { x: 0, y: 0 }, embedding: embeddings[bi] };
      this.tracks.push(track);
      ids[bi] = track.id;
    });
    return ids;
  }

  /** Forgets every track (a new camera, a new scene); ids are not reused. */
  reset(): void { this.tracks = []; }
}
