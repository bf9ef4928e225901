/**
 * The fusion training loss: cross-entropy of the fused head (label-smoothed) + a weighted cross-entropy of each
 * modality head on the turns where that modality is present + α · the router's load-balancing loss.
 * Turns with label -1 (no match in the seven labels) and padding contribute nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { NUM_LABELS } from '../labels.ts';
import type { FusionOutput } from './model.ts';

export interface FusionLossWeights {
  labelSmoothing: number;
  /** Weight of each modality head's cross-entropy. */
  modality: number;
  /** α of the Switch-style load-balancing loss. */
  balance: number;
}

export const DEFAULT_LOSS_WEIGHTS: FusionLossWeights = { labelSmoothing: 0.05, modality: 0.5, balance: 0.01 };

/** Cross-entropy per row of logits [N,C] against int labels [N] (−1 = ignore), averaged over kept rows × weights. */
export function maskedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, rowWeights: tf.Tensor1D, smoothing = 0): tf.Scalar {
  return tf.tidy(() => {
    const valid = tf.cast(tf.greaterEqual(labels, 0), 'float32');
    const target = tf.oneHot(tf.maximum(labels, tf.scalar(0, 'int32')), NUM_LABELS).toFloat().mul(1 - smoothing).add(smoothing / NUM_LABELS);
    const nll = tf.neg(target.mul(tf.logSoftmax(logits)).sum(-1));
    const w = valid.mul(rowWeights);
    return nll.mul(w).sum().div(w.sum().add(1e-9)) as tf.Scalar;
  });
}

export function fusionLoss(out: FusionOutput, labels: tf.Tensor2D, present: tf.Tensor3D, turnMask: tf.Tensor2D, weights: FusionLossWeights = DEFAULT_LOSS_WEIGHTS): tf.Scalar {
  const [B, T] = labels.shape;
  const flatLabels = labels.toInt().reshape([B * T]) as tf.Tensor1D;
  const mask = turnMask.reshape([B * T]) as tf.Tensor1D;
  let loss = maskedCrossEntropy(out.fusedLogits.reshape([B * T, NUM_LABELS]) as tf.Tensor2D, flatLabels, mask, weights.labelSmoothing);
  for (let m = 0; m < 3; m++) {
    const logits = out.modalityLogits.slice([0, 0, m, 0], [B, T, 1, NUM_LABELS]).reshape([B * T, NUM_LABELS]) as tf.Tensor2D;
    const rowWeights = mask.mul(present.slice([0, 0, m], [B, T, 1]).reshape([B * T])) as tf.Tensor1D;
    loss = loss.add(maskedCrossEntropy(logits, flatLabels, rowWeights, weights.labelSmoothing).mul(weights.modality));
  }
  return loss.add(out.balanceLoss.mul(weights.balance)) as tf.Scalar;
}
