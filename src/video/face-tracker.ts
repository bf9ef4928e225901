/**
 * Main-thread side of the face worker: face-api's detector runs in its own module Worker on tfjs' WASM backend
 * (on WebGPU it never finishes: synchronous GPU reads), so the app's engine stays free for our models.
 * Frames are transferred to the worker, which closes them; each call resolves with the box and the 48×48 crop.
 */
import type { FaceBox } from './face-crop.ts';
import type { FaceWorkerReply, FaceWorkerRequest } from './face-worker-protocol.ts';

export interface FaceObservation { box: FaceBox | null; score: number; crop: Float32Array | null; width: number; height: number; ms: number }

export class FaceTracker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (o: FaceObservation) => void; reject: (e: Error) => void }>();

  private constructor(private readonly worker: Worker, readonly backend: string) {
    worker.onmessage = (event: MessageEvent<FaceWorkerReply>) => {
      const reply = event.data;
      if (reply.type === 'face') {
        const p = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        p?.resolve({ box: reply.box, score: reply.score, crop: reply.crop, width: reply.width, height: reply.height, ms: reply.ms });
      } else if (reply.type === 'error') {
        const error = new Error(`Face worker: ${reply.message}`);
        const id = (reply as { id?: number }).id;
        if (id !== undefined && this.pending.has(id)) { this.pending.get(id)!.reject(error); this.pending.delete(id); }
        else { for (const p of this.pending.values()) p.reject(error); this.pending.clear(); }
      }
    };
  }

  /** Starts the worker and loads the detector; `modelBaseUrl` holds face-api's tiny_face_detector files. */
  static async create(modelBaseUrl: string, wasmBaseUrl: string, timeoutMs = 60_000): Promise<FaceTracker> {
    const worker = new Worker(new URL('./face-worker.ts', import.meta.url), { type: 'module', name: 'emolens-face' });
    const backend = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Face worker did not start within ${timeoutMs / 1000} s`)), timeoutMs);
      worker.onmessage = (event: MessageEvent<FaceWorkerReply>) => {
        clearTimeout(timer);
        if (event.data.type === 'ready') resolve(event.data.backend);
        else if (event.data.type === 'error') reject(new Error(`Face detector failed to load: ${event.data.message}`));
      };
      worker.onerror = (event) => { clearTimeout(timer); reject(new Error(`Face worker failed: ${event.message}`)); };
      const init: FaceWorkerRequest = { type: 'init', modelBaseUrl: new URL(modelBaseUrl, location.href).href, wasmBaseUrl: new URL(wasmBaseUrl, location.href).href };
      worker.postMessage(init);
    });
    return new FaceTracker(worker, backend);
  }

  /** Detects the main face in `frame` (ownership moves to the worker, which closes it). */
  detect(frame: VideoFrame | ImageBitmap): Promise<FaceObservation> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: FaceWorkerRequest = { type: 'frame', id, frame };
      this.worker.postMessage(request, [frame as unknown as Transferable]);
    });
  }

  dispose(): void {
    for (const p of this.pending.values()) p.reject(new Error('Face tracker disposed'));
    this.pending.clear();
    this.worker.terminate();
  }
}
