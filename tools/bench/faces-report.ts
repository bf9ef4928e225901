/**
 * The face benchmark's report: model bytes on disk and the Markdown tables of bench/results/faces-latest.md.
 * Pure apart from `modelBytes` (reads files), so the unit test can check the writer on a hand-made report.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LABELS } from '../../src/labels.ts';
import type { EvalResult } from '../../src/eval/metrics.ts';
import type { FaceTiming } from '../../src/bench/faces-page.ts';

export interface FaceRun {
  model: string; backend: string; n: number; eval?: EvalResult; timing?: FaceTiming; loadMs?: number; error?: string;
  /** Predicted LABELS index per face, in the run's face order (the same seeded order on every backend). */
  predictions?: number[];
}
export interface FacesReport {
  date: string; machine: string; chromium: string; dataset: string;
  /** Faces scored per backend (the WebGL run may use fewer: SwiftShader is slow). */
  limits: Record<string, number>;
  modelBytes: Record<string, number>;
  runs: FaceRun[];
}

/**
 * Bytes of a tfjs model as served: its JSON plus every weight file it names. Takes a layers/graph model.json
 * (`weightsManifest`) or a bare weights manifest (face-api's `*-weights_manifest.json`, an array of groups).
 */
export function modelBytes(jsonPath: string): number {
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as { weightsManifest?: { paths: string[] }[] } | { paths: string[] }[];
  const groups = Array.isArray(json) ? json : json.weightsManifest ?? [];
  return groups.flatMap((g) => g.paths).reduce((n, p) => n + statSync(join(dirname(jsonPath), p)).size, statSync(jsonPath).size);
}

const pct = (x: number): string => (100 * x).toFixed(1);
const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;

/** One line per model and non-first backend: how often its predictions equal the first backend's. */
export function backendAgreement(runs: FaceRun[]): string[] {
  const lines: string[] = [];
  for (const model of [...new Set(runs.map((r) => r.model))]) {
    const withPreds = runs.filter((r) => r.model === model && r.predictions?.length);
    for (const other of withPreds.slice(1)) {
      const ref = withPreds[0].predictions!, preds = other.predictions!;
      const n = Math.min(ref.length, preds.length);
      let same = 0;
      for (let i = 0; i < n; i++) if (ref[i] === preds[i]) same++;
      lines.push(`- ${model}: ${other.backend} agrees with ${withPreds[0].backend} on ${pct(same / n)}% of ${n} faces`);
    }
  }
  return lines;
}

/** "wasm 200, webgl 64": faces the latency was measured on, per backend. */
function timedFaces(report: FacesReport): string {
  const per = new Map<string, number>();
  for (const r of report.runs) if (r.timing) per.set(r.backend, r.timing.batch1Runs);
  return [...per].map(([b, n]) => `${b} ${n}`).join(', ') || 'n/a';
}

/** faces-latest.md: one row per model × backend (scores, latency, bytes), then per-class F1, then failures. */
export function facesMarkdown(report: FacesReport): string {
  const ok = report.runs.filter((r) => r.eval);
  const lines = [
    `# EmoLens face benchmark (${report.date})`, '',
    `${report.dataset}; ${report.machine}; Chromium ${report.chromium}. Every model gets the same 48×48 gray faces, each with its own documented preprocessing (src/video/peers.ts); labels mapped into LABELS order. ` +
    `Faces scored per backend: ${Object.entries(report.limits).map(([b, n]) => `${b} ${n}`).join(', ')}. ms/face = median at batch 1 after 5 warm-ups, over the first ${timedFaces(report)} faces; batch 32 = mean ms per face at batch 32 over the same faces. WebGL here is SwiftShader (CPU emulation).`, '',
    'Caveat: Human\'s emotion model is oarriaga\'s mini-Xception, whose trainer splits ALL of fer2013.csv at random (PublicTest/PrivateTest included), so it has likely seen many of these validation faces; face-api\'s expression training data is undocumented. Ours was trained on FER2013 Training only (distilled from face-api\'s expression net on those training faces), but these PublicTest faces picked its best epoch (see public/models/face-encoder/card.md).', '',
    '| model | backend | faces | accuracy | weighted F1 | macro F1 | ms/face (batch 1) | ms/face (batch 32) | model bytes |',
    '|---|---|---|---|---|---|---|---|---|',
    ...ok.map((r) => `| ${r.model} | ${r.backend} | ${r.n} | ${pct(r.eval!.accuracy)}% | ${pct(r.eval!.weightedF1)}% | ${pct(r.eval!.macroF1)}% | ${r.timing ? ms(r.timing.batch1MedianMs) : 'n/a'} | ${r.timing ? ms(r.timing.batch32MsPerFace) : 'n/a'} | ${report.modelBytes[r.model] !== undefined ? mb(report.modelBytes[r.model]) : 'n/a'} |`),
    '', '## Per-class F1 (%)', '',
    `| model | backend | ${LABELS.join(' | ')} |`, `|---|---|${LABELS.map(() => '---').join('|')}|`,
    ...ok.map((r) => `| ${r.model} | ${r.backend} | ${LABELS.map((l) => pct(r.eval!.perClassF1[l] ?? 0)).join(' | ')} |`),
  ];
  const agreement = backendAgreement(report.runs);
  if (agreement.length) lines.push('', '## Backend agreement', '', 'Same predicted label on both backends, on the faces both scored (a kernel bug would show here).', '', ...agreement);
  const failed = report.runs.filter((r) => r.error);
  if (failed.length) lines.push('', '## Failures', '', ...failed.map((r) => `- ${r.model} on ${r.backend}: ${r.error}`));
  return lines.join('\n') + '\n';
}
