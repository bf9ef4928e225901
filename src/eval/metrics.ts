/**
 * Classification metrics the evaluation CLI reports (accuracy, weighted and macro F1, per class, confusion), pure TypeScript so the page and Node share them.
 * Conventions follow scikit-learn so numbers are comparable with papers:
 * - weightedF1 = f1_score(average='weighted'): per-class F1 weighted by true support (MELD's standard metric).
 * - macroF1 = f1_score(average='macro') with sklearn's default label set: the classes present in the true OR the
 *   predicted labels (a class absent from both is left out; one that is only predicted counts with F1 = 0).
 * - A class with no true and no predicted samples reports perClassF1 = 0 (sklearn's zero_division default).
 */
import { LABELS } from '../labels.ts';

export interface EvalResult {
  n: number;
  accuracy: number;
  weightedF1: number;
  macroF1: number;
  perClassF1: Record<string, number>;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  labels: string[];
}

export function evaluate(trueIdx: number[], predIdx: number[], numClasses = 7, labels: readonly string[] = LABELS): EvalResult {
  if (trueIdx.length !== predIdx.length) throw new Error(`evaluate: ${trueIdx.length} true labels vs ${predIdx.length} predictions`);
  const names = labels.slice(0, numClasses).map(String);
  while (names.length < numClasses) names.push(`class${names.length}`);
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  trueIdx.forEach((t, i) => {
    const p = predIdx[i];
    if (!(t >= 0 && t < numClasses && p >= 0 && p < numClasses)) throw new Error(`evaluate: label out of range at ${i} (true ${t}, pred ${p})`);
    confusion[t][p]++;
  });
  const n = trueIdx.length;
  let correct = 0, weighted = 0, macroSum = 0, macroCount = 0;
  const perClassF1: Record<string, number> = {};
  for (let c = 0; c < numClasses; c++) {
    const tp = confusion[c][c];
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[c], 0);
    // F1 = 2TP / (2TP + FP + FN) = 2TP / (support + predicted); 0 when both are 0.
    const f1 = support + predicted === 0 ? 0 : (2 * tp) / (support + predicted);
    perClassF1[names[c]] = f1;
    correct += tp;
    weighted += f1 * support;
    if (support + predicted > 0) { macroSum += f1; macroCount++; }
  }
  return {
    n,
    accuracy: n === 0 ? 0 : correct / n,
    weightedF1: n === 0 ? 0 : weighted / n,
    macroF1: macroCount === 0 ? 0 : macroSum / macroCount,
    perClassF1, confusion, labels: names,
  };
}

/** Index of the largest value in each row (ties → first), for turning probabilities into predictions. */
export function argmaxRows(rows: ArrayLike<number>[]): number[] {
  return rows.map((r) => {
    let best = 0;
    for (let i = 1; i < r.length; i++) if (r[i] > r[best]) best = i;
    return best;
  });
}

const pct = (x: number): string => (100 * x).toFixed(1).padStart(5);

/** A readable report: headline scores, per-class F1 with support, and the confusion matrix (rows true, cols predicted). */
export function formatReport(result: EvalResult, title = ''): string {
  const { labels, confusion } = result;
  const w = Math.max(9, ...labels.map((l) => l.length + 1));
  const lines: string[] = [];
  if (title) lines.push(title);
  lines.push(`n=${result.n}  accuracy=${pct(result.accuracy).trim()}%  weighted F1=${pct(result.weightedF1).trim()}%  macro F1=${pct(result.macroF1).trim()}%`);
  lines.push('');
  lines.push(`${'class'.padEnd(w)} ${'F1 %'.padStart(6)} ${'support'.padStart(8)}`);
  labels.forEach((l, c) => {
    const support = confusion[c].reduce((a, b) => a + b, 0);
    lines.push(`${l.padEnd(w)} ${pct(result.perClassF1[l]).padStart(6)} ${String(support).padStart(8)}`);
  });
  lines.push('');
  lines.push('confusion (rows = true, cols = predicted)');
  const cw = Math.max(6, ...labels.map((l) => Math.min(l.length, 8) + 1));
  lines.push(`${''.padEnd(w)}${labels.map((l) => l.slice(0, 8).padStart(cw)).join('')}`);
  labels.forEach((l, r) => lines.push(`${l.padEnd(w)}${confusion[r].map((v) => String(v).padStart(cw)).join('')}`));
  return lines.join('\n');
}
