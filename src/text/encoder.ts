/**
 * The text branch of EmoLens: any Transformers.js feature-extraction model (the shipped one in
 * public/models/text-encoder is Universal Sentence Encoder lite fine-tuned here; public/models/text-encoder-compact
 * is EmoLens's own small transformer; a Hub id such as Xenova/all-MiniLM-L6-v2 works when remote models are allowed)
 * gives a mean-pooled sentence vector; a small tfjs head (public/models/text-head) maps it to `embedding` [D] and
 * 7-class logits. The head is the model-specific part: it must have been fitted on the same encoder's pooled vectors.
 *
 * Inputs are utterances already in the model's input form: build them with `formatTurn` / `formatDialogue`, which
 * follow the form the model folder names (`inputForm`).
 */
import * as tf from '@tensorflow/tfjs';
import { pipeline, type FeatureExtractionPipeline, type ProgressCallback } from '@huggingface/transformers';
import { configureTransformers, ensureTransformersConfigured, type TransformersConfig } from './env.ts';
import { formatDialogueInputs, formatTurnInput, type PastTurn, type TextInputForm } from './tokenizer.ts';

export interface TextEncoderOptions extends TransformersConfig {
  /** Transformers.js model id, or a folder name under `localModelPath` (default 'text-encoder'). */
  model?: string;
  /** The head: a model.json URL/path for tf.loadLayersModel, or an IOHandler (Node: a disk loader). Optional: without it only `embedPooled` works. */
  head?: string | tf.io.IOHandler;
  /** Transformers.js progress events (initiate, download, progress, done, ready). */
  progressCallback?: ProgressCallback;
  /** onnxruntime execution device, e.g. 'wasm' | 'webgpu' | 'cpu'; Transformers.js picks its default when omitted. */
  device?: string;
  /** Which ONNX weights to load: 'fp32' (onnx/model.onnx, default: what EmoLens ships) or e.g. 'q8', 'fp16' for
   * models that have them. Transformers.js would otherwise default to the quantized file in the browser. */
  dtype?: string;
  /** Texts per ONNX call (shorter batches pad less). Default 32. */
  batchSize?: number;
}

export interface TextPrediction {
  /** Head's penultimate representation [D], what the fusion consumes. */
  embedding: Float32Array;
  /** Softmax over LABELS order. */
  probs: Float32Array;
  logits: Float32Array;
}

export class TextEmotionEncoder {
  private constructor(
    private extractor: FeatureExtractionPipeline,
    private head: tf.LayersModel | undefined,
    readonly model: string,
    private batchSize: number,
    /** What the encoder was trained to read (config.json `emolens_input_form`; default 'turn-with-context'). */
    readonly inputForm: TextInputForm,
  ) {}

  static async load(options: TextEncoderOptions = {}): Promise<TextEmotionEncoder> {
    if (options.localModelPath !== undefined || options.allowRemoteModels !== undefined || options.wasmPaths !== undefined || options.remoteHost !== undefined) {
      configureTransformers(options);
    } else {
      ensureTransformersConfigured();
    }
    const model = options.model ?? 'text-encoder';
    const pipeOptions: Record<string, unknown> = { progress_callback: options.progressCallback };
    if (options.device) pipeOptions.device = options.device;
    pipeOptions.dtype = options.dtype ?? 'fp32';
    // Cast: pipeline()'s overloads are too deep for the type checker with a non-literal options object.
    const extractor = (await (pipeline as (task: string, model: string, o: unknown) => Promise<unknown>)('feature-extraction', model, pipeOptions)) as FeatureExtractionPipeline;
    const head = options.head === undefined ? undefined : await tf.loadLayersModel(options.head);
    const config = (extractor.model as unknown as { config?: { emolens_input_form?: string; hidden_size?: number } }).config;
    const headInput = head ? (head.inputs[0].shape as number[])[1] : undefined;
    if (head && config?.hidden_size && headInput !== config.hidden_size) {
      head.dispose(); await extractor.dispose();
      throw new Error(`TextEmotionEncoder: the head reads ${headInput}-d pooled features, encoder "${model}" gives ${config.hidden_size}-d: fit a head on this encoder`);
    }
    const form = config?.emolens_input_form ?? 'turn-with-context';
    if (form !== 'turn' && form !== 'turn-with-context') throw new Error(`TextEmotionEncoder: "${model}" asks for an unknown input form "${form}"`);
    return new TextEmotionEncoder(extractor, head, model, options.batchSize ?? 32, form);
  }

  /** Size of the head's embedding (what the fusion reads); 0 without a head. */
  get embeddingSize(): number { return (this.head?.outputs[0].shape[1] as number | undefined) ?? 0; }

  /** This encoder's input for one turn (`past`: earlier turns of the conversation, oldest first). */
  formatTurn(speaker: string | undefined, text: string, past: readonly PastTurn[] = []): string {
    return formatTurnInput(this.inputForm, speaker, text, past);
  }

  /** This encoder's inputs for utterances in dialogue order; pass unlabelled turns too (they are context). */
  formatDialogue(items: readonly (PastTurn & { dialogueId?: string })[]): string[] {
    return formatDialogueInputs(this.inputForm, items);
  }

  /** Mean-pooled last hidden states (Transformers.js `pooling: 'mean'`, not normalised), one vector per text. */
  async embedPooled(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let s = 0; s < texts.length; s += this.batchSize) {
      const chunk = texts.slice(s, s + this.batchSize);
      const tensor = await this.extractor(chunk, { pooling: 'mean', normalize: false });
      const [rows, dim] = tensor.dims as [number, number];
      const data = tensor.data as Float32Array;
      for (let r = 0; r < rows; r++) out.push(Float32Array.from(data.subarray(r * dim, (r + 1) * dim)));
      tensor.dispose?.();
    }
    return out;
  }

  /** Pooled features → head → embedding + softmax probabilities per text. Async tfjs reads only (no dataSync). */
  async classify(texts: string[]): Promise<TextPrediction[]> {
    if (!this.head) throw new Error('TextEmotionEncoder.classify: no head loaded (pass options.head)');
    if (texts.length === 0) return [];
    const pooled = await this.embedPooled(texts);
    const dim = pooled[0].length;
    const expected = (this.head.inputs[0].shape as number[])[1];
    if (expected !== dim) throw new Error(`TextEmotionEncoder: head expects ${expected}-d pooled features, encoder "${this.model}" gives ${dim}-d: re-fit the head on this encoder`);
    const flat = new Float32Array(pooled.length * dim);
    pooled.forEach((p, i) => flat.set(p, i * dim));
    const [emb, logits, probs] = tf.tidy(() => {
      const outs = this.head!.predict(tf.tensor2d(flat, [pooled.length, dim])) as tf.Tensor[];
      return [outs[0], outs[1], tf.softmax(outs[1])];
    });
    const [e, l, p] = await Promise.all([emb.data(), logits.data(), probs.data()]) as Float32Array[];
    tf.dispose([emb, logits, probs]);
    const d = emb.shape[1]!, k = logits.shape[1]!;
    return pooled.map((_, i) => ({
      embedding: e.slice(i * d, (i + 1) * d), logits: l.slice(i * k, (i + 1) * k), probs: p.slice(i * k, (i + 1) * k),
    }));
  }

  async dispose(): Promise<void> {
    this.head?.dispose();
    this.head = undefined;
    await this.extractor.dispose();
  }
}

