/**
 * Copies the runtime files that npm packages ship into public/vendor/ so the app serves them itself
 * (never a CDN): onnxruntime-web's WASM for Transformers.js, tfjs' WASM backend binaries, face-api's
 * tiny face detector weights and the Silero voice-activity model, with a manifest.json (bytes + SHA-256 of each file) that the face worker checks the
 * detector's weights against. public/vendor/ is generated (git-ignored); `npm start`, `npm run build` and the tests run this.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeManifest } from './write-manifest.ts';

const require = createRequire(import.meta.url);
const packageDir = (name: string): string => {
  // Resolve through package.json where exported, else through the main entry.
  try { return dirname(require.resolve(`${name}/package.json`)); } catch { /* not exported */ }
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
};

function copyMatching(fromDir: string, toDir: string, pattern: RegExp): number {
  mkdirSync(toDir, { recursive: true });
  let n = 0;
  for (const name of readdirSync(fromDir)) {
    if (!pattern.test(name)) continue;
    const from = join(fromDir, name), to = join(toDir, name);
    if (existsSync(to) && statSync(to).size === statSync(from).size && statSync(to).mtimeMs >= statSync(from).mtimeMs) { n++; continue; }
    copyFileSync(from, to);
    n++;
  }
  if (n === 0) throw new Error(`setup-assets: nothing matching ${pattern} in ${fromDir}`);
  return n;
}

const out = 'public/vendor';
const counts = {
  ort: copyMatching(join(packageDir('onnxruntime-web'), 'dist'), join(out, 'ort'), /^ort-wasm-simd-threaded.*\.(wasm|mjs)$/),
  tfjsWasm: copyMatching(join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist'), join(out, 'tfjs-wasm'), /\.wasm$/),
  faceApi: copyMatching(join(packageDir('@vladmandic/face-api'), 'model'), join(out, 'face-api'), /^tiny_face_detector_model/),
  // Silero VAD v5 (MIT, the model of snakers4/silero-vad) as @ricky0123/vad-web ships it: the voice-activity model.
  silero: copyMatching(join(packageDir('@ricky0123/vad-web'), 'dist'), join(out, 'silero'), /^silero_vad_v5\.onnx$/),
};
// A face photo for the benchmark page's fixed frame (ships with face-api; MIT).
copyFileSync(join(packageDir('@vladmandic/face-api'), 'demo', 'sample1.jpg'), join(out, 'bench-face.jpg'));
writeManifest(out);
console.log(`setup-assets: ${JSON.stringify(counts)} files in ${out}/`);
