/**
 * The project's face expression encoder on tfjs: 48×48 gray crops (from `cropFace`) → a 64-d embedding (what the
 * fusion consumes) and 7 logits in LABELS order. The model is a tfjs LayersModel exported by
 * tools/train/export-face.ts (outputs: [embedding, logits]).
 */
import * as tf from '@tensorflow/tfjs';
import { FACE_INPUT } from './face-crop.ts';
import { cropQuality } from './crop-quality.ts';

export interface FaceEmbedding {
  /** Penultimate representation, length 64 (ReLU features). */
  embedding: Float32Array;
  /** Softmax over the 7 LABELS. */
  probs: Float32Array;
  /** How good the crop is (`cropQuality`): what the fusion's gate reads to know how far to trust the face. */
  quality: Float32Array;
}

export interface FaceEncoderOptions {
  /**
   * Test-time mirror averaging: each crop also runs mirrored left-right and the two results are averaged (logits
   * and embeddings). Faces are roughly symmetric and training used random flips; measured on FER2013 PublicTest
   * with encoder v4: accuracy 0.638 → 0.640 (v3: 0.608 → 0.619), at twice the compute per crop. Default true.
   */
  flipAverage?: boolean;
}

export class FaceEncoder {
  private constructor(readonly model: tf.LayersModel, readonly flipAverage: boolean) {}

  /** `source`: a URL of model.json (browser, e.g. '/models/face-encoder/model.json') or a tfjs IOHandler (Node: diskLoader). */
  static async load(source: string | tf.io.IOHandler, options: FaceEncoderOptions = {}): Promise<FaceEncoder> {
    const model = await tf.loadLayersModel(source);
    if (model.outputs.length !== 2) throw new Error(`FaceEncoder: expected 2 outputs [embedding, logits], got ${model.outputs.length}`);
    return new FaceEncoder(model, options.flipAverage ?? true);
  }

  get embeddingSize(): number { return this.model.outputs[0].shape[1] as number; }

  /** Embeds crops (each size×size values in [0,1], row-major). Reads back with async `data()` only (WebGPU-safe). */
  async embed(crops: Float32Array[]): Promise<FaceEmbedding[]> {
    if (crops.length === 0) return [];
    const size = FACE_INPUT.size;
    const [emb, probs] = tf.tidy(() => {
      const flat = new Float32Array(crops.length * size * size);
      crops.forEach((c, i) => {
        if (c.length !== size * size) throw new Error(`FaceEncoder.embed: crop ${i} has ${c.length} values, expected ${size * size}`);
        flat.set(c, i * size * size);
      });
      const input = tf.tensor4d(flat, [crops.length, size, size, 1]);
      if (!this.flipAverage) {
        const [e, logits] = this.model.predict(input) as tf.Tensor[];
        return [e, tf.softmax(logits)];
      }
      // One batch of [crops; mirrored crops], then the mean of each crop's two rows.
      const n = crops.length;
      const [e, logits] = this.model.predict(tf.concat([input, tf.reverse(input, 2)], 0)) as tf.Tensor[];
      const mean = (t: tf.Tensor): tf.Tensor => t.slice([0, 0], [n, -1]).add(t.slice([n, 0], [n, -1])).div(2);
      return [mean(e), tf.softmax(mean(logits))];
    });
    try {
      const [e, p] = await Promise.all([emb.data() as Promise<Float32Array>, probs.data() as Promise<Float32Array>]);
      const d = this.embeddingSize, k = probs.shape[1] as number;
      return crops.map((_, i) => ({ embedding: e.slice(i * d, (i + 1) * d), probs: p.slice(i * k, (i + 1) * k), quality: cropQuality(crops[i], size) }));
    } finally {
      emb.dispose();
      probs.dispose();
    }
  }

  dispose(): void { this.model.dispose(); }
}
