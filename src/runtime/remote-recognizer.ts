/**
 * The page's side of the inference Worker: the same calls as Recognizer (embed text/audio/faces, add a turn),
 * each a message to src/runtime/engine-worker.ts. Errors come back with their name and message (an AssetError
 * stays an AssetError, naming its file).
 */
import { AssetError, type ProgressCallback } from './assets.ts';
import type { BackendChoice } from './backend-names.ts';
import type { EngineCreateOptions, EngineMethod, EngineMethods, EngineReply, EngineRequest } from './engine-protocol.ts';
import type { ModalityEmbedding, TurnEngine } from '../session/results.ts';
import type { PastTurn } from '../session/results.ts';
import type { TurnEmbeddings, TurnResult } from '../session/results.ts';
import type { TurnFeatures } from '../fusion/batch.ts';

function rebuildError(reply: Extract<EngineReply, { kind: 'error' }>): Error {
  const error = new Error(reply.message);
  error.name = reply.name;
  if (reply.name === 'AssetError') Object.setPrototypeOf(Object.assign(error, { file: reply.file }), AssetError.prototype);
  return error;
}

export class RemoteRecognizer implements TurnEngine {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private disposed = false;
  /** Set when the worker died: every later call fails with it instead of waiting forever. */
  private failed?: Error;
  backend!: BackendChoice;
  /** Embedding sizes the fusion reads (text, audio, face). */
  fusionInputDims!: number[];

  private constructor(private readonly worker: Worker, private readonly onProgress?: ProgressCallback) {
    worker.onmessage = (event: MessageEvent<EngineReply>) => {
      const reply = event.data;
      if (reply.kind === 'progress') { this.onProgress?.(reply.event); return; }
      const call = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.kind === 'result') call?.resolve(reply.value);
      else call?.reject(rebuildError(reply));
    };
    worker.onerror = (event) => this.failAll(new Error(`The inference worker failed: ${event.message || 'it could not start'}`));
    worker.onmessageerror = () => this.failAll(new Error('The inference worker sent a message that could not be read'));
  }

  /** Starts the worker and loads every model in it. */
  static async create(options: EngineCreateOptions, onProgress?: ProgressCallback): Promise<RemoteRecognizer> {
    const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module', name: 'emolens-engine' });
    const remote = new RemoteRecognizer(worker, onProgress);
    try {
      const created = await remote.call('create', [options]);
      remote.backend = created.backend;
      remote.fusionInputDims = created.inputDims;
    } catch (error) {
      remote.dispose();
      throw error;
    }
    return remote;
  }

  private call<M extends EngineMethod>(method: M, args: Parameters<EngineMethods[M]>): Promise<ReturnType<EngineMethods[M]>> {
    if (this.disposed) return Promise.reject(new Error('The recognizer was disposed'));
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const request: EngineRequest<M> = { id, method, args };
      this.worker.postMessage(request);
    });
  }

  private failAll(error: Error): void {
    this.failed ??= error;
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }

  embedText(text: string, options: { speaker?: string; context?: readonly PastTurn[] } = {}): Promise<ModalityEmbedding> {
    return this.call('embedText', [text, options]);
  }
  embedAudio(pcm16k: Float32Array): Promise<ModalityEmbedding> { return this.call('embedAudio', [pcm16k]); }
  embedFaces(crops: Float32Array[]): Promise<ModalityEmbedding[]> { return this.call('embedFaces', [crops]); }
  addTurn(turn: TurnEmbeddings): Promise<TurnResult> { return this.call('addTurn', [turn]); }
  fuseDialogue(turns: TurnFeatures[]): Promise<number[][]> { return this.call('fuseDialogue', [turns]); }
  reset(): Promise<void> { return this.call('reset', []); }
  /** tfjs tensors alive in the worker. */
  tensors(): Promise<number> { return this.call('tensors', []); }

  /** Frees the models and ends the worker; calls still waiting fail. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const call of this.pending.values()) call.reject(new Error('The recognizer was disposed'));
    this.pending.clear();
    this.worker.terminate();
  }
}
