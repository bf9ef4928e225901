/**
 * Pretrained face-expression peers, wrapped behind one interface so the face benchmark (faces.html,
 * tools/bench/faces.ts) feeds every model the SAME 48×48 gray faces and reads probabilities in LABELS order:
 * - ours: public/models/face-encoder (FaceEncoder), input = `cropFace(gray, 48, 48, null)` (values/255, 48×48).
 * - face-api's FaceExpressionNet (@vladmandic/face-api model/face_expression_model-*): expects a face crop in
 *   0..255 RGB, which it pads to a square and resizes to 112×112 itself; gray is replicated to 3 channels.
 * - Human's emotion model (@vladmandic/human models/emotion.json, oarriaga's FER2013 mini-Xception, graph model):
 *   Human resizes the face (0..1) bilinearly to 64×64, converts to gray and maps it to [-1, 1] (src/gear/emotion.ts:
 *   `(gray - 0.5) * 2`); its output is already a softmax.
 * Browser only in use (fetches weights from URLs), but the label tables import in Node for the unit test.
 */
import * as tf from '@tensorflow/tfjs';
import { LABELS, NUM_LABELS, toLabelIndex } from '../labels.ts';
import { cropFace } from '../video/face-crop.ts';
import { FaceEncoder } from '../video/face-encoder.ts';

/** face-api's FACE_EXPRESSION_LABELS order (its FaceExpressions class). */
export const FACE_API_LABELS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'] as const;
/** Human's emotion annotations for the 1-channel (oarriaga) model (src/gear/emotion.ts). */
export const HUMAN_LABELS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;

/** Side of the gray faces every model receives (FER2013 size). */
export const BENCH_FACE_SIZE = 48;

/**
 * For each peer output index, its index in LABELS (via `toLabel`). Throws if a peer label has no match or two
 * peer labels land on the same LABELS class: the benchmark must compare like with like.
 */
export function labelPermutation(peerLabels: readonly string[]): number[] {
  const perm = peerLabels.map((l) => toLabelIndex(l));
  perm.forEach((p, i) => { if (p < 0) throw new Error(`labelPermutation: peer label "${peerLabels[i]}" has no LABELS match`); });
  if (new Set(perm).size !== perm.length || perm.length !== NUM_LABELS) throw new Error(`labelPermutation: [${peerLabels.join(', ')}] is not a permutation of LABELS`);
  return perm;
}

/** Reorders one peer probability row into LABELS order. */
export function toLabelsOrder(probs: ArrayLike<number>, perm: readonly number[]): Float32Array {
  const out = new Float32Array(LABELS.length);
  perm.forEach((target, i) => { out[target] = probs[i]; });
  return out;
}

export type FaceModelName = 'ours' | 'face-api' | 'human';

export interface FaceClassifier {
  readonly name: FaceModelName;
  /** `gray`: `count` row-major 48×48 8-bit gray faces back to back. Returns one probability row per face, LABELS order. */
  classify(gray: Uint8Array, count: number): Promise<Float32Array[]>;
  dispose(): void;
}

const FACE_PIXELS = BENCH_FACE_SIZE * BENCH_FACE_SIZE;

function checkBatch(gray: Uint8Array, count: number): void {
  if (gray.length !== count * FACE_PIXELS) throw new Error(`classify: ${gray.length} bytes for ${count} faces of ${BENCH_FACE_SIZE}×${BENCH_FACE_SIZE}`);
}

/** Reads a [count, 7] tensor back asynchronously (WebGPU/WebGL-safe) and reorders rows into LABELS order. */
async function readRows(probs: tf.Tensor, count: number, perm: readonly number[]): Promise<Float32Array[]> {
  try {
    const data = await probs.data() as Float32Array;
    return Array.from({ length: count }, (_, i) => toLabelsOrder(data.subarray(i * 7, (i + 1) * 7), perm));
  } finally {
    probs.dispose();
  }
}

/** Our encoder, fed exactly what the app feeds it: `cropFace(..., null)` of the whole (already cropped) face. */
export class OurFaceModel implements FaceClassifier {
  readonly name = 'ours';
  private constructor(private readonly encoder: FaceEncoder) {}
  static async load(url = '/models/face-encoder/model.json'): Promise<OurFaceModel> { return new OurFaceModel(await FaceEncoder.load(url)); }
  async classify(gray: Uint8Array, count: number): Promise<Float32Array[]> {
    checkBatch(gray, count);
    const crops = Array.from({ length: count }, (_, i) => cropFace(gray.subarray(i * FACE_PIXELS, (i + 1) * FACE_PIXELS), BENCH_FACE_SIZE, BENCH_FACE_SIZE, null, { channels: 1 }));
    return (await this.encoder.embed(crops)).map((e) => e.probs);
  }
  dispose(): void { this.encoder.dispose(); }
}

type FaceApiModule = typeof import('@vladmandic/face-api/dist/face-api.esm-nobundle.js');

/** face-api's expression net on the app's tfjs engine (esm-nobundle build); weights from `modelBaseUrl`. */
export class FaceApiExpressionModel implements FaceClassifier {
  readonly name = 'face-api';
  private readonly perm = labelPermutation(FACE_API_LABELS);
  private constructor(private readonly api: FaceApiModule, private readonly net: InstanceType<FaceApiModule['FaceExpressionNet']>) {}

  static async load(modelBaseUrl: string): Promise<FaceApiExpressionModel> {
    const api = await import('@vladmandic/face-api/dist/face-api.esm-nobundle.js');
    if (api.FACE_EXPRESSION_LABELS.join() !== FACE_API_LABELS.join()) throw new Error(`face-api labels changed: ${api.FACE_EXPRESSION_LABELS.join()}`);
    const net = new api.FaceExpressionNet();
    await net.loadFromUri(modelBaseUrl);
    return new FaceApiExpressionModel(api, net);
  }

  async classify(gray: Uint8Array, count: number): Promise<Float32Array[]> {
    checkBatch(gray, count);
    // Gray 0..255 → 3 equal channels; face-api's own NetInput pads/resizes to 112×112 and subtracts its mean RGB.
    // toNetInput takes a batch as an array of [h, w, 3] tensors (a Tensor4D only with batch size 1).
    const input = tf.tidy(() => tf.unstack(tf.tile(tf.tensor4d(Float32Array.from(gray), [count, BENCH_FACE_SIZE, BENCH_FACE_SIZE, 1]), [1, 1, 1, 3])));
    try {
      // face-api's .d.ts names its own bundled tfjs types; at run time it is the app's tfjs engine (esm-nobundle).
      const netInput = await this.api.toNetInput(input as unknown as Parameters<FaceApiModule['toNetInput']>[0]);
      // forwardInput = softmax(net(input)) as in predictExpressions, but read back once with async data().
      return await readRows(this.net.forwardInput(netInput) as unknown as tf.Tensor, count, this.perm);
    } finally {
      tf.dispose(input);
    }
  }

  dispose(): void { this.net.dispose(); }
}

/** Human's FER2013 mini-Xception (graph model), with Human's preprocessing. */
export class HumanEmotionModel implements FaceClassifier {
  readonly name = 'human';
  private readonly perm = labelPermutation(HUMAN_LABELS);
  private constructor(private readonly model: tf.GraphModel, private readonly size: number) {}

  static async load(modelUrl: string): Promise<HumanEmotionModel> {
    const model = await tf.loadGraphModel(modelUrl);
    const shape = model.inputs[0].shape ?? [];
    if (shape[3] !== 1) throw new Error(`HumanEmotionModel: expected a 1-channel input, got [${shape.join(', ')}]`);
    return new HumanEmotionModel(model, shape[2] ?? 64);
  }

  async classify(gray: Uint8Array, count: number): Promise<Float32Array[]> {
    checkBatch(gray, count);
    const probs = tf.tidy(() => {
      const faces = tf.tensor4d(Float32Array.from(gray, (v) => v / 255), [count, BENCH_FACE_SIZE, BENCH_FACE_SIZE, 1]);
      const resized = tf.image.resizeBilinear(faces, [this.size, this.size], false);
      return this.model.execute(tf.mul(tf.sub(resized, 0.5), 2)) as tf.Tensor;
    });
    return readRows(probs, count, this.perm);
  }

  dispose(): void { this.model.dispose(); }
}
