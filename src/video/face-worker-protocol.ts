/** The calls the face Worker (src/video/face-worker.ts) answers, through worker-rpc.ts. */
import type { FaceBox } from './face-crop.ts';

/**
 * One frame's result: the best face's box in frame pixels and its score (0 and null when none), the 48×48 gray crop
 * from `cropFace` (buffer transferred), the frame size, and the worker's time for this frame in ms.
 */
export interface FaceObservation { box: FaceBox | null; score: number; crop: Float32Array | null; width: number; height: number; ms: number }

export interface FaceWorkerMethods {
  /**
   * Loads the detector from `vendorBaseUrl` (absolute URL): face-api/ holds its weights, checked against the folder's
   * manifest.json; tfjs-wasm/ the WASM binaries. Returns the tfjs backend ('wasm', or 'cpu' when WASM failed).
   */
  init(vendorBaseUrl: string): string;
  /** One frame, transferred; the worker closes it. */
  detect(frame: VideoFrame | ImageBitmap): FaceObservation;
  /** Frees the detector's tensors (the page ends the worker next). */
  dispose(): void;
}
