/**
 * Messages between the page and the inference Worker (src/runtime/engine-worker.ts). The worker holds one
 * Recognizer (tfjs graph + Transformers.js text encoder); the page sends method calls and gets results back, so
 * model work never runs on the main thread. Every call carries an id; progress events carry none.
 */
import type { BackendChoice, BackendName } from './backend-names.ts';
import type { ProgressEvent } from './assets.ts';
import type { ModalityEmbedding } from '../session/results.ts';
import type { PastTurn } from '../session/results.ts';
import type { TurnEmbeddings, TurnResult } from '../session/results.ts';
import type { TurnFeatures } from '../fusion/batch.ts';

/** Recognizer options that can cross a postMessage (no callbacks; URLs already absolute). */
export interface EngineCreateOptions {
  modelsBaseUrl: string;
  vendorBaseUrl: string;
  backend?: BackendName;
  textModel: string;
}

/** The methods the worker answers, with their arguments and results. */
export interface EngineMethods {
  create(options: EngineCreateOptions): { backend: BackendChoice; maxTurns: number; inputDims: number[] };
  embedText(text: string, options: { speaker?: string; context?: readonly PastTurn[] }): ModalityEmbedding;
  embedAudio(pcm16k: Float32Array): ModalityEmbedding;
  embedFaces(crops: Float32Array[]): ModalityEmbedding[];
  addTurn(turn: TurnEmbeddings): TurnResult;
  /** Fused probabilities for every turn of one dialogue given as embeddings (parity tests, benchmarks). */
  fuseDialogue(turns: TurnFeatures[]): number[][];
  /** Forgets the conversation (the next turn has no context). */
  reset(): void;
  /** tfjs tensors alive in the worker (leak checks). */
  tensors(): number;
  dispose(): void;
}

export type EngineMethod = keyof EngineMethods;

export interface EngineRequest<M extends EngineMethod = EngineMethod> {
  id: number;
  method: M;
  args: Parameters<EngineMethods[M]>;
}

export type EngineReply =
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; name: string; message: string; file?: string }
  | { kind: 'progress'; event: ProgressEvent };
