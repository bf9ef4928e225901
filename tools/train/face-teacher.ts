/**
 * Teacher for knowledge distillation: runs `@vladmandic/face-api`'s pretrained expression net (MIT, trained by its
 * authors on other data) over the SAME cached 48×48 crops the face encoder trains on (prepare-faces.ts output), and
 * writes its 7-class probabilities in LABELS order for tools/train/python/train_face.py --teacher.
 *
 *   npx tsx tools/train/face-teacher.ts --data .cache/faces [--split train] [--out .cache/faces/teacher_train] [--limit N]
 *
 * Also prints the teacher's accuracy on the split's labels (for the model card). The net takes an RGB image of any
 * size with values in 0..255 and resizes it (padded to a square) to 112×112 itself, so the gray crop is tiled to 3
 * channels and passed as is.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { LABELS } from '../../src/labels.ts';
import { readTensor, writeTensor } from './store.ts';
import { nodeBackend } from '../node/backend.ts';

/** face-api's output order (FaceExpressions.ts), mapped to EmoLens labels by meaning. */
export const FACE_API_LABELS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'] as const;
const TO_LABEL: Record<(typeof FACE_API_LABELS)[number], (typeof LABELS)[number]> = {
  neutral: 'neutral', happy: 'joy', sad: 'sadness', angry: 'anger', fearful: 'fear', disgusted: 'disgust', surprised: 'surprise',
};
/** FACE_API index → LABELS index. */
export const TEACHER_TO_LABELS = FACE_API_LABELS.map((k) => LABELS.indexOf(TO_LABEL[k]));

interface ExpressionNet {
  loadFromDisk(dir: string): Promise<void>;
  forward(input: tf.Tensor3D[]): Promise<tf.Tensor2D>;
}

export async function loadTeacher(modelDir = 'node_modules/@vladmandic/face-api/model'): Promise<ExpressionNet> {
  const require = createRequire(import.meta.url);
  // CommonJS Node build: shares this process's @tensorflow/tfjs engine (see src/video/face-detector.ts).
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  await nodeBackend('wasm');
  const net = faceapi.nets.faceExpressionNet as ExpressionNet;
  await net.loadFromDisk(modelDir);
  return net;
}

/** Probabilities [n,7] in LABELS order for n uint8 48×48 crops (row-major, concatenated). */
export async function teacherProbs(net: ExpressionNet, x: Uint8Array, n: number, size = 48, batch = 64): Promise<Float32Array> {
  const out = new Float32Array(n * LABELS.length);
  const px = size * size;
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(n, start + batch);
    const inputs = Array.from({ length: end - start }, (_, j) =>
      tf.tidy(() => tf.tensor3d(x.subarray((start + j) * px, (start + j + 1) * px), [size, size, 1], 'int32').tile([1, 1, 3]).toFloat() as tf.Tensor3D));
    // A batch of one is returned as [1,7] as well (a list input is always a batch).
    const probs = await net.forward(inputs);
    const data = await probs.data();
    probs.dispose();
    inputs.forEach((t) => t.dispose());
    for (let j = 0; j < end - start; j++) {
      for (let k = 0; k < FACE_API_LABELS.length; k++) out[(start + j) * LABELS.length + TEACHER_TO_LABELS[k]] = data[j * FACE_API_LABELS.length + k];
    }
  }
  return out;
}

export function accuracy(probs: Float32Array, y: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let k = 1; k < LABELS.length; k++) if (probs[i * LABELS.length + k] > probs[i * LABELS.length + best]) best = k;
    if (best === y[i]) correct++;
  }
  return y.length ? correct / y.length : 0;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    data: { type: 'string', default: '.cache/faces' }, split: { type: 'string', default: 'train' },
    out: { type: 'string' }, limit: { type: 'string' },
  } });
  const split = values.split!;
  const x = readTensor(join(values.data!, `${split}_x`));
  const y = readTensor(join(values.data!, `${split}_y`));
  const size = x.shape[1];
  const n = values.limit ? Math.min(Number(values.limit), x.shape[0]) : x.shape[0];
  const net = await loadTeacher();
  const t0 = Date.now();
  const probs = await teacherProbs(net, x.data as Uint8Array, n, size);
  const acc = accuracy(probs, (y.data as Int32Array).subarray(0, n));
  const seconds = (Date.now() - t0) / 1000;
  const out = values.out ?? join(values.data!, `teacher_${split}`);
  writeTensor(out, probs, [n, LABELS.length], { teacher: 'face-api faceExpressionNet', labels: [...LABELS], accuracy: acc, split });
  console.log(JSON.stringify({ split, n, teacherAccuracy: acc, seconds, out }));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
