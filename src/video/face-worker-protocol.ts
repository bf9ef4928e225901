/** The calls the face Worker (src/video/face-worker.ts) answers, through worker-rpc.ts. */
import type { FaceBox } from './face-crop.ts';
import type { ModalityEmbedding } from '../session/results.ts';

/** One face of a frame: its box in frame pixels, the detector's score, its 48×48 gray crop from `cropFace`, and the
 *  face encoder's answer when the crop went straight to the inference Worker (see `connectEngine`). */
export interface DetectedFace { box: FaceBox; score: number; crop: Float32Array; face?: ModalityEmbedding }

/**
 * One frame's result: every face found (largest first, at most MAX_FACES_PER_FRAME), the frame size, and the
 * worker's time for this frame in ms. `box`, `score`, `crop` and `face` repeat the largest face (null and 0 when
 * none), the one a single-face caller wants.
 */
export interface FaceObservation {
  box: FaceBox | null; score: number; crop: Float32Array | null; width: number; height: number; ms: number; face?: ModalityEmbedding;
  faces: DetectedFace[];
}

/** At most this many faces of a frame are cropped and embedded (a webcam call, not a crowd). */
export const MAX_FACES_PER_FRAME = 4;

export interface FaceWorkerMethods {
  /**
   * Loads the detector from `vendorBaseUrl` (absolute URL): face-api/ holds its weights, checked against the folder's
   * manifest.json; tfjs-wasm/ the WASM binaries. Returns the tfjs backend ('wasm', or 'cpu' when WASM failed).
   */
  init(vendorBaseUrl: string): string;
  /**
   * One frame, transferred; the worker closes it. With `embed`, the found faces' crops also go to the inference
   * Worker over the linked port and the observation carries their embeddings; without a link, or when that call
   * fails, the observation has the crops only and the page embeds them.
   */
  detect(frame: VideoFrame | ImageBitmap, embed?: boolean): FaceObservation;
  /**
   * Links this Worker to the inference Worker (a MessagePort the page made; null unlinks). Answered at once, not
   * after queued frames: a frame may be waiting on the old link. Closing the old link fails its waiting call.
   */
  connectEngine(port: MessagePort | null): void;
  /** Frees the detector's tensors (the page ends the worker next). */
  dispose(): void;
}
