/**
 * The audio encoder on tfjs: log-mel + prosody summary of one utterance → a 64-d embedding (what the fusion
 * consumes) and 7-class probabilities (LABELS order). The input is prepared by `encoderInput` from features.ts,
 * the exact crop/pad rule the training tensors went through (tools/train/prepare-audio.ts).
 *
 * Reads results with async `data()` only: on the WebGPU backend synchronous reads stall the page.
 */
import * as tf from '@tensorflow/tfjs';
import { AUDIO_FEATURES, PROSODY_STATS_DIM, SpeakerNormalizer, encoderInput, type AudioFeatures, type EncoderInput, type SpeakerReference } from './features.ts';
import { recordingQuality } from './quality.ts';

export interface AudioEmbedding {
  /** Penultimate representation, 64 values (post-ReLU). */
  embedding: Float32Array;
  /** Softmax over the 7 labels in LABELS order. */
  probs: Float32Array;
  /** How good the recording is (`recordingQuality`, of the clip as heard: before any speaker normalisation). */
  quality: Float32Array;
}

export class AudioEncoder {
  /**
   * Set when the encoder was trained on speaker-normalised inputs (tools/train/normalize-speakers.ts): the reference
   * from its metadata; `embed` then expects each speaker's SpeakerNormalizer (`normalizer()` makes one).
   */
  readonly speakerReference?: SpeakerReference;

  private constructor(readonly model: tf.LayersModel) {
    const meta = model.getUserDefinedMetadata() as { speakerNorm?: SpeakerReference } | undefined;
    if (meta?.speakerNorm) {
      new SpeakerNormalizer(meta.speakerNorm); // checks the reference now, not at the first turn
      this.speakerReference = meta.speakerNorm;
    }
  }

  /** A new speaker's (or session's) normaliser, or undefined when this encoder takes raw inputs. */
  normalizer(): SpeakerNormalizer | undefined {
    return this.speakerReference ? new SpeakerNormalizer(this.speakerReference) : undefined;
  }

  /** Loads the tfjs model from a URL (e.g. `/models/audio-encoder/model.json`) or any IOHandler. */
  static async load(source: string | tf.io.IOHandler): Promise<AudioEncoder> {
    const model = await tf.loadLayersModel(source);
    const names = model.outputs.length;
    if (names !== 2) throw new Error(`AudioEncoder: expected 2 outputs (embedding, logits), the model has ${names}`);
    return new AudioEncoder(model);
  }

  /** Size of the embedding (64 for the shipped model). */
  get dim(): number {
    return this.model.outputs[0].shape[1] as number;
  }

  /**
   * Embeds one utterance's features (from `extractAudioFeatures`). `speaker`: the speaker's normaliser, for an
   * encoder with a `speakerReference` (the utterance is added to the speaker's averages first, then moved by them).
   */
  async embed(features: AudioFeatures, speaker?: SpeakerNormalizer): Promise<AudioEmbedding> {
    const heard = encoderInput(features, AUDIO_FEATURES.maxFrames);
    let input = heard;
    if (speaker) { speaker.observe(input); input = speaker.apply(input); }
    const [out] = await this.embedInputs([input]);
    return { ...out, quality: recordingQuality(heard) };
  }

  /**
   * Embeds already prepared inputs (all of the same mel length) in one batch; `quality` is measured on the inputs as
   * given (pass the clips as heard, or take the quality from them separately).
   */
  async embedInputs(inputs: EncoderInput[]): Promise<AudioEmbedding[]> {
    if (!inputs.length) return [];
    const B = inputs.length, M = AUDIO_FEATURES.nMels;
    const T = inputs[0].mel.length / M;
    const mel = new Float32Array(B * T * M), stats = new Float32Array(B * PROSODY_STATS_DIM);
    inputs.forEach((inp, b) => {
      if (inp.mel.length !== T * M) throw new Error('AudioEncoder.embedInputs: inputs differ in length');
      mel.set(inp.mel, b * T * M);
      stats.set(inp.prosodyStats, b * PROSODY_STATS_DIM);
    });
    const [emb, probs] = tf.tidy(() => {
      const [e, logits] = this.model.predict([tf.tensor4d(mel, [B, T, M, 1]), tf.tensor2d(stats, [B, PROSODY_STATS_DIM])]) as tf.Tensor[];
      return [e, tf.softmax(logits)];
    });
    try {
      const [e, p] = await Promise.all([emb.data(), probs.data()]);
      const D = emb.shape[1] as number, C = probs.shape[1] as number;
      return inputs.map((_, b) => ({ embedding: Float32Array.from(e.subarray(b * D, (b + 1) * D)), probs: Float32Array.from(p.subarray(b * C, (b + 1) * C)), quality: recordingQuality(inputs[b]) }));
    } finally {
      tf.dispose([emb, probs]);
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
