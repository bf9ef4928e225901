/** Messages between the page (src/video/face-tracker.ts) and the face Worker (src/video/face-worker.ts). */
import type { FaceBox } from './face-crop.ts';

export type FaceWorkerRequest =
  /** Load the detector. URLs are absolute: face-api's tiny_face_detector files and the tfjs WASM binaries' folder. */
  | { type: 'init'; modelBaseUrl: string; wasmBaseUrl: string }
  /** One frame, transferred; the worker closes it. */
  | { type: 'frame'; id: number; frame: VideoFrame | ImageBitmap };

export type FaceWorkerReply =
  /** Detector loaded; `backend` is the worker's tfjs backend ('wasm', or 'cpu' when WASM failed). */
  | { type: 'ready'; backend: string }
  /** `id` is set when one frame failed (the worker stays usable); absent when init failed. */
  | { type: 'error'; message: string; id?: number }
  /**
   * Result for frame `id`: the best face's box in frame pixels and its score (0 and null when none), the 48×48 gray
   * crop from `cropFace` (buffer transferred), the frame size, and the worker's time for this frame in ms.
   */
  | { type: 'face'; id: number; box: FaceBox | null; score: number; crop: Float32Array | null; width: number; height: number; ms: number };
