/**
 * The inference Worker: one Engine (backend choice, checked model files, text/audio/face encoders, fusion and
 * the conversation state) answering the page's calls (methods in engine-protocol.ts, transport and supervision in
 * worker-rpc.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { Engine } from './engine.ts';
import type { EngineFaceMethods, EngineMethods } from './engine-protocol.ts';
import { notifyPage, servePort, serveRpc } from './worker-rpc-host.ts';

let engine: Engine | undefined;
/** Stops serving the face Worker's current port. */
let unlinkFace: (() => void) | undefined;

function ready(): Engine {
  if (!engine) throw new Error('The models are not loaded (create() has not finished, or dispose() was called)');
  return engine;
}

const methods: { [M in keyof EngineMethods]: (...args: Parameters<EngineMethods[M]>) => ReturnType<EngineMethods[M]> | Promise<ReturnType<EngineMethods[M]>> } = {
  async create(options) {
    await engine?.dispose();
    engine = await Engine.create({ ...options, onProgress: (event) => notifyPage(event) });
    const { maxTurns, maxSpeakers, inputDims } = engine.fusionConfig;
    return { backend: engine.backend, maxTurns, maxSpeakers, inputDims };
  },
  embedText: (text, options) => ready().embedText(text, options),
  embedAudio: (pcm16k, options) => ready().embedAudio(pcm16k, options),
  embedFaces: (crops) => ready().embedFaces(crops),
  addTurn: (turn) => ready().addTurn(turn),
  fuseTurn: (inputs) => ready().fuseTurn(inputs),
  restoreConversation: (state) => ready().restoreConversation(state),
  fuseDialogue: (turns) => ready().fuseDialogue(turns),
  connectFacePort(port) {
    unlinkFace?.();
    const faceMethods = { embedFaces: (crops: Float32Array[]) => ready().embedFaces(crops) } satisfies { [M in keyof EngineFaceMethods]: (...a: Parameters<EngineFaceMethods[M]>) => Promise<ReturnType<EngineFaceMethods[M]>> };
    unlinkFace = servePort(port, faceMethods);
  },
  voiceActivity: (stream, frames) => ready().voiceActivity(stream, frames),
  reset: () => ready().resetConversation(),
  tensors: () => tf.memory().numTensors,
  async dispose() { unlinkFace?.(); unlinkFace = undefined; const r = engine; engine = undefined; await r?.dispose(); },
};

serveRpc(methods);
