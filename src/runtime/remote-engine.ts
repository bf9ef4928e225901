/**
 * The page's side of the inference Worker: the same calls as Engine (embed text/audio/faces, add a turn), each
 * a supervised call (worker-rpc.ts) to src/runtime/engine-worker.ts. Errors come back with their name and message
 * (an AssetError stays an AssetError, naming its file). The page keeps its own copy of the conversation, built by
 * the same rules as the Worker's, so that when the Worker dies and is restarted (models reloaded from the browser's
 * cache), the new one goes on with the same conversation.
 */
import type { ProgressCallback, ProgressEvent } from './assets.ts';
import type { BackendChoice } from './backend-names.ts';
import type { EngineCreateOptions, EngineMethods } from './engine-protocol.ts';
import { WorkerClient, type WorkerStatus } from './worker-rpc.ts';
import type { ModalityEmbedding, PastTurn, TurnEmbeddings, TurnEngine, TurnInputs, TurnResult } from '../session/results.ts';
import type { TurnFeatures } from '../fusion/batch.ts';
import { emptyConversation, recordTurn, type ConversationLimits, type ConversationState } from '../session/conversation-state.ts';

export type { WorkerStatus };

export class RemoteEngine implements TurnEngine {
  private client!: WorkerClient<EngineMethods>;
  private disposed = false;
  private conversation: ConversationState = emptyConversation();
  private limits!: ConversationLimits;
  private readonly statusListeners = new Set<(status: WorkerStatus) => void>();
  backend!: BackendChoice;
  /** Embedding sizes the fusion reads (text, audio, face). */
  fusionInputDims!: number[];

  private constructor(private readonly options: EngineCreateOptions) {}

  /** Starts the worker and loads every model in it. `onStatus` hears when the worker dies and is restarted. */
  static async create(options: EngineCreateOptions, onProgress?: ProgressCallback, onStatus?: (status: WorkerStatus) => void): Promise<RemoteEngine> {
    const remote = new RemoteEngine(options);
    if (onStatus) remote.statusListeners.add(onStatus);
    remote.client = await WorkerClient.start<EngineMethods>({
      name: 'inference worker',
      spawn: () => new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module', name: 'emolens-engine' }),
      init: (call) => remote.init(call),
      onEvent: (event) => onProgress?.(event as ProgressEvent),
      onStatus: (status) => { for (const l of remote.statusListeners) l(status); },
      // Every call is safe to repeat on a restarted worker: a turn enters the page's copy only once it was answered.
      retryAfterRestart: true,
    });
    return remote;
  }

  /** Loads the models in a (new) worker and hands it the conversation so far. */
  private async init(call: WorkerClient<EngineMethods>['call']): Promise<void> {
    const created = await call('create', [this.options]);
    this.backend = created.backend;
    this.fusionInputDims = created.inputDims;
    this.limits = { maxTurns: created.maxTurns, maxSpeakers: created.maxSpeakers };
    if (this.conversation.count) await call('restoreConversation', [this.conversation]);
  }

  /** Listens to the worker's death, restart and failure; returns the unsubscribe function. */
  onStatus(listener: (status: WorkerStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** The Worker running now (tests end it to check that it is replaced). */
  get worker(): Worker | undefined { return this.client.current; }

  private call<M extends keyof EngineMethods & string>(method: M, args: Parameters<EngineMethods[M]>): Promise<Awaited<ReturnType<EngineMethods[M]>>> {
    if (this.disposed) return Promise.reject(new Error('The recognizer was disposed'));
    return this.client.call(method, args as never) as Promise<Awaited<ReturnType<EngineMethods[M]>>>;
  }

  embedText(text: string, options: { speaker?: string; context?: readonly PastTurn[] } = {}): Promise<ModalityEmbedding> {
    return this.call('embedText', [text, options]);
  }
  embedAudio(pcm16k: Float32Array, options: { speaker?: string } = {}): Promise<ModalityEmbedding> { return this.call('embedAudio', [pcm16k, options]); }
  embedFaces(crops: Float32Array[]): Promise<ModalityEmbedding[]> { return this.call('embedFaces', [crops]); }
  async addTurn(turn: TurnEmbeddings): Promise<TurnResult> {
    const result = await this.call('addTurn', [turn]);
    recordTurn(this.conversation, turn, result, this.limits);
    return result;
  }
  async fuseTurn(inputs: TurnInputs): Promise<{ result: TurnResult; turn: TurnEmbeddings }> {
    const fused = await this.call('fuseTurn', [inputs]);
    recordTurn(this.conversation, fused.turn, fused.result, this.limits);
    return fused;
  }
  fuseDialogue(turns: TurnFeatures[]): Promise<number[][]> { return this.call('fuseDialogue', [turns]); }
  async reset(): Promise<void> {
    await this.call('reset', []);
    this.conversation = emptyConversation();
  }
  voiceActivity(stream: string, frames: Float32Array | null): Promise<number[]> { return this.call('voiceActivity', [stream, frames]); }
  /** Links the face Worker to this one: `port` is the inference Worker's end of a MessageChannel (transferred). */
  connectFacePort(port: MessagePort): Promise<void> {
    if (this.disposed) return Promise.reject(new Error('The recognizer was disposed'));
    return this.client.call('connectFacePort', [port], [port]);
  }
  /** tfjs tensors alive in the worker. */
  tensors(): Promise<number> { return this.call('tensors', []); }

  /** Frees the models in the worker (waiting at most `graceMs` for it), then ends it; calls still waiting fail. */
  async dispose(graceMs = 5000): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.client.call('dispose', []).catch(() => undefined), new Promise((r) => { timer = setTimeout(r, graceMs); })]);
    clearTimeout(timer);
    this.client.close();
  }
}
