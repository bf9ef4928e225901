/**
 * Calibration: does a head's confidence mean what it says? Expected calibration error (ECE) measures it, and
 * temperature scaling (Guo et al., 2017) repairs it without changing any prediction: the logits are divided by one
 * positive number fitted on held-out data to minimise the negative log-likelihood. Pure TypeScript, shared by the
 * trainers and the page.
 */

/** Softmax of `logits / temperature`, computed stably. */
export function softmaxT(logits: ArrayLike<number>, temperature = 1): Float64Array {
  const out = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] / temperature);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) { out[i] = Math.exp(logits[i] / temperature - max); sum += out[i]; }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

export interface CalibrationReport {
  n: number;
  /** Σ_bins (|bin| / n) · |accuracy(bin) − mean confidence(bin)|, over equal-width confidence bins. */
  ece: number;
  /** Mean negative log-likelihood of the true class. */
  nll: number;
  accuracy: number;
  meanConfidence: number;
  bins: { from: number; to: number; count: number; accuracy: number; confidence: number }[];
}

/**
 * ECE with `binCount` equal-width bins of the top-class confidence (15, as Guo et al.). `probs[i]` is a
 * distribution, `labels[i]` its true class.
 */
export function calibrationReport(probs: ArrayLike<number>[], labels: readonly number[], binCount = 15): CalibrationReport {
  if (probs.length !== labels.length) throw new Error(`calibrationReport: ${probs.length} rows vs ${labels.length} labels`);
  const bins = Array.from({ length: binCount }, (_, b) => ({ from: b / binCount, to: (b + 1) / binCount, count: 0, correct: 0, confidence: 0 }));
  let nll = 0, correct = 0, confidence = 0;
  probs.forEach((p, i) => {
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
    const hit = best === labels[i] ? 1 : 0;
    const bin = bins[Math.min(binCount - 1, Math.floor(p[best] * binCount))];
    bin.count++; bin.correct += hit; bin.confidence += p[best];
    nll -= Math.log(Math.max(p[labels[i]], 1e-12));
    correct += hit; confidence += p[best];
  });
  const n = probs.length;
  const ece = bins.reduce((sum, b) => sum + (b.count ? Math.abs(b.correct - b.confidence) / Math.max(n, 1) : 0), 0);
  return {
    n, ece, nll: n ? nll / n : 0, accuracy: n ? correct / n : 0, meanConfidence: n ? confidence / n : 0,
    bins: bins.map((b) => ({ from: b.from, to: b.to, count: b.count, accuracy: b.count ? b.correct / b.count : 0, confidence: b.count ? b.confidence / b.count : 0 })),
  };
}

function meanNll(logits: ArrayLike<number>[], labels: readonly number[], temperature: number): number {
  let sum = 0;
  logits.forEach((z, i) => { sum -= Math.log(Math.max(softmaxT(z, temperature)[labels[i]], 1e-300)); });
  return sum / Math.max(logits.length, 1);
}

/**
 * The temperature that minimises the mean NLL of `logits` (rows of raw scores) against `labels`: a golden-section
 * search over log T in [ln 0.05, ln 20] (the NLL is unimodal in T). No rows: 1.
 */
export function fitTemperature(logits: ArrayLike<number>[], labels: readonly number[]): number {
  if (logits.length !== labels.length) throw new Error(`fitTemperature: ${logits.length} rows vs ${labels.length} labels`);
  if (!logits.length) return 1;
  const ratio = (Math.sqrt(5) - 1) / 2;
  let lo = Math.log(0.05), hi = Math.log(20);
  let a = hi - ratio * (hi - lo), b = lo + ratio * (hi - lo);
  let fa = meanNll(logits, labels, Math.exp(a)), fb = meanNll(logits, labels, Math.exp(b));
  for (let i = 0; i < 60 && hi - lo > 1e-4; i++) {
    if (fa < fb) { hi = b; b = a; fb = fa; a = hi - ratio * (hi - lo); fa = meanNll(logits, labels, Math.exp(a)); }
    else { lo = a; a = b; fa = fb; b = lo + ratio * (hi - lo); fb = meanNll(logits, labels, Math.exp(b)); }
  }
  return Math.exp((lo + hi) / 2);
}
