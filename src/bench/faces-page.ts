/**
 * Face benchmark page (faces.html?backend=wasm|webgl): loads our face model and the two pretrained peers on one
 * tfjs backend and exposes `window.emolensFaces` for tools/bench/faces.ts, which sends the SAME 48×48 gray
 * FER2013 faces to every model (base64, so no dataset file is copied into the project) and scores the answers.
 * Peer weights come from `/peers/face-api/` and `/peers/human/`, which the runner serves from node_modules.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu'; // so ?backend=webgpu can be tried, as in the app
import { chooseBackend, isBackendName } from '../runtime/backend.ts';
import { FaceApiExpressionModel, HumanEmotionModel, OurFaceModel, type FaceClassifier, type FaceModelName } from './peers.ts';

export interface FacesPageInfo { backend: string; models: FaceModelName[]; loadMs: Record<string, number>; errors: Record<string, string> }
export interface FaceTiming { batch1MedianMs: number; batch1Runs: number; batch32MsPerFace: number; batch32Faces: number; tensorsLeaked: number }
export interface FacesPageApi {
  info: FacesPageInfo;
  /** Predicted LABELS index per face, per model. */
  classify(base64: string, count: number): Promise<Record<string, number[]>>;
  /** Per-face latency of one model on these faces: batch-1 median after warm-up, and batch-32 throughput. */
  time(model: FaceModelName, base64: string, count: number): Promise<FaceTiming>;
}

function decode(base64: string): Uint8Array {
  const bin = atob(base64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const argmax = (row: Float32Array): number => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);
const FACE = 48 * 48;

async function main(): Promise<void> {
  const out = document.getElementById('out')!;
  const backend = new URLSearchParams(location.search).get('backend');
  await chooseBackend({ backend: isBackendName(backend) ? backend : 'wasm' });
  const loaders: Record<FaceModelName, () => Promise<FaceClassifier>> = {
    ours: () => OurFaceModel.load('/models/face-encoder/model.json'),
    'face-api': () => FaceApiExpressionModel.load('/peers/face-api/'),
    human: () => HumanEmotionModel.load('/peers/human/emotion.json'),
  };
  const models = new Map<FaceModelName, FaceClassifier>();
  const info: FacesPageInfo = { backend: tf.getBackend(), models: [], loadMs: {}, errors: {} };
  for (const [name, load] of Object.entries(loaders) as [FaceModelName, () => Promise<FaceClassifier>][]) {
    const t = performance.now();
    try { models.set(name, await load()); info.models.push(name); info.loadMs[name] = performance.now() - t; } catch (error) { info.errors[name] = (error as Error).message; }
  }
  const api: FacesPageApi = {
    info,
    async classify(base64, count) {
      const gray = decode(base64);
      const result: Record<string, number[]> = {};
      for (const [name, model] of models) result[name] = (await model.classify(gray, count)).map(argmax);
      return result;
    },
    async time(name, base64, count) {
      const model = models.get(name);
      if (!model) throw new Error(`time: model ${name} did not load`);
      const gray = decode(base64);
      const face = (i: number, n = 1): Uint8Array => gray.subarray(i * FACE, (i + n) * FACE);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) await model.classify(face(i % count), 1); // warm-up: shaders, WASM, kernels
      const ms: number[] = [];
      for (let i = 0; i < count; i++) { const t = performance.now(); await model.classify(face(i), 1); ms.push(performance.now() - t); }
      ms.sort((a, b) => a - b);
      const batches = Math.floor(count / 32);
      await model.classify(face(0, 32), 32); // warm-up at batch 32
      const t32 = performance.now();
      for (let b = 0; b < batches; b++) await model.classify(face(b * 32, 32), 32);
      const batch32MsPerFace = (performance.now() - t32) / (batches * 32);
      return { batch1MedianMs: ms[Math.floor(ms.length / 2)], batch1Runs: count, batch32MsPerFace, batch32Faces: batches * 32, tensorsLeaked: tf.memory().numTensors - before };
    },
  };
  (window as unknown as { emolensFaces: FacesPageApi }).emolensFaces = api;
  out.textContent = JSON.stringify(info, null, 1);
}

main().catch((error: Error) => {
  (window as unknown as { emolensFacesError: string }).emolensFacesError = error.message;
  document.getElementById('out')!.textContent = `failed: ${error.message}`;
});
