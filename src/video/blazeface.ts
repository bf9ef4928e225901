/**
 * Face detection with MediaPipe's BlazeFace (the 256×256, 896-anchor variant) as shipped by `@vladmandic/human`
 * (models/blazeface.json + .bin, 539 KB, MIT): a tfjs graph model. Returns the same boxes as FaceDetector plus six
 * keypoints per face.
 *
 * Model contract (read from Human's src/face/blazeface.ts + facemeshutil.ts and the model's signature):
 * - input [1,256,256,3] float RGB in [-1,1] (x / 127.5 - 1);
 * - four outputs [1,N,C]: scores (C=1, logits) and regressors (C=16) for N=512 anchors (16×16 grid, stride 16,
 *   2 anchors per cell) and N=384 anchors (8×8 grid, stride 32, 6 anchors per cell), in that anchor order;
 * - regressor row, in input pixels relative to the anchor centre: [cx, cy, w, h, then 6 × (x, y)] keypoints in
 *   MediaPipe's order: right eye, left eye, nose tip, mouth centre, right ear, left ear (the subject's right/left).
 */
import * as tf from '@tensorflow/tfjs';
import { pixelsToTensor, type FaceDetection, type PixelImage } from './face-detector.ts';

export interface FacePoint { x: number; y: number }

/** A FaceDetection plus BlazeFace's keypoints (image pixels): right eye, left eye, nose, mouth, right ear, left ear. */
export interface BlazeFaceDetection extends FaceDetection { landmarks: FacePoint[] }

export interface BlazeFaceOptions {
  /** Minimum detection score in [0,1]. Default 0.5: on face-api's demo photos every face scored ≥ 0.52 and nothing
   *  else above 0.24 (tools/bench/detectors.ts). */
  scoreThreshold?: number;
  /** IoU above which non-max suppression drops the lower-scoring of two boxes. Default 0.3. */
  iouThreshold?: number;
  /** Most boxes kept by non-max suppression before `maxFaces` applies. Default 20. */
  maxCandidates?: number;
}

export const DEFAULT_BLAZEFACE_OPTIONS: Required<BlazeFaceOptions> = { scoreThreshold: 0.5, iouThreshold: 0.3, maxCandidates: 20 };

const KEYPOINTS = 6;

interface Decoded { boxes: tf.Tensor2D; scores: tf.Tensor1D; keypoints: tf.Tensor3D }

/** Anchor centres in input pixels, in the order the model's outputs list them (finest grid first). */
export function blazeFaceAnchors(inputSize: number): Float32Array {
  const layers = [{ stride: 16, perCell: 2 }, { stride: 32, perCell: 6 }];
  const out: number[] = [];
  for (const { stride, perCell } of layers) {
    const cells = Math.ceil(inputSize / stride);
    for (let gy = 0; gy < cells; gy++) {
      for (let gx = 0; gx < cells; gx++) {
        for (let n = 0; n < perCell; n++) out.push(stride * (gx + 0.5), stride * (gy + 0.5));
      }
    }
  }
  return new Float32Array(out);
}

export class BlazeFaceDetector {
  private readonly options: Required<BlazeFaceOptions>;
  private readonly inputSize: number;
  /** [anchors, 2] anchor centres (x, y) in input pixels; lives as long as the detector. */
  private readonly anchors: tf.Tensor2D;

  private constructor(private readonly model: tf.GraphModel, options: BlazeFaceOptions) {
    this.options = { ...DEFAULT_BLAZEFACE_OPTIONS, ...options };
    this.inputSize = model.inputs[0]?.shape?.[2] ?? 256;
    const anchors = blazeFaceAnchors(this.inputSize);
    this.anchors = tf.tensor2d(anchors, [anchors.length / 2, 2]);
  }

  /** Browser/Worker (or any tfjs IOHandler): `model` is the URL of blazeface.json (its .bin next to it) or a handler. */
  static async load(model: string | tf.io.IOHandler, options: BlazeFaceOptions = {}): Promise<BlazeFaceDetector> {
    return new BlazeFaceDetector(await tf.loadGraphModel(model), options);
  }

  /**
   * Node: reads blazeface.json + its weights from `modelDir` (default: `@vladmandic/human`'s `models/`) and switches
   * tfjs to the WASM backend, like FaceDetector.loadFromDisk (`backend: null` leaves the backend alone).
   */
  static async loadFromDisk(modelDir?: string, options: BlazeFaceOptions & { backend?: 'wasm' | 'cpu' | null } = {}): Promise<BlazeFaceDetector> {
    // getBuiltinModule keeps bundlers from stubbing Node modules into the browser build of this file.
    const { createRequire } = process.getBuiltinModule('node:module');
    const { readFile } = process.getBuiltinModule('node:fs/promises');
    const { dirname, join } = process.getBuiltinModule('node:path');
    const require = createRequire(import.meta.url);
    const backend = options.backend === undefined ? 'wasm' : options.backend;
    if (backend && tf.getBackend() !== backend) {
      if (backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend(backend))) throw new Error(`BlazeFaceDetector: tfjs backend ${backend} unavailable`);
      await tf.ready();
    }
    // Human's package exports list no package.json; its main entry lives in dist/, the models next to it.
    const dir = modelDir ?? join(dirname(require.resolve('@vladmandic/human')), '..', 'models');
    const modelJson = JSON.parse(await readFile(join(dir, 'blazeface.json'), 'utf8')) as tf.io.ModelJSON;
    const handler: tf.io.IOHandler = {
      load: () => tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(manifest.flatMap((group) => group.paths).map((p) => readFile(join(dir, p))));
        const bytes = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
        let offset = 0;
        for (const b of buffers) { bytes.set(b, offset); offset += b.byteLength; }
        return [specs, bytes.buffer];
      }),
    };
    return BlazeFaceDetector.load(handler, options);
  }

  /** The largest face scoring ≥ scoreThreshold, or null. Same `image` as detectAll. */
  async detect(image: tf.Tensor3D | PixelImage): Promise<BlazeFaceDetection | null> {
    return (await this.detectAll(image, 1))[0] ?? null;
  }

  /**
   * Every face scoring ≥ scoreThreshold after non-max suppression, largest first, at most `maxFaces`; boxes and
   * keypoints in image pixels, boxes clipped to the image. `image`: an int32/float [h,w,3] RGB tensor with 0–255
   * values (not disposed) or interleaved RGBA/RGB pixels.
   */
  async detectAll(image: tf.Tensor3D | PixelImage, maxFaces = Infinity): Promise<BlazeFaceDetection[]> {
    const input = image instanceof tf.Tensor ? image : pixelsToTensor(image);
    const [height, width] = input.shape;
    // Letterbox: scale the longer side to the model's input and pad the rest with black (top-left aligned, so
    // mapping back is one division), instead of stretching a 4:3 frame into a square and squashing the faces.
    const scale = this.inputSize / Math.max(width, height);
    let decoded: Decoded;
    try {
      decoded = this.decode(input, scale);
    } finally {
      if (input !== image) input.dispose();
    }
    const { iouThreshold, scoreThreshold, maxCandidates } = this.options;
    let keep: tf.Tensor1D | undefined;
    let picked: { boxes: tf.Tensor; scores: tf.Tensor; keypoints: tf.Tensor } | undefined;
    try {
      keep = await tf.image.nonMaxSuppressionAsync(decoded.boxes, decoded.scores, maxCandidates, iouThreshold, scoreThreshold);
      const k = keep;
      picked = tf.tidy(() => ({ boxes: tf.gather(decoded.boxes, k), scores: tf.gather(decoded.scores, k), keypoints: tf.gather(decoded.keypoints, k) }));
      const [boxes, scores, keypoints] = await Promise.all([picked.boxes.data(), picked.scores.data(), picked.keypoints.data()]);
      const clip = (v: number, max: number) => Math.min(Math.max(v, 0), max);
      const found: BlazeFaceDetection[] = [];
      for (let i = 0; i < scores.length; i++) {
        const x = clip(boxes[4 * i + 1] / scale, width);
        const y = clip(boxes[4 * i] / scale, height);
        const right = clip(boxes[4 * i + 3] / scale, width);
        const bottom = clip(boxes[4 * i + 2] / scale, height);
        if (right - x < 1 || bottom - y < 1) continue; // entirely in the padding
        const landmarks: FacePoint[] = [];
        for (let j = 0; j < KEYPOINTS; j++) {
          const at = (i * KEYPOINTS + j) * 2;
          landmarks.push({ x: keypoints[at] / scale, y: keypoints[at + 1] / scale });
        }
        found.push({ box: { x, y, width: right - x, height: bottom - y }, score: scores[i], landmarks });
      }
      return found.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height).slice(0, maxFaces);
    } finally {
      tf.dispose([decoded.boxes, decoded.scores, decoded.keypoints]);
      if (keep) keep.dispose();
      if (picked) tf.dispose([picked.boxes, picked.scores, picked.keypoints]);
    }
  }

  /** Letterboxed model input → per-anchor boxes ([y1,x1,y2,x2], input pixels), scores and keypoints. */
  private decode(input: tf.Tensor3D, scale: number): Decoded {
    const [height, width] = input.shape;
    const size = this.inputSize;
    return tf.tidy(() => {
      const rw = Math.max(1, Math.min(size, Math.round(width * scale)));
      const rh = Math.max(1, Math.min(size, Math.round(height * scale)));
      const resized = tf.image.resizeBilinear(tf.cast(input, 'float32') as tf.Tensor3D, [rh, rw], false, true);
      const padded = tf.pad(resized, [[0, size - rh], [0, size - rw], [0, 0]]);
      const normalized = tf.sub(tf.div(padded, 127.5), 1).expandDims(0);
      const outputs = this.model.execute(normalized) as tf.Tensor[];
      // Pick outputs by shape, not name: per anchor layer (larger N = finer grid first) a score and a regressor tensor.
      const layer = (channels: number) => outputs.filter((t) => t.shape[2] === channels).sort((a, b) => b.shape[1]! - a.shape[1]!);
      const raw = tf.concat(layer(16), 1).squeeze([0]) as tf.Tensor2D; // [anchors, 16]
      const logits = tf.concat(layer(1), 1).reshape([-1]);
      // Logits clipped to ±100 (MediaPipe's score_clipping_thresh for BlazeFace, as far as known; harmless either way).
      const scores = tf.sigmoid(tf.clipByValue(logits, -100, 100)) as tf.Tensor1D;
      const centres = tf.add(raw.slice([0, 0], [-1, 2]), this.anchors);
      const half = tf.div(raw.slice([0, 2], [-1, 2]), 2);
      const [x1, y1] = tf.split(tf.sub(centres, half), 2, 1);
      const [x2, y2] = tf.split(tf.add(centres, half), 2, 1);
      const boxes = tf.concat([y1, x1, y2, x2], 1) as tf.Tensor2D; // the [y1, x1, y2, x2] order NMS expects
      const keypoints = tf.add(raw.slice([0, 4], [-1, 2 * KEYPOINTS]).reshape([-1, KEYPOINTS, 2]), this.anchors.expandDims(1)) as tf.Tensor3D;
      return { boxes, scores, keypoints };
    });
  }

  dispose(): void {
    this.anchors.dispose();
    this.model.dispose();
  }
}
