/**
 * Knowledge-distillation losses of the fusion (SUMMER's IKD and MAGTKD's DIST-style losses), plain tfjs ops so they train with the layers they
 * teach. Every function takes per-row weights [N] (0 = ignore the row: padding, or no teacher for that turn) and
 * returns a scalar averaged over the kept rows.
 *
 * - `softKl`: Hinton's τ²·KL(softmax(z_T/τ) ‖ softmax(z_S/τ)).
 * - `latentMse`: SUMMER's latent term, MSE between the frozen teacher's classifier applied to the student's
 *   intermediate features and the teacher's logits.
 * - `distLoss`: DIST (Huang et al. 2022), used by MAGTKD stage 1: τ²·(β·inter + γ·intra) where inter = 1 − mean
 *   Pearson correlation between student and teacher class distributions of each row, intra = 1 − mean Pearson
 *   correlation of each class's probabilities across the rows.
 * - `relationalLoss`: relational feature distillation: MSE between the rows' pairwise cosine-similarity matrices
 *   of student and teacher features (feature sizes may differ).
 */
import * as tf from '@tensorflow/tfjs';

function weightedMean(perRow: tf.Tensor1D, rowWeights: tf.Tensor1D): tf.Scalar {
  return perRow.mul(rowWeights).sum().div(rowWeights.sum().add(1e-9)) as tf.Scalar;
}

/** τ²·KL(softmax(teacher/τ) ‖ softmax(student/τ)) per row, weighted mean. Logits [N, C]. */
export function softKl(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, tau: number, rowWeights: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const pt = tf.softmax(teacherLogits.div(tau));
    const kl = pt.mul(tf.logSoftmax(teacherLogits.div(tau)).sub(tf.logSoftmax(studentLogits.div(tau)))).sum(-1) as tf.Tensor1D;
    return weightedMean(kl, rowWeights).mul(tau * tau) as tf.Scalar;
  });
}

/** A frozen linear classifier (the teacher's last layer): logits = x·w + b. */
export interface LinearClassifier { w: tf.Tensor2D; b: tf.Tensor1D }

/** mean over classes of (C_T(studentFeatures) − teacherLogits)², weighted mean over rows. */
export function latentMse(studentFeatures: tf.Tensor2D, teacherLogits: tf.Tensor2D, classifier: LinearClassifier, rowWeights: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const projected = studentFeatures.matMul(classifier.w).add(classifier.b);
    return weightedMean(projected.sub(teacherLogits).square().mean(-1) as tf.Tensor1D, rowWeights);
  });
}

/** Pearson correlation along `axis` with optional per-element weights broadcast along it. */
function pearson(a: tf.Tensor2D, b: tf.Tensor2D, axis: 0 | 1, weights?: tf.Tensor2D): tf.Tensor1D {
  const w = weights ?? tf.onesLike(a);
  const total = w.sum(axis, true).add(1e-9);
  const ma = a.mul(w).sum(axis, true).div(total), mb = b.mul(w).sum(axis, true).div(total);
  const da = a.sub(ma), db = b.sub(mb);
  const cov = da.mul(db).mul(w).sum(axis);
  const va = da.square().mul(w).sum(axis), vb = db.square().mul(w).sum(axis);
  return cov.div(va.mul(vb).sqrt().add(1e-8)) as tf.Tensor1D;
}

export interface DistWeights { tau: number; inter: number; intra: number }
export const DEFAULT_DIST: DistWeights = { tau: 2, inter: 1, intra: 1 };

/** DIST: τ²·(β·(1 − inter-class Pearson) + γ·(1 − intra-class Pearson)) on softmax(z/τ). */
export function distLoss(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, rowWeights: tf.Tensor1D, w: DistWeights = DEFAULT_DIST): tf.Scalar {
  return tf.tidy(() => {
    const ps = tf.softmax(studentLogits.div(w.tau)) as tf.Tensor2D, pt = tf.softmax(teacherLogits.div(w.tau)) as tf.Tensor2D;
    const inter = weightedMean(tf.scalar(1).sub(pearson(ps, pt, 1)) as tf.Tensor1D, rowWeights);
    // Intra-class: each class's probability column over the kept rows (rows weighted, not dropped, so shapes stay static).
    const colWeights = rowWeights.expandDims(1).tile([1, ps.shape[1]]) as tf.Tensor2D;
    const intra = tf.scalar(1).sub(pearson(ps, pt, 0, colWeights).mean());
    return inter.mul(w.inter).add(intra.mul(w.intra)).mul(w.tau * w.tau) as tf.Scalar;
  });
}

/** MSE between the kept rows' pairwise cosine-similarity matrices of student [N, ds] and teacher [N, dt] features. */
export function relationalLoss(studentFeatures: tf.Tensor2D, teacherFeatures: tf.Tensor2D, rowWeights: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const unit = (x: tf.Tensor2D): tf.Tensor2D => x.div(x.square().sum(-1, true).sqrt().add(1e-8)) as tf.Tensor2D;
    const s = unit(studentFeatures), t = unit(teacherFeatures);
    const gs = s.matMul(s, false, true), gt = t.matMul(t, false, true);
    const pairs = rowWeights.expandDims(1).mul(rowWeights.expandDims(0));
    return gs.sub(gt).square().mul(pairs).sum().div(pairs.sum().add(1e-9)) as tf.Scalar;
  });
}
