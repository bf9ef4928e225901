/**
 * Face detection with `@vladmandic/face-api`'s tiny face detector (weights ship in the package's `model/` folder:
 * tiny_face_detector_model-weights_manifest.json + .bin, 193 KB). Returns the main face of an image, or all of them.
 *
 * Which face-api build runs where (measured here):
 * - page / Worker: `dist/face-api.esm-nobundle.js`, which shares the app's `@tensorflow/tfjs` engine. In the page it
 *   must run on the WASM backend (on WebGPU it never finishes), hence its own Worker (src/video/face-worker.ts).
 * - Node (tests, tools): `dist/face-api.node-wasm.js` with `@tensorflow/tfjs` + the WASM backend, via `loadFromDisk`.
 */
import * as tf from '@tensorflow/tfjs';
import type * as FaceApiModule from '@vladmandic/face-api/dist/face-api.esm-nobundle.js';
import type { FaceBox } from './face-crop.ts';

export type FaceApi = typeof FaceApiModule;

export interface FaceDetectorOptions {
  /** Side the detector resizes the image to (multiple of 32). 224 is fast (~34 ms on WASM in Node for 720×480);
   *  320 finds smaller/farther faces. Default 224. */
  inputSize?: number;
  /** Minimum detection score in [0,1]. Default 0.4. */
  scoreThreshold?: number;
}

export const DEFAULT_DETECTOR_OPTIONS: Required<FaceDetectorOptions> = { inputSize: 224, scoreThreshold: 0.4 };

export interface FaceDetection { box: FaceBox; score: number }

/** Interleaved 8-bit pixels, RGBA by default (ImageData, OffscreenCanvas getImageData, sharp `.ensureAlpha()`). */
export interface PixelImage { data: Uint8ClampedArray | Uint8Array; width: number; height: number; channels?: 3 | 4 }

/** face-api's CommonJS build for Node with the WASM backend. */
const NODE_BUILD = '@vladmandic/face-api/dist/face-api.node-wasm.js';

export class FaceDetector {
  private readonly options: Required<FaceDetectorOptions>;

  private constructor(
    private readonly api: FaceApi,
    private readonly net: InstanceType<FaceApi['TinyFaceDetector']>,
    options: FaceDetectorOptions,
  ) {
    this.options = { ...DEFAULT_DETECTOR_OPTIONS, ...options };
  }

  /**
   * Browser/Worker: loads the tiny face detector from `modelBaseUrl` (folder URL with face-api's
   * tiny_face_detector_model-weights_manifest.json). `api` defaults to the esm-nobundle build; a Worker passes the
   * module it configured (face-api needs `env.setEnv` there, see face-worker.ts).
   */
  static async load(modelBaseUrl: string, options: FaceDetectorOptions = {}, api?: FaceApi): Promise<FaceDetector> {
    const faceapi = api ?? await import('@vladmandic/face-api/dist/face-api.esm-nobundle.js');
    const net = new faceapi.TinyFaceDetector();
    await net.loadFromUri(modelBaseUrl);
    return new FaceDetector(faceapi, net, options);
  }

  /**
   * Browser/Worker, every byte checked: `fetchFile(name)` returns a file of face-api's `model/` folder (the page
   * passes AssetLoader.fetchVerified, which checks it against a manifest). face-api's own `loadFromUri` would fetch
   * the weights through tfjs' loader, past any check; here the weight map is decoded from the checked bytes.
   */
  static async loadVerified(fetchFile: (name: string) => Promise<ArrayBuffer>, options: FaceDetectorOptions = {}, api?: FaceApi): Promise<FaceDetector> {
    const faceapi = api ?? await import('@vladmandic/face-api/dist/face-api.esm-nobundle.js');
    const manifestFile = 'tiny_face_detector_model-weights_manifest.json';
    let manifest: tf.io.WeightsManifestConfig;
    const text = new TextDecoder().decode(await fetchFile(manifestFile));
    try { manifest = JSON.parse(text) as tf.io.WeightsManifestConfig; } catch { throw new Error(`face detector: ${manifestFile} is not valid JSON`); }
    const specs = manifest.flatMap((group) => group.weights);
    const buffers = await Promise.all(manifest.flatMap((group) => group.paths).map((path) => fetchFile(path)));
    const weightMap = tf.io.decodeWeights(buffers, specs);
    const net = new faceapi.TinyFaceDetector();
    // The decoded tensors become the net's parameters (freed by dispose()).
    net.loadFromWeightMap(weightMap as never);
    return new FaceDetector(faceapi, net, options);
  }

  /**
   * Node: loads face-api's Node WASM build and the weights from `modelDir` (default: the package's `model/`).
   * Switches tfjs to the WASM backend (`backend: null` leaves the backend alone); no setWasmPaths in Node: the
   * backend finds its .wasm files next to its own module.
   */
  static async loadFromDisk(modelDir?: string, options: FaceDetectorOptions & { backend?: 'wasm' | 'cpu' | null } = {}): Promise<FaceDetector> {
    // getBuiltinModule (Node ≥ 20.16) instead of `import('node:module')` keeps bundlers from stubbing a Node
    // module into the browser build of this file.
    const { createRequire } = process.getBuiltinModule('node:module');
    const require = createRequire(import.meta.url);
    // CommonJS build: require() it so it shares the `@tensorflow/tfjs` instance (dist/tf.node.js) this module imports.
    const faceapi = require(NODE_BUILD) as FaceApi;
    const backend = options.backend === undefined ? 'wasm' : options.backend;
    if (backend && tf.getBackend() !== backend) {
      if (backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend(backend))) throw new Error(`FaceDetector: tfjs backend ${backend} unavailable`);
      await tf.ready();
    }
    const { dirname, join } = process.getBuiltinModule('node:path');
    const dir = modelDir ?? join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
    const net = new faceapi.TinyFaceDetector();
    await net.loadFromDisk(dir);
    return new FaceDetector(faceapi, net, options);
  }

  /**
   * The main face: the largest box among detections scoring ≥ scoreThreshold (in a conversation the nearest face
   * is the speaker), or null. Box in image pixels. `image`: an int32/float [h,w,3] RGB tensor with 0–255 values
   * (not disposed) or interleaved RGBA/RGB pixels.
   */
  async detect(image: tf.Tensor3D | PixelImage): Promise<FaceDetection | null> {
    return (await this.detectAll(image, 1))[0] ?? null;
  }

  /**
   * Every face scoring ≥ scoreThreshold, largest first, at most `maxFaces` (the detector's non-maximum suppression
   * already keeps one box per face). Same `image` as detect.
   */
  async detectAll(image: tf.Tensor3D | PixelImage, maxFaces = Infinity): Promise<FaceDetection[]> {
    const input = image instanceof tf.Tensor ? image : pixelsToTensor(image);
    try {
      const found = await this.net.locateFaces(input as never, new this.api.TinyFaceDetectorOptions(this.options));
      return found
        .map((d) => ({ box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height }, score: d.score }))
        .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)
        .slice(0, maxFaces);
    } finally {
      if (input !== image) input.dispose();
    }
  }

  dispose(): void { this.net.dispose(); }
}

/** Interleaved 8-bit pixels → int32 [h,w,3] RGB tensor (the layout face-api's own image readers produce). */
export function pixelsToTensor(image: PixelImage): tf.Tensor3D {
  const channels = image.channels ?? 4;
  return tf.tidy(() => {
    const bytes = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length); // clamped → plain view
    const all = tf.tensor3d(bytes, [image.height, image.width, channels], 'int32');
    return channels === 3 ? all : all.slice([0, 0, 0], [image.height, image.width, 3]);
  });
}
