/**
 * The inference Worker: one Recognizer (backend choice, checked model files, text/audio/face encoders, fusion and
 * the conversation state) answering the page's calls (protocol in engine-protocol.ts). Results go back with their
 * Float32Array buffers transferred, not copied.
 */
import * as tf from '@tensorflow/tfjs';
import { Recognizer } from '../recognizer.ts';
import { AssetError } from './assets.ts';
import type { EngineMethod, EngineMethods, EngineReply, EngineRequest } from './engine-protocol.ts';

let recognizer: Recognizer | undefined;

function post(reply: EngineReply, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(reply, transfer);
}

function ready(): Recognizer {
  if (!recognizer) throw new Error('The recognizer is not loaded (create() has not finished, or dispose() was called)');
  return recognizer;
}

/** The buffers of every Float32Array in a result, so postMessage moves them instead of copying. */
function buffersOf(value: unknown, out: Transferable[] = []): Transferable[] {
  if (value instanceof Float32Array) { if (!out.includes(value.buffer as ArrayBuffer)) out.push(value.buffer as ArrayBuffer); }
  else if (Array.isArray(value)) value.forEach((v) => buffersOf(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => buffersOf(v, out));
  return out;
}

const methods: { [M in EngineMethod]: (...args: Parameters<EngineMethods[M]>) => ReturnType<EngineMethods[M]> | Promise<ReturnType<EngineMethods[M]>> } = {
  async create(options) {
    recognizer?.dispose();
    recognizer = await Recognizer.create({ ...options, onProgress: (event) => post({ kind: 'progress', event }) });
    return { backend: recognizer.backend, maxTurns: recognizer.fusionConfig.maxTurns, inputDims: recognizer.fusionConfig.inputDims };
  },
  embedText: (text, options) => ready().embedText(text, options),
  embedAudio: (pcm16k) => ready().embedAudio(pcm16k),
  embedFaces: (crops) => ready().embedFaces(crops),
  addTurn: (turn) => ready().addTurn(turn),
  fuseDialogue: (turns) => ready().fuseDialogue(turns),
  reset: () => ready().conversation.clear(),
  tensors: () => tf.memory().numTensors,
  dispose() { recognizer?.dispose(); recognizer = undefined; },
};

// Calls run one after another, in the order they came: the conversation is causal, so a turn must never
// overtake the one before it.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (event: MessageEvent<EngineRequest>) => {
  const { id, method, args } = event.data;
  queue = queue.then(async () => {
    try {
      const handler = methods[method] as (...a: unknown[]) => unknown;
      if (!handler) throw new Error(`Unknown engine method "${String(method)}"`);
      const value = await handler(...(args as unknown[]));
      post({ kind: 'result', id, value }, buffersOf(value));
    } catch (error) {
      const e = error as Error;
      post({ kind: 'error', id, name: e?.name ?? 'Error', message: e?.message ?? String(error), file: error instanceof AssetError ? error.file : undefined });
    }
  });
};
