/**
 * The shipped models, loaded in Node from public/models (the same files the page loads), and the dataset-level
 * embedding loops the evaluation CLI and the fusion trainer share. tfjs runs on its WASM backend here.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import { TextEncoder as TextEmotionEncoder } from '../src/text/encoder.ts';
import { formatUtterance } from '../src/text/tokenizer.ts';
import { AudioEncoder } from '../src/audio/encoder.ts';
import { extractAudioFeatures } from '../src/audio/features.ts';
import { FaceEncoder } from '../src/video/face-encoder.ts';
import { cropFace } from '../src/video/face-crop.ts';
import { loadFusionParams } from '../src/fusion/weights.ts';
import { decodeAudioFile } from './data/audio-decode.ts';
import { loadFaceImage } from './data/faces.ts';
import { diskLoader } from './train/tfjs-disk.ts';

export const MODELS_DIR = 'public/models';

let backendReady: Promise<string> | undefined;
/** tfjs' WASM backend in Node (fast for inference), falling back to the CPU backend. */
export function nodeBackend(): Promise<string> {
  backendReady ??= (async () => {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm').catch(() => false))) await tf.setBackend('cpu');
    await tf.ready();
    return tf.getBackend();
  })();
  return backendReady;
}

export interface Embedded { embeddings: Float32Array[]; probs: Float32Array[] }

export async function loadTextEncoder(modelsDir = MODELS_DIR, model = 'text-encoder'): Promise<TextEmotionEncoder> {
  await nodeBackend();
  return TextEmotionEncoder.load({ model, localModelPath: `${modelsDir}/`, head: diskLoader(join(modelsDir, 'text-head')) });
}

export async function embedTexts(encoder: TextEmotionEncoder, items: { text: string; speaker?: string }[], onProgress?: (done: number) => void): Promise<Embedded> {
  const out: Embedded = { embeddings: [], probs: [] };
  for (let i = 0; i < items.length; i += 256) {
    const chunk = items.slice(i, i + 256).map((u) => formatUtterance(u.speaker, u.text));
    for (const r of await encoder.classify(chunk)) { out.embeddings.push(r.embedding); out.probs.push(r.probs); }
    onProgress?.(Math.min(items.length, i + 256));
  }
  return out;
}

export async function loadAudioEncoder(modelsDir = MODELS_DIR): Promise<AudioEncoder> {
  await nodeBackend();
  return AudioEncoder.load(diskLoader(join(modelsDir, 'audio-encoder')));
}

export async function embedAudioFiles(encoder: AudioEncoder, paths: string[], onProgress?: (done: number) => void): Promise<Embedded> {
  const out: Embedded = { embeddings: [], probs: [] };
  for (const [i, path] of paths.entries()) {
    const r = await encoder.embed(extractAudioFeatures(await decodeAudioFile(path)));
    out.embeddings.push(r.embedding); out.probs.push(r.probs);
    if (i % 50 === 49) onProgress?.(i + 1);
  }
  return out;
}

export async function loadFaceEncoder(modelsDir = MODELS_DIR): Promise<FaceEncoder> {
  await nodeBackend();
  return FaceEncoder.load(diskLoader(join(modelsDir, 'face-encoder')));
}

/**
 * Face images → crops → embeddings. Images no larger than `wholeImageMax` px are taken as face crops already
 * (FER2013 style); larger ones (CK+ style frames) are centre-cropped to a square first. TODO(issue 3): run the
 * face detector on large images.
 */
export async function embedFaceImages(encoder: FaceEncoder, paths: string[], onProgress?: (done: number) => void): Promise<Embedded> {
  const out: Embedded = { embeddings: [], probs: [] };
  for (let i = 0; i < paths.length; i += 128) {
    const crops: Float32Array[] = [];
    for (const path of paths.slice(i, i + 128)) {
      const img = await loadFaceImage(path);
      const side = Math.min(img.width, img.height);
      const box = img.width === img.height ? null : { x: (img.width - side) / 2, y: (img.height - side) / 2, width: side, height: side };
      crops.push(cropFace(img.data, img.width, img.height, box, { channels: img.channels }));
    }
    for (const r of await encoder.embed(crops)) { out.embeddings.push(r.embedding); out.probs.push(r.probs); }
    onProgress?.(Math.min(paths.length, i + 128));
  }
  return out;
}

export async function loadFusion(modelsDir = MODELS_DIR): Promise<Awaited<ReturnType<typeof loadFusionParams>>> {
  await nodeBackend();
  return loadFusionParams(diskLoader(join(modelsDir, 'fusion')));
}
