/**
 * The shipped models, loaded in Node from public/models (the same files the page loads), checked like the page
 * checks them (AssetLoader: byte size and SHA-256 against the folder's manifest.json; a models folder of your own
 * needs one: `npx tsx tools/write-manifest.ts <folder>`), and the dataset-level embedding loops the evaluation CLI
 * and the fusion trainer share. tfjs runs on its WASM backend here (backend.ts).
 */
import { nodeBackend } from './backend.ts';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AssetLoader } from '../../src/runtime/assets.ts';
import { readBundle } from '../../src/runtime/bundles.ts';
import { TextEmotionEncoder } from '../../src/text/encoder.ts';
import { AudioEncoder } from '../../src/audio/encoder.ts';
import { encoderInput, extractAudioFeatures, type EncoderInput, type SpeakerNormalizer } from '../../src/audio/features.ts';
import { recordingQuality } from '../../src/audio/quality.ts';
import { FaceEncoder } from '../../src/video/face-encoder.ts';
import { cropFace, type FaceBox } from '../../src/video/face-crop.ts';
import { FaceDetector } from '../../src/video/face-detector.ts';
import { loadFusionParams } from '../../src/fusion/weights.ts';
import { decodeAudioFile } from '../data/audio-decode.ts';
import { loadFaceImage, type DecodedImage } from '../data/faces.ts';

export const MODELS_DIR = 'public/models';


export interface Embedded { embeddings: Float32Array[]; probs: Float32Array[] }
/** Audio and face outputs also carry each recording's quality (what the fusion's gate reads). */
export interface EmbeddedRecordings extends Embedded { quality: Float32Array[] }

/** A `fetch` for file: URLs, so the page's AssetLoader checks files on disk too. */
async function fileFetch(input: string | URL | Request): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : String(input));
  try { return new Response(await readFile(fileURLToPath(url))); } catch { return new Response(null, { status: 404, statusText: 'Not Found' }); }
}

const loaders = new Map<string, AssetLoader>();
/** The checking loader of a models folder on disk (one per folder: its manifest is read once). */
export function modelsLoader(modelsDir = MODELS_DIR): AssetLoader {
  const base = pathToFileURL(`${resolve(modelsDir)}/`).href;
  if (!loaders.has(base)) loaders.set(base, new AssetLoader(base, undefined, fileFetch as typeof fetch));
  return loaders.get(base)!;
}

export async function loadTextEncoder(modelsDir = MODELS_DIR, model = 'text-encoder'): Promise<TextEmotionEncoder> {
  await nodeBackend();
  // Transformers.js reads the encoder's files from disk itself: check them first, as the page's fetch does.
  const loader = modelsLoader(modelsDir);
  const files = Object.keys((await loader.loadManifest()).files).filter((f) => f.startsWith(`${model}/`));
  for (const file of files) await loader.fetchVerified(file);
  const { head } = await readBundle(loader, model, { fusion: false });
  return TextEmotionEncoder.load({ model, localModelPath: `${modelsDir}/`, head: loader.layersModelHandler(head) });
}

/**
 * Text embeddings of utterances given in dialogue order, in the encoder's input form (`formatDialogue`: for
 * EmoLens's own encoders each turn with its previous turns in the same dialogue). Pass every turn, labelled or
 * not, and filter afterwards: unlabelled turns are context for the next ones.
 */
export async function embedTexts(encoder: TextEmotionEncoder, items: { text: string; speaker?: string; dialogueId?: string }[], onProgress?: (done: number) => void): Promise<Embedded> {
  const out: Embedded = { embeddings: [], probs: [] };
  const inputs = encoder.formatDialogue(items);
  for (let i = 0; i < items.length; i += 256) {
    const chunk = inputs.slice(i, i + 256);
    for (const r of await encoder.classify(chunk)) { out.embeddings.push(r.embedding); out.probs.push(r.probs); }
    onProgress?.(Math.min(items.length, i + 256));
  }
  return out;
}

export async function loadAudioEncoder(modelsDir = MODELS_DIR): Promise<AudioEncoder> {
  await nodeBackend();
  return AudioEncoder.load(modelsLoader(modelsDir).layersModelHandler('audio-encoder'));
}

/**
 * Embeds audio files (decoded to 16 kHz mono). `transform` changes each clip first (the evaluation's recording
 * conditions, e.g. a room): it gets the clip and its index. An encoder trained on speaker-normalised inputs moves
 * each clip by its speaker's averages over all of that speaker's clips here (`speakers[i]` names clip i's speaker;
 * without names each clip is its own speaker), as its training data was.
 */
export async function embedAudioFiles(encoder: AudioEncoder, paths: string[], onProgress?: (done: number) => void, transform?: (pcm: Float32Array, index: number) => Promise<Float32Array>, speakers?: readonly string[]): Promise<EmbeddedRecordings> {
  const out: EmbeddedRecordings = { embeddings: [], probs: [], quality: [] };
  const inputs: EncoderInput[] = [];
  for (const [i, path] of paths.entries()) {
    const pcm = await decodeAudioFile(path);
    const input = encoderInput(extractAudioFeatures(transform ? await transform(pcm, i) : pcm));
    if (encoder.speakerReference) inputs.push(input);
    else {
      const [r] = await encoder.embedInputs([input]);
      out.embeddings.push(r.embedding); out.probs.push(r.probs); out.quality.push(r.quality);
    }
    if (i % 50 === 49) onProgress?.(i + 1);
  }
  if (!encoder.speakerReference) return out;
  const voices = new Map<string, SpeakerNormalizer>();
  const voiceOf = (i: number) => speakers?.[i] ?? `clip ${i}`;
  inputs.forEach((input, i) => {
    if (!voices.has(voiceOf(i))) voices.set(voiceOf(i), encoder.normalizer()!);
    voices.get(voiceOf(i))!.observe(input);
  });
  for (const [i, input] of inputs.entries()) {
    const [r] = await encoder.embedInputs([voices.get(voiceOf(i))!.apply(input)]);
    // The quality of the clip as heard, not as normalised (the page measures it before normalising too).
    out.embeddings.push(r.embedding); out.probs.push(r.probs); out.quality.push(recordingQuality(input));
  }
  return out;
}

export async function loadFaceEncoder(modelsDir = MODELS_DIR): Promise<FaceEncoder> {
  await nodeBackend();
  return FaceEncoder.load(modelsLoader(modelsDir).layersModelHandler('face-encoder'));
}

/** Images at most this large (px, longer side) are taken as face crops already, as in FER2013 (48×48). */
const FACE_CROP_MAX_SIDE = 96;

let detectorReady: Promise<FaceDetector> | undefined;

/**
 * Where the face is in a full frame (CK+ style): the page's own detector (face-api's tiny face detector), or the
 * centre square when it finds none. Gray images are widened to RGB for the detector.
 */
async function locateFace(img: DecodedImage): Promise<{ box: FaceBox; detected: boolean }> {
  detectorReady ??= FaceDetector.loadFromDisk(undefined, { backend: null });
  const detector = await detectorReady;
  const rgb = img.channels === 1 ? Uint8Array.from({ length: img.width * img.height * 3 }, (_, k) => img.data[Math.floor(k / 3)]) : img.data;
  const found = await detector.detect({ data: rgb, width: img.width, height: img.height, channels: img.channels === 1 ? 3 : 4 });
  if (found) return { box: found.box, detected: true };
  const side = Math.min(img.width, img.height);
  return { box: { x: (img.width - side) / 2, y: (img.height - side) / 2, width: side, height: side }, detected: false };
}

/**
 * Face images → crops → (optional `transform` of each 48×48 crop, e.g. a camera degradation) → embeddings. Small images are face crops already (FER2013 style) and go to `cropFace` whole;
 * larger ones (CK+ style frames) are cropped around the detected face, as the page does. `facesNotFound` counts the
 * large images where no face was detected (their centre square is used instead).
 */
export async function embedFaceImages(encoder: FaceEncoder, paths: string[], onProgress?: (done: number) => void, transform?: (crop: Float32Array, index: number) => Promise<Float32Array>): Promise<EmbeddedRecordings & { facesNotFound: number }> {
  const out = { embeddings: [] as Float32Array[], probs: [] as Float32Array[], quality: [] as Float32Array[], facesNotFound: 0 };
  for (let i = 0; i < paths.length; i += 128) {
    const crops: Float32Array[] = [];
    for (const [k, path] of paths.slice(i, i + 128).entries()) {
      const img = await loadFaceImage(path);
      let box: FaceBox | null = null;
      if (Math.max(img.width, img.height) > FACE_CROP_MAX_SIDE) {
        const located = await locateFace(img);
        box = located.box;
        if (!located.detected) out.facesNotFound++;
      }
      const crop = cropFace(img.data, img.width, img.height, box, { channels: img.channels });
      crops.push(transform ? await transform(crop, i + k) : crop);
    }
    for (const r of await encoder.embed(crops)) { out.embeddings.push(r.embedding); out.probs.push(r.probs); out.quality.push(r.quality); }
    onProgress?.(Math.min(paths.length, i + 128));
  }
  return out;
}

export async function loadFusion(modelsDir = MODELS_DIR): Promise<Awaited<ReturnType<typeof loadFusionParams>>> {
  await nodeBackend();
  return loadFusionParams(modelsLoader(modelsDir).layersModelHandler('fusion'));
}
