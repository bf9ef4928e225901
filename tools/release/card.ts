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

export function scoresBlock(title: string, rows: [string, EvalResult][], stamp: ReleaseStamp): string {
  return [
    SCORES_BEGIN,
    `### ${title} (%)`,
    '',
    scoresTable(rows),
    '',
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
