/**
 * The numbers a model card shows, written from the release's own metrics files, so a card can never disagree with
 * the weights next to it. The generated part sits between two HTML comments in card.md; everything else in the card
 * (data, licences, limitations, history) is prose that people write and the release leaves alone.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { LABELS } from '../../src/labels.ts';
import type { EvalResult } from '../../src/eval/metrics.ts';

export const SCORES_BEGIN = '<!-- release:scores begin (written by `npm run release`; edits here are overwritten) -->';
export const SCORES_END = '<!-- release:scores end -->';

/** Who made the numbers: enough to run the same release again. */
export interface ReleaseStamp { command: string; commit: string; date: string; quick: boolean }

const pct = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '–' : (100 * x).toFixed(1));

/** One table row per named score set (e.g. `fused`, `text only`), plus per-class F1. */
export function scoresTable(rows: [string, EvalResult][]): string {
  const head = `| split / condition | n | accuracy | weighted F1 | macro F1 | ${LABELS.map((l) => `${l} F1`).join(' | ')} |`;
  const rule = `|---|---:|---:|---:|---:|${LABELS.map(() => '---:').join('|')}|`;
  const body = rows.map(([name, m]) =>
    `| ${name} | ${m.n} | ${pct(m.accuracy)} | ${pct(m.weightedF1)} | ${pct(m.macroF1)} | ${LABELS.map((l) => pct(m.perClassF1[l])).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

/** A recipe's further generated sections (markdown, e.g. the fusion's calibration), placed after the scores table. */
export function scoresBlock(title: string, rows: [string, EvalResult][], stamp: ReleaseStamp, extra = ''): string {
  return [
    SCORES_BEGIN,
    `### ${title} (%)`,
    '',
    scoresTable(rows),
    '',
    ...(extra ? [extra.trimEnd(), ''] : []),
    `Made by \`${stamp.command}\` at commit ${stamp.commit} on ${stamp.date}${stamp.quick ? ' — a **--quick** pipeline check on a sliver of the data: these are not the model\'s real scores' : ''}.`,
    SCORES_END,
  ].join('\n');
}

/** Replaces the generated block of `cardPath` (or appends one); returns the new card text. */
export function writeCardScores(cardPath: string, block: string): string {
  const card = existsSync(cardPath) ? readFileSync(cardPath, 'utf8') : '';
  const begin = card.indexOf(SCORES_BEGIN), end = card.indexOf(SCORES_END);
  let next: string;
  if (begin >= 0 && end > begin) next = card.slice(0, begin) + block + card.slice(end + SCORES_END.length);
  else if (begin >= 0 || end >= 0) throw new Error(`${cardPath}: the release scores block is cut (one of its two markers is missing); mend it by hand`);
  else next = `${card.trimEnd()}\n\n## Scores of this release\n${block}\n`;
  writeFileSync(cardPath, next);
  return next;
}

/** What the fusion trainer's reliability.json holds (tools/train/fusion/calibrate.ts writes it). */
export interface CalibrationSummary {
  temperatures: Record<string, number>;
  calibration: Record<string, Record<string, { n: number; eceRaw: number; ece: number; nllRaw: number; nll: number }>>;
  gate: Record<string, Record<string, number>>;
  gateFalls: Record<string, { turns: number; fell: number; meanClean: number; meanDegraded: number }>;
}

/**
 * The fusion's calibration: expected calibration error (15 bins) of the fused head per scenario before and after the
 * temperatures fitted on dev, and how the gate's weight for a modality moves when its recording is degraded.
 */
export function calibrationSection(r: CalibrationSummary): string {
  const dec = (x: number | undefined, d = 3): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
  const lines = [
    `### Calibration (temperatures fitted on dev: ${Object.entries(r.temperatures).map(([h, t]) => `${h} ${dec(t, 2)}`).join(', ')})`,
    '',
    '| scenario | n | fused ECE raw | fused ECE calibrated | fused NLL raw | fused NLL calibrated |',
    '|---|---:|---:|---:|---:|---:|',
    ...Object.entries(r.calibration).map(([name, heads]) => {
      const f = heads.fused;
      return `| ${name} | ${f.n} | ${dec(f.eceRaw)} | ${dec(f.ece)} | ${dec(f.nllRaw)} | ${dec(f.nll)} |`;
    }),
    '',
    '| degraded modality | paired turns | gate weight fell on | mean weight clean | mean weight degraded |',
    '|---|---:|---:|---:|---:|',
    ...Object.entries(r.gateFalls).filter(([, g]) => g.turns > 0).map(([m, g]) =>
      `| ${m} | ${g.turns} | ${pct(g.fell / g.turns)} % | ${dec(g.meanClean)} | ${dec(g.meanDegraded)} |`),
  ];
  return lines.join('\n');
}
