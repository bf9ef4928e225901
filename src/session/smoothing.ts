/**
 * Temporal smoothing of probability streams (face per frame, fused per turn): an exponential moving average,
 * s ← factor·s + (1 − factor)·p, renormalised. factor 0 gives the raw stream; 0.5 halves the weight of each older
 * value; values near 1 react slowly. Each stream (one per modality and one for turns) has its own state.
 */
import { LABELS, type Label } from '../labels.ts';
import type { Probabilities } from './results.ts';

export function checkSmoothing(factor: number): number {
  if (!Number.isFinite(factor) || factor < 0 || factor >= 1) throw new RangeError(`smoothing must be in [0, 1) (0 = raw), got ${factor}`);
  return factor;
}

export class ProbabilitySmoother {
  private state?: Probabilities;

  constructor(private factor = 0) { checkSmoothing(factor); }

  setFactor(factor: number): void { this.factor = checkSmoothing(factor); }

  /** The smoothed distribution after seeing `p` (a fresh object; `p` is not changed). */
  next(p: Probabilities): Probabilities {
    const prev = this.state;
    const out = {} as Probabilities;
    let sum = 0;
    for (const l of LABELS) { out[l] = prev && this.factor > 0 ? this.factor * prev[l] + (1 - this.factor) * p[l] : p[l]; sum += out[l]; }
    for (const l of LABELS) out[l] /= sum || 1;
    this.state = out;
    return { ...out };
  }

  reset(): void { this.state = undefined; }
}

/** The label with the highest probability, and that probability. */
export function argmax(p: Probabilities): { label: Label; confidence: number } {
  let label: Label = LABELS[0];
  for (const l of LABELS) if (p[l] > p[label]) label = l;
  return { label, confidence: p[label] };
}
