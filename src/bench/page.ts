/**
 * Benchmark page (bench.html?backend=…): times each stage of one turn on fixed inputs, on the backend asked for,
 * and publishes the numbers on `window.emolensBench` for tools/bench/run.ts. Synthetic inputs keep runs comparable.
 */
import * as tf from '@tensorflow/tfjs';
import { Engine } from '../runtime/engine.ts';
import { isBackendName } from '../runtime/backend.ts';
import { extractAudioFeatures } from '../audio/features.ts';
import { FaceTracker } from '../video/face-tracker.ts';
import type { TurnFeatures } from '../fusion/batch.ts';

export interface StageTiming { medianMs: number; minMs: number; maxMs: number; runs: number }
export interface BenchResult {
  backend: string; skipped: { backend: string; reason: string }[];
  coldStartMs: number; firstResultMs: number; modelBytes: number; transferredBytes: number;
  stages: Record<string, StageTiming>; peakJsHeapBytes?: number; tfjsBytes: number; tensorsLeaked: number;
}

async function time(runs: number, fn: () => Promise<unknown>): Promise<StageTiming> {
  for (let i = 0; i < 2; i++) await fn(); // warm-up: shader compilation, WASM instantiation
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) { const t = performance.now(); await fn(); ms.push(performance.now() - t); }
  ms.sort((a, b) => a - b);
  return { medianMs: ms[Math.floor(ms.length / 2)], minMs: ms[0], maxMs: ms[ms.length - 1], runs };
}

/** A deterministic speech-like signal: a 3 s vowel-ish harmonic tone with syllable-rate amplitude modulation. */
function syntheticSpeech(seconds = 3): Float32Array {
  const pcm = new Float32Array(16000 * seconds);
  for (let i = 0; i < pcm.length; i++) {
    const t = i / 16000, f0 = 140 + 20 * Math.sin(2 * Math.PI * 0.7 * t);
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
    pcm[i] = 0.2 * env * (Math.sin(2 * Math.PI * f0 * t) + 0.5 * Math.sin(4 * Math.PI * f0 * t) + 0.25 * Math.sin(6 * Math.PI * f0 * t));
  }
  return pcm;
}

async function run(): Promise<BenchResult> {
  const params = new URLSearchParams(location.search);
  const backend = params.get('backend');
  const runs = Number(params.get('runs') ?? 20);
  // The fusion's latency is reported as a median over 200 runs; it is cheap enough to always take that many.
  const fusionRuns = Number(params.get('fusionRuns') ?? 200);
  const t0 = performance.now();
  const recognizer = await Engine.create({ backend: isBackendName(backend) ? backend : undefined });
  const coldStartMs = performance.now() - t0;
  const pcm = syntheticSpeech();
  const crop = new Float32Array(48 * 48).map((_, i) => 0.5 + 0.4 * Math.sin(i / 37));
  const text = await recognizer.embedText('I can not believe you did that, this is wonderful!');
  const audio = await recognizer.embedAudio(pcm);
  const [face] = await recognizer.embedFaces([crop]);
  await recognizer.addTurn({ speaker: 'A', text: text.embedding, audio: audio.embedding, face: face.embedding, startMs: 0, endMs: 3000 });
  const firstResultMs = performance.now() - t0;
  const history: TurnFeatures[] = Array.from({ length: 8 }, (_, i) => ({ text: text.embedding, audio: audio.embedding, face: face.embedding, speakerSlot: i % 2 }));

  const tracker = await FaceTracker.create('/vendor/');
  const frameCanvas = new OffscreenCanvas(640, 480);
  const img = await fetch('/vendor/bench-face.jpg').then((r) => (r.ok ? r.blob() : null)).catch(() => null);
  const g = frameCanvas.getContext('2d')!;
  if (img) g.drawImage(await createImageBitmap(img), 0, 0, 640, 480); else { g.fillStyle = '#888'; g.fillRect(0, 0, 640, 480); }

  const tensorsBefore = tf.memory().numTensors;
  const stages: Record<string, StageTiming> = {
    'face detect (face-api, worker)': await time(runs, async () => tracker.detect(await createImageBitmap(frameCanvas))),
    'face encoder (per crop)': await time(runs, () => recognizer.embedFaces([crop])),
    'audio features (3 s)': await time(runs, async () => extractAudioFeatures(pcm)),
    'audio encoder (3 s)': await time(runs, () => recognizer.embedAudio(pcm)),
    'text embedding + head': await time(runs, () => recognizer.embedText('I can not believe you did that, this is wonderful!')),
    'fusion (one turn, 8 turns context)': await time(fusionRuns, () => recognizer.fuseDialogue(history)),
  };
  const tensorsLeaked = tf.memory().numTensors - tensorsBefore;
  await tracker.dispose();
  const transferredBytes = performance.getEntriesByType('resource').reduce((n, e) => n + ((e as PerformanceResourceTiming).encodedBodySize || 0), 0);
  const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
  const result: BenchResult = {
    backend: recognizer.backend.backend, skipped: recognizer.backend.skipped, coldStartMs, firstResultMs,
    modelBytes: await recognizer.loader.bytes(), transferredBytes, stages, peakJsHeapBytes: memory?.usedJSHeapSize,
    tfjsBytes: tf.memory().numBytes, tensorsLeaked,
  };
  await recognizer.dispose();
  return result;
}

const out = document.getElementById('out')!;
run().then((result) => {
  (window as unknown as { emolensBench: unknown }).emolensBench = result;
  out.textContent = JSON.stringify(result, null, 1);
}, (error) => {
  (window as unknown as { emolensBench: unknown }).emolensBench = { error: String((error as Error).message ?? error) };
  out.textContent = `failed: ${(error as Error).message}`;
});
