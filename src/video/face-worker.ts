/// <reference lib="webworker" />
/**
 * The face detector's own module Worker, with its OWN tfjs instance on the WASM backend: face-api never finishes on
 * WebGPU (synchronous GPU reads), and tfjs has one active backend per instance, so the page's engine stays free for
 * the encoders. Calls (face-worker-protocol.ts) come through worker-rpc.ts. Per frame: pixels via a reused
 * OffscreenCanvas, tiny face detector, `cropFace` (the same crop the training data went through), crop buffer
 * transferred back; when the page has linked this Worker to the inference Worker, the crop goes there directly
 * and its embedding comes back with the box (one stop on the page per frame instead of two). The detector's weights are checked against the vendor folder's manifest like every model file.
 */
import { chooseBackend } from '../runtime/backend.ts';
// esm-nobundle: face-api without its own tfjs copy; it imports '@tensorflow/tfjs/dist/index.js', the same file
// the bundler resolves '@tensorflow/tfjs' to, so it runs on this worker's engine and backend.
import * as faceapi from '@vladmandic/face-api/dist/face-api.esm-nobundle.js';
import { cropFace } from './face-crop.ts';
import { FaceDetector } from './face-detector.ts';
import { MAX_FACES_PER_FRAME, type DetectedFace, type FaceWorkerMethods } from './face-worker-protocol.ts';
import type { EngineFaceMethods } from '../runtime/engine-protocol.ts';
import { AssetLoader } from '../runtime/assets.ts';
import { PortClient } from '../runtime/port-rpc.ts';
import { serveRpc } from '../runtime/worker-rpc-host.ts';
import { explainWasmBlocked } from '../runtime/csp.ts';

let detector: FaceDetector | null = null;
/** The link to the inference Worker, when the page made one. */
let engine: PortClient<EngineFaceMethods> | null = null;

/**
 * How long a crop may wait for the inference Worker before the page is asked to embed it instead. The first call
 * after start-up may compile shaders (seconds); a dead inference Worker never answers, and the page re-links.
 */
const ENGINE_TIMEOUT_MS = 20_000;

/**
 * Frames are drawn at most this many pixels on their longer side before detection and cropping: the detector
 * resizes to 224 px anyway and a webcam face stays well above 48 px, while reading back and converting a full
 * 1920×1280 frame cost ~0.7 s here (640 px: a tenth of the pixels).
 */
const MAX_SIDE = 640;

/**
 * face-api only knows window (browser) and Node environments; in a Worker, describe one built on OffscreenCanvas.
 * Its fetch is `verifiedFetch`: the detector's weights load only if they match the manifest.
 */
function patchFaceApiEnv(verifiedFetch: (input: string | URL, init?: RequestInit) => Promise<Response>): void {
  class NoElement { constructor() { throw new Error('face-api: no DOM elements in a Worker (pass tensors)'); } }
  faceapi.env.setEnv({
    Canvas: OffscreenCanvas, CanvasRenderingContext2D: OffscreenCanvasRenderingContext2D,
    Image: ImageBitmap, ImageData, Video: NoElement,
    createCanvasElement: () => new OffscreenCanvas(1, 1),
    createImageElement: () => new NoElement(), createVideoElement: () => new NoElement(),
    fetch: (input: RequestInfo | URL, init?: RequestInit) => verifiedFetch(input instanceof Request ? input.url : input, init),
    readFile: () => { throw new Error('face-api: no file system in a Worker'); },
  } as unknown as Parameters<typeof faceapi.env.setEnv>[0]);
}

let canvas: OffscreenCanvas | null = null;
let context: OffscreenCanvasRenderingContext2D | null = null;

/**
 * RGBA pixels of a VideoFrame or ImageBitmap (drawImage takes both), scaled to MAX_SIDE, then closes the frame.
 * The canvas is reused (reallocated only when the size changes) and cleared before every frame: without the clear,
 * a transparent image would show the previous frame's pixels, and its face, through it.
 */
function readPixels(frame: VideoFrame | ImageBitmap): { image: ImageData; scale: number; frameWidth: number; frameHeight: number } {
  try {
    const frameWidth = 'displayWidth' in frame ? frame.displayWidth : frame.width;
    const frameHeight = 'displayHeight' in frame ? frame.displayHeight : frame.height;
    if (!(frameWidth > 0 && frameHeight > 0)) throw new Error(`the frame has no pixels (${frameWidth}×${frameHeight}; closed?)`);
    const scale = Math.min(1, MAX_SIDE / Math.max(frameWidth, frameHeight));
    const width = Math.max(1, Math.round(frameWidth * scale)), height = Math.max(1, Math.round(frameHeight * scale));
    if (!canvas || !context || canvas.width !== width || canvas.height !== height) {
      canvas = new OffscreenCanvas(width, height);
      context = canvas.getContext('2d', { willReadFrequently: true });
      if (!context) throw new Error('OffscreenCanvas 2D context unavailable');
    }
    context.clearRect(0, 0, width, height);
    context.drawImage(frame, 0, 0, width, height);
    return { image: context.getImageData(0, 0, width, height), scale: width / frameWidth, frameWidth, frameHeight };
  } finally {
    frame.close();
  }
}

/** Checks and loads the detector's weights on WASM (CPU when WASM cannot start). */
async function load(vendorBaseUrl: string): Promise<string> {
  const loader = new AssetLoader(vendorBaseUrl, undefined, undefined, 'Runtime file');
  await loader.loadManifest();
  patchFaceApiEnv(loader.verifiedFetch);
  // WASM, its binary checked; the CPU backend where WASM cannot start.
  const { backend } = await chooseBackend({ order: ['wasm', 'cpu'], wasmPaths: `${vendorBaseUrl}tfjs-wasm/`, fetchWasm: (name) => loader.fetchVerified(`tfjs-wasm/${name}`) });
  detector?.dispose();
  detector = await FaceDetector.loadVerified((name) => loader.fetchVerified(`face-api/${name}`), {}, faceapi);
  return backend;
}

const methods: { [M in keyof FaceWorkerMethods]: (...args: Parameters<FaceWorkerMethods[M]>) => Promise<ReturnType<FaceWorkerMethods[M]>> } = {
  async init(vendorBaseUrl) {
    try { return await load(vendorBaseUrl); } catch (error) { throw explainWasmBlocked(error); }
  },
  async detect(frame, embed = false) {
    const started = performance.now();
    if (!detector) { frame.close(); throw new Error('frame before init'); }
    const { image, scale, frameWidth, frameHeight } = readPixels(frame);
    const found = await detector.detectAll(image, MAX_FACES_PER_FRAME);
    // Boxes are reported in the frame's own pixels.
    const faces: DetectedFace[] = found.map((d) => ({
      box: { x: d.box.x / scale, y: d.box.y / scale, width: d.box.width / scale, height: d.box.height / scale },
      score: d.score, crop: cropFace(image.data, image.width, image.height, d.box),
    }));
    const ms = performance.now() - started;
    if (embed && faces.length && engine) {
      try {
        // Copies go (transferred); the crops themselves stay for the page's fallback, should this call fail.
        const copies = faces.map((f) => f.crop.slice());
        const embedded = await engine.call('embedFaces', [copies], copies.map((c) => c.buffer));
        faces.forEach((f, i) => { f.face = embedded[i]; });
      } catch { /* the page embeds them */ }
    }
    const main = faces[0];
    return { box: main?.box ?? null, score: main?.score ?? 0, crop: main?.crop ?? null, face: main?.face, width: frameWidth, height: frameHeight, ms, faces };
  },
  async connectEngine(port) {
    engine?.close();
    engine = port ? new PortClient<EngineFaceMethods>(port, 'inference worker', ENGINE_TIMEOUT_MS) : null;
  },
  async dispose() { engine?.close(); engine = null; detector?.dispose(); detector = null; },
};

serveRpc(methods, ['connectEngine']);
