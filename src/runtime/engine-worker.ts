/**
 * The inference Worker: one Recognizer (backend choice, checked model files, text/audio/face encoders, fusion and
 * the conversation state) answering the page's calls (methods in engine-protocol.ts, transport and supervision in
 * worker-rpc.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { Recognizer } from '../recognizer.ts';
import type { EngineMethods } from './engine-protocol.ts';
import { notifyPage, serveRpc } from './worker-rpc-host.ts';

let recognizer: Recognizer | undefined;

function ready(): Recognizer {
  if (!recognizer) throw new Error('The recognizer is not loaded (create() has not finished, or dispose() was called)');
  return recognizer;
}

const methods: { [M in keyof EngineMethods]: (...args: Parameters<EngineMethods[M]>) => ReturnType<EngineMethods[M]> | Promise<ReturnType<EngineMethods[M]>> } = {
  async create(options) {
    await recognizer?.dispose();
    recognizer = await Recognizer.create({ ...options, onProgress: (event) => notifyPage(event) });
    const { maxTurns, maxSpeakers, inputDims } = recognizer.fusionConfig;
    return { backend: recognizer.backend, maxTurns, maxSpeakers, inputDims };
  },
  embedText: (text, options) => ready().embedText(text, options),
  embedAudio: (pcm16k) => ready().embedAudio(pcm16k),
  embedFaces: (crops) => ready().embedFaces(crops),
  addTurn: (turn) => ready().addTurn(turn),
  fuseTurn: (inputs) => ready().fuseTurn(inputs),
  restoreConversation: (state) => ready().restoreConversation(state),
  fuseDialogue: (turns) => ready().fuseDialogue(turns),
  reset: () => ready().conversation.clear(),
  tensors: () => tf.memory().numTensors,
  async dispose() { const r = recognizer; recognizer = undefined; await r?.dispose(); },
};

serveRpc(methods);
