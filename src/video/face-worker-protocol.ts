/** The calls the face Worker (src/video/face-worker.ts) answers, through worker-rpc.ts. */
import type { FaceBox } from './face-crop.ts';
import type { ModalityEmbedding } from '../session/results.ts';

/**
 * One frame's result: the best face's box in frame pixels and its score (0 and null when none), the 48×48 gray crop
 * from `cropFace` (buffer transferred), the frame size, and the worker's time for this frame in ms. `face`: the
 * face encoder's answer, when the crop went straight to the inference Worker (see `connectEngine`).
 */
export interface FaceObservation { box: FaceBox | null; score: number; crop: Float32Array | null; width: number; height: number; ms: number; face?: ModalityEmbedding }

export interface FaceWorkerMethods {
  /**
   * Loads the detector from `vendorBaseUrl` (absolute URL): face-api/ holds its weights, checked against the folder's
   * manifest.json; tfjs-wasm/ the WASM binaries. Returns the tfjs backend ('wasm', or 'cpu' when WASM failed).
   */
  init(vendorBaseUrl: string): string;
  /**
   * One frame, transferred; the worker closes it. With `embed`, a found face's crop also goes to the inference
   * Worker over the linked port and the observation carries its embedding; without a link, or when that call
   * fails, the observation has the crop only and the page embeds it.
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
