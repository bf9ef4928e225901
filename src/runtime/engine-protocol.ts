/**
 * The calls the inference Worker (src/runtime/engine-worker.ts) answers. The worker holds one Engine (tfjs
 * graph + Transformers.js text encoder); the page calls these through worker-rpc.ts, so model work never runs on
 * the main thread. Download progress comes back as the client's events.
 */
import type { BackendChoice } from './backend-names.ts';
import type { EngineConfig } from './engine-config.ts';
import type { ModalityEmbedding } from '../session/results.ts';
import type { PastTurn } from '../session/results.ts';
import type { TurnEmbeddings, TurnInputs, TurnResult } from '../session/results.ts';
import type { TurnFeatures } from '../fusion/batch.ts';
import type { ConversationState } from '../session/conversation-state.ts';

/** What `create` loads: the library's EngineConfig (no callbacks; URLs already resolved). */
export type EngineCreateOptions = EngineConfig;

/** The methods the worker answers, with their arguments and results. */
export interface EngineMethods {
  create(options: EngineCreateOptions): { backend: BackendChoice; maxTurns: number; maxSpeakers: number; inputDims: number[] };
  embedText(text: string, options: { speaker?: string; context?: readonly PastTurn[] }): ModalityEmbedding;
  embedAudio(pcm16k: Float32Array, options: { speaker?: string }): ModalityEmbedding;
  embedFaces(crops: Float32Array[]): ModalityEmbedding[];
  addTurn(turn: TurnEmbeddings): TurnResult;
  /** Embeds and fuses one turn in one call. */
  fuseTurn(inputs: TurnInputs): { result: TurnResult; turn: TurnEmbeddings };
  /** Goes on with a conversation (the page's copy, after the Worker was restarted). */
  restoreConversation(state: ConversationState): void;
  /** Fused probabilities for every turn of one dialogue given as embeddings (parity tests, benchmarks). */
  fuseDialogue(turns: TurnFeatures[]): number[][];
  /**
   * Serves the face Worker's `embedFaces` calls over `port` (a MessageChannel the page made), so its crops reach
   * the face encoder without a stop on the page. A new port replaces the old one.
   */
  connectFacePort(port: MessagePort): void;
  /** Silero speech probabilities of the next 512-sample frames of an audio stream (null forgets the stream). */
  voiceActivity(stream: string, frames: Float32Array | null): number[];
  /** Forgets the conversation (the next turn has no context). */
  reset(): void;
  /** tfjs tensors alive in the worker (leak checks). */
  tensors(): number;
  dispose(): void;
}

export type EngineMethod = keyof EngineMethods;

/** What the face Worker may call in the inference Worker, over the port `connectFacePort` serves. */
export type EngineFaceMethods = Pick<EngineMethods, 'embedFaces'>;
