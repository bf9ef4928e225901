/**
 * Main-thread side of the face worker: face-api's detector runs in its own module Worker on tfjs' WASM backend
 * (on WebGPU it never finishes: synchronous GPU reads), so the app's engine stays free for our models.
 * Frames are transferred to the worker, which closes them; each call resolves with the boxes and 48×48 crops of its faces.
 * The worker is supervised (worker-rpc.ts): if it dies or hangs, pending frames fail and a new one starts.
 * `detectFace` (the main face) and `detectFaces` (all of them) also get the embeddings: straight from the inference Worker when the two are linked
 * (`connectEngine`), else through the page.
 */
import type { FaceObservation, FaceWorkerMethods } from './face-worker-protocol.ts';
import type { FaceBox } from './face-crop.ts';
import { WorkerClient, type WorkerStatus } from '../runtime/worker-rpc.ts';
import type { ModalityEmbedding, TurnEngine } from '../session/results.ts';

export type { FaceObservation };

/** A frame's face: where it is, and the face encoder's embedding and probabilities (null: no face found). */
export interface FrameFace { observation: FaceObservation; face: ModalityEmbedding | null }

/** One of a frame's faces, embedded. */
export interface EmbeddedFace { box: FaceBox; score: number; face: ModalityEmbedding }

/** Every face of a frame, largest first, each embedded. */
export interface FrameFaces { observation: FaceObservation; faces: EmbeddedFace[] }

export class FaceTracker {
  private readonly statusListeners = new Set<(status: WorkerStatus) => void>();
  /** The worker's tfjs backend ('wasm', or 'cpu' when WASM failed). */
  backend = '';
  private client!: WorkerClient<FaceWorkerMethods>;

  private constructor() {}

  /**
   * Starts the worker and loads the detector from `vendorBaseUrl` (face-api/ and tfjs-wasm/ under it, listed in its
   * manifest.json). `onStatus` hears when the worker dies and is restarted.
   */
  static async create(vendorBaseUrl: string, onStatus?: (status: WorkerStatus) => void): Promise<FaceTracker> {
    const tracker = new FaceTracker();
    if (onStatus) tracker.statusListeners.add(onStatus);
    const base = new URL(vendorBaseUrl, location.href).href;
    tracker.client = await WorkerClient.start<FaceWorkerMethods>({
      name: 'face worker',
      spawn: () => new Worker(new URL('./face-worker.ts', import.meta.url), { type: 'module', name: 'emolens-face' }),
      init: async (call) => { tracker.backend = await call('init', [base.endsWith('/') ? base : `${base}/`]); },
      onStatus: (status) => { for (const l of tracker.statusListeners) l(status); },
      // One frame takes ~0.1 s; a minute without an answer is a hung worker, not a slow one.
      callTimeoutMs: 60_000,
    });
    return tracker;
  }

  /** Listens to the worker's death, restart and failure; returns the unsubscribe function. */
  onStatus(listener: (status: WorkerStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** The Worker running now (tests end it to check that it is replaced). */
  get worker(): Worker | undefined { return this.client.current; }

  /** Frames whose embedding came straight from the inference Worker, and those the page had to embed. */
  readonly routes = { direct: 0, viaPage: 0 };

  /**
   * Links the worker to the inference Worker through `port` (its end of a MessageChannel, transferred), or unlinks
   * it (null). The worker is restarted without a link: the owner links again on `restarted`.
   */
  connectEngine(port: MessagePort | null): Promise<void> {
    return this.client.call('connectEngine', [port], port ? [port] : []);
  }

  /**
   * The main face in `frame` and its embedding (ownership of the frame moves to the worker, which closes it). The
   * crop goes to the inference Worker directly when linked; otherwise, or when that fails, `engine` embeds it.
   */
  async detectFace(frame: VideoFrame | ImageBitmap, engine: Pick<TurnEngine, 'embedFaces'>): Promise<FrameFace> {
    const { observation, faces } = await this.detectFaces(frame, engine);
    return { observation, face: faces[0]?.face ?? null };
  }

  /** Every face in `frame` (at most MAX_FACES_PER_FRAME, largest first) and their embeddings; routes as detectFace. */
  async detectFaces(frame: VideoFrame | ImageBitmap, engine: Pick<TurnEngine, 'embedFaces'>): Promise<FrameFaces> {
    const observation = await this.detect(frame, true);
    const found = observation.faces;
    if (!found.length) return { observation, faces: [] };
    const missing = found.filter((f) => !f.face);
    if (!missing.length) this.routes.direct++;
    else {
      this.routes.viaPage++;
      const embedded = await engine.embedFaces(missing.map((f) => f.crop));
      missing.forEach((f, i) => { f.face = embedded[i]; });
    }
    return { observation, faces: found.map((f) => ({ box: f.box, score: f.score, face: f.face! })) };
  }

  /** Detects the main face in `frame` (ownership moves to the worker, which closes it); `embed`: see detectFace. */
  async detect(frame: VideoFrame | ImageBitmap, embed = false): Promise<FaceObservation> {
    try {
      return await this.client.call('detect', [frame, embed], [frame as unknown as Transferable]);
    } catch (error) {
      // Not sent (the worker was restarting or gone): the frame is still ours to close.
      try { frame.close(); } catch { /* already transferred */ }
      throw error;
    }
  }

  /** Frees the detector in the worker (waiting at most `graceMs`), then ends it; frames still waiting fail. */
  async dispose(graceMs = 2000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.client.call('dispose', []).catch(() => undefined), new Promise((r) => { timer = setTimeout(r, graceMs); })]);
    clearTimeout(timer);
    this.client.close();
  }
}
