/**
 * The fusion training losses. Turns with label -1 (no match in the seven labels) and padding contribute nothing.
 *
 * Main objective (`fusionLoss`): label-smoothed cross-entropy of the fused head + `modality` × the cross-entropy
 * of each modality head on the turns where that modality is present + `valenceArousal` × MSE of the
 * valence/arousal head against the label's circumplex position + `balance` × the router's load-balancing loss
 * + `gate` × the gate's reliability target (`gateReliabilityLoss`), plus any distillation terms given:
 * - `ikd` (SUMMER's IKD): κ_kl · τ²·KL(text teacher ‖ fused head) + κ_latent · MSE(C_T(adapter(h_fused)), z_T)
 *   on the turns whose text is present (the teacher only sees text);
 * - `compress` (teacher → student): weight · τ²·KL(fusion teacher ‖ student) on every real turn.
 * MAGTKD's stage 1 (`magtkdStageLoss`) trains only the audio and face branches against the text teacher.
 */
import * as tf from '@tensorflow/tfjs';
import { LABELS, NUM_LABELS, VALENCE_AROUSAL } from '../../../src/labels.ts';
import type { FusionOutput } from '../../../src/fusion/model.ts';
import { distLoss, latentMse, relationalLoss, softKl, type DistWeights, type LinearClassifier } from './distill.ts';

export interface FusionLossWeights {
  labelSmoothing: number;
  /** Weight of each modality head's cross-entropy. */
  modality: number;
  /** α of the Switch-style load-balancing loss. */
  balance: number;
  /** Weight of the valence/arousal regression. */
  valenceArousal: number;
  /** Weight of the gate's reliability target (`gateReliabilityLoss`). */
  gate: number;
}

export const DEFAULT_LOSS_WEIGHTS: FusionLossWeights = { labelSmoothing: 0.05, modality: 0.5, balance: 0.01, valenceArousal: 0.2, gate: 0.3 };

/** x in the forward pass, no gradient into it (tfjs has no stopGradient op). */
const detach = tf.customGrad(((x: tf.Tensor) => ({ value: x.clone(), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * What teaches the modality gate reliability rather than presence: on a labelled turn with two or more modalities,
 * the target weight of each present modality is its own head's probability of the true label, normalised over the
 * present ones (no gradient into the heads), and the loss is the cross-entropy of the gate against it. A voice heard
 * through a bad room, whose head is more often wrong, is thus taught a smaller weight; the gate can tell it apart
 * through the recording quality it reads.
 */
export function gateReliabilityLoss(out: FusionOutput, flatLabels: tf.Tensor1D, present: tf.Tensor3D, mask: tf.Tensor1D): tf.Scalar {
  const [B, T] = present.shape;
  const N = B * T;
  const probs = detach(tf.softmax(out.modalityLogits.reshape([N, 3, NUM_LABELS]))) as tf.Tensor3D;
  const truth = tf.oneHot(tf.maximum(flatLabels, tf.scalar(0, 'int32')), NUM_LABELS).toFloat().reshape([N, 1, NUM_LABELS]);
  const p = present.reshape([N, 3]);
  const right = probs.mul(truth).sum(2).mul(p).add(1e-6).mul(p); // [N, 3], zero for absent modalities
  const target = right.div(right.sum(1, true).add(1e-9));
  const rows = tf.cast(tf.greaterEqual(flatLabels, 0), 'float32').mul(mask).mul(tf.cast(tf.greaterEqual(p.sum(1), 2), 'float32'));
  const ce = tf.neg(target.mul(tf.log(out.gate.reshape([N, 3]).add(1e-6))).sum(1));
  return ce.mul(rows).sum().div(rows.sum().add(1e-9)) as tf.Scalar;
}

export interface IkdTerms {
  /** [B, T, 7] logits of the frozen text teacher (any values where text is absent). */
  teacherLogits: tf.Tensor3D;
  /** The teacher's own classifier (frozen), applied to the student's fused features. */
  classifier: LinearClassifier;
  /** [dim, teacher feature size] learned map from the student's features into the teacher's classifier input. */
  adapter: tf.Tensor2D;
  tau: number;
  kappaKl: number;
  kappaLatent: number;
}

export interface CompressTerms {
  /** [B, T, 7] fused logits of the (frozen) fusion teacher on the same batch. */
  teacherLogits: tf.Tensor3D;
  tau: number;
  weight: number;
}

export interface Distillation { ikd?: IkdTerms; compress?: CompressTerms }

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

/** The labels' circumplex positions [7, 2] (valence, arousal), LABELS order. */
function vaTable(): tf.Tensor2D {
  return tf.tensor2d(LABELS.map((l) => [...VALENCE_AROUSAL[l]]), [NUM_LABELS, 2]);
}

function modalitySlice(out: FusionOutput, m: number, B: number, T: number): tf.Tensor2D {
  return out.modalityLogits.slice([0, 0, m, 0], [B, T, 1, NUM_LABELS]).reshape([B * T, NUM_LABELS]) as tf.Tensor2D;
}

function presentRows(present: tf.Tensor3D, m: number, mask: tf.Tensor1D): tf.Tensor1D {
  const [B, T] = present.shape;
  return mask.mul(present.slice([0, 0, m], [B, T, 1]).reshape([B * T])) as tf.Tensor1D;
}

/** Every term of the main objective, unweighted except where noted; `total` is what the optimiser minimises. */
export function fusionLossTerms(out: FusionOutput, labels: tf.Tensor2D, present: tf.Tensor3D, turnMask: tf.Tensor2D, weights: FusionLossWeights = DEFAULT_LOSS_WEIGHTS, distill: Distillation = {}): Record<string, tf.Scalar> {
  const [B, T] = labels.shape;
  const flatLabels = labels.toInt().reshape([B * T]) as tf.Tensor1D;
  const mask = turnMask.reshape([B * T]) as tf.Tensor1D;
  const terms: Record<string, tf.Scalar> = {};
  terms.fused = maskedCrossEntropy(out.fusedLogits.reshape([B * T, NUM_LABELS]) as tf.Tensor2D, flatLabels, mask, weights.labelSmoothing);
  let modality = tf.scalar(0);
  for (let m = 0; m < 3; m++) modality = modality.add(maskedCrossEntropy(modalitySlice(out, m, B, T), flatLabels, presentRows(present, m, mask), weights.labelSmoothing));
  terms.modality = modality as tf.Scalar;
  const valid = tf.cast(tf.greaterEqual(flatLabels, 0), 'float32').mul(mask) as tf.Tensor1D;
  const vaTarget = tf.oneHot(tf.maximum(flatLabels, tf.scalar(0, 'int32')), NUM_LABELS).toFloat().matMul(vaTable());
  terms.valenceArousal = out.valenceArousal.reshape([B * T, 2]).sub(vaTarget).square().mean(-1).mul(valid).sum().div(valid.sum().add(1e-9)) as tf.Scalar;
  terms.balance = out.balanceLoss;
  let total = terms.fused.add(terms.modality.mul(weights.modality)).add(terms.valenceArousal.mul(weights.valenceArousal)).add(terms.balance.mul(weights.balance));
  if (weights.gate > 0) {
    terms.gate = gateReliabilityLoss(out, flatLabels, present, mask);
    total = total.add(terms.gate.mul(weights.gate));
  }
  if (distill.ikd) {
    const k = distill.ikd;
    const teacher = k.teacherLogits.reshape([B * T, NUM_LABELS]) as tf.Tensor2D;
    const rows = presentRows(present, 0, mask);
    terms.ikdKl = softKl(out.fusedLogits.reshape([B * T, NUM_LABELS]) as tf.Tensor2D, teacher, k.tau, rows);
    const features = out.fused.reshape([B * T, out.fused.shape[2]]).matMul(k.adapter) as tf.Tensor2D;
    terms.ikdLatent = latentMse(features, teacher, k.classifier, rows);
    total = total.add(terms.ikdKl.mul(k.kappaKl)).add(terms.ikdLatent.mul(k.kappaLatent));
  }
  if (distill.compress) {
    const c = distill.compress;
    terms.compress = softKl(out.fusedLogits.reshape([B * T, NUM_LABELS]) as tf.Tensor2D, c.teacherLogits.reshape([B * T, NUM_LABELS]) as tf.Tensor2D, c.tau, mask);
    total = total.add(terms.compress.mul(c.weight));
  }
  terms.total = total as tf.Scalar;
  return terms;
}

export function fusionLoss(out: FusionOutput, labels: tf.Tensor2D, present: tf.Tensor3D, turnMask: tf.Tensor2D, weights: FusionLossWeights = DEFAULT_LOSS_WEIGHTS, distill: Distillation = {}): tf.Scalar {
  return fusionLossTerms(out, labels, present, turnMask, weights, distill).total;
}

export interface MagtkdWeights { dist: DistWeights; distWeight: number; relational: number; labelSmoothing: number }
export const DEFAULT_MAGTKD: MagtkdWeights = { dist: { tau: 2, inter: 1, intra: 1 }, distWeight: 1, relational: 1, labelSmoothing: 0.05 };

/**
 * MAGTKD stage 1: the text teacher distils into the audio and face students (here the fusion's audio and face
 * branches: projection, experts, modality heads). Per student modality m ∈ {audio, face}:
 * CE(head_m, labels) + distWeight · DIST(head_m, z_T) + relational · RKD(tokens_m, teacher features),
 * on the turns where both the text (teacher) and m are present.
 */
export function magtkdStageLoss(out: FusionOutput, labels: tf.Tensor2D, present: tf.Tensor3D, turnMask: tf.Tensor2D, teacherLogits: tf.Tensor3D, teacherFeatures: tf.Tensor3D, w: MagtkdWeights = DEFAULT_MAGTKD): tf.Scalar {
  const [B, T] = labels.shape;
  const flatLabels = labels.toInt().reshape([B * T]) as tf.Tensor1D;
  const mask = turnMask.reshape([B * T]) as tf.Tensor1D;
  const teacher = teacherLogits.reshape([B * T, NUM_LABELS]) as tf.Tensor2D;
  const tFeat = teacherFeatures.reshape([B * T, teacherFeatures.shape[2]]) as tf.Tensor2D;
  const withTeacher = presentRows(present, 0, mask);
  const dim = out.tokens.shape[3];
  let loss = tf.scalar(0);
  for (const m of [1, 2]) {
    const logits = modalitySlice(out, m, B, T);
    const rows = presentRows(present, m, mask);
    const both = rows.mul(withTeacher) as tf.Tensor1D;
    const features = out.tokens.slice([0, 0, m, 0], [B, T, 1, dim]).reshape([B * T, dim]) as tf.Tensor2D;
    loss = loss.add(maskedCrossEntropy(logits, flatLabels, rows, w.labelSmoothing))
      .add(distLoss(logits, teacher, both, w.dist).mul(w.distWeight))
      .add(relationalLoss(features, tFeat, both).mul(w.relational));
  }
  return loss as tf.Scalar;
}
