/**
 * Turns → fusion tensors. The page's conversation session and the Node trainer both build their inputs here,
 * so padding, presence masks and speaker slots cannot drift between training and serving.
 */
import * as tf from '@tensorflow/tfjs';
import type { FusionConfig, FusionInput } from './model.ts';
import type { TurnQuality } from '../session/results.ts';

/** One turn's modality embeddings (absent = undefined), how good its recordings were, and the speaker's slot. */
export interface TurnFeatures {
  text?: Float32Array;
  audio?: Float32Array;
  face?: Float32Array;
  quality?: TurnQuality;
  speakerSlot: number;
}

/** Standardised quality values beyond this many standard deviations are clipped (a broken measurement stays bounded). */
const QUALITY_CLIP = 5;

/**
 * Packs dialogues (lists of turns) into padded [B, T, …] tensors; T = the longest dialogue. With a fusion that reads
 * recording quality, each present quality vector is standardised by the fusion's training statistics; an unknown one
 * is 0 (a typical recording).
 */
export function makeFusionInput(dialogues: TurnFeatures[][], config: Pick<FusionConfig, 'inputDims' | 'quality'>): FusionInput {
  const B = dialogues.length;
  const T = Math.max(1, ...dialogues.map((d) => d.length));
  const [dt, da, df] = config.inputDims;
  const text = new Float32Array(B * T * dt), audio = new Float32Array(B * T * da), face = new Float32Array(B * T * df);
  const present = new Float32Array(B * T * 3), speaker = new Int32Array(B * T), turnMask = new Float32Array(B * T);
  const q = config.quality, Q = q?.dim ?? 0;
  const quality = new Float32Array(B * T * 3 * Q);
  dialogues.forEach((turns, b) => turns.forEach((turn, t) => {
    const i = b * T + t;
    if (q) {
      for (const [m, values] of [[1, turn.quality?.audio], [2, turn.quality?.face]] as const) {
        if (!values) continue;
        if (values.length !== Q) throw new Error(`makeFusionInput: a ${m === 1 ? 'audio' : 'face'} quality has ${values.length} values, the fusion expects ${Q}`);
        for (let k = 0; k < Q; k++) {
          const z = (values[k] - q.mean[m][k]) / q.std[m][k];
          quality[(i * 3 + m) * Q + k] = Math.max(-QUALITY_CLIP, Math.min(QUALITY_CLIP, z));
        }
      }
    }
    turnMask[i] = 1;
    speaker[i] = turn.speakerSlot;
    const put = (src: Float32Array | undefined, dst: Float32Array, dim: number, m: number): void => {
      if (!src) return;
      if (src.length !== dim) throw new Error(`makeFusionInput: a ${['text', 'audio', 'face'][m]} embedding has ${src.length} values, the fusion expects ${dim}`);
      dst.set(src, i * dim);
      present[i * 3 + m] = 1;
    };
    put(turn.text, text, dt, 0); put(turn.audio, audio, da, 1); put(turn.face, face, df, 2);
  }));
  return {
    text: tf.tensor3d(text, [B, T, dt]), audio: tf.tensor3d(audio, [B, T, da]), face: tf.tensor3d(face, [B, T, df]),
    present: tf.tensor3d(present, [B, T, 3]), speaker: tf.tensor2d(speaker, [B, T], 'int32'), turnMask: tf.tensor2d(turnMask, [B, T]),
    ...(q ? { quality: tf.tensor4d(quality, [B, T, 3, Q]) } : {}),
  };
}

export function disposeFusionInput(input: FusionInput): void {
  tf.dispose([input.text, input.audio, input.face, input.present, input.speaker, input.turnMask, ...(input.quality ? [input.quality] : [])]);
}
