/**
 * The audio encoder's table: accuracy (and weighted F1) on each corpus's dev split under each recording condition,
 * one `npm run eval -- audio --split dev --degrade <condition>` per cell, with the mean over corpora.
 *
 *   npx tsx tools/eval/audio-table.ts [--root ../shared/data/audio] [--conditions none,noise10,room,babble10,call]
 *        [--corpora ravdess,crema-d,...] [--models public/models] [--split dev] [--limit N per corpus, spread] [--out table.json]
 *
 * With `--models` pointing at a leave-one-corpus-out model, the row of the corpus it left out is its held-out score.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SPEECH_CORPORA } from '../data/speech.ts';
import type { EvalResult } from '../../src/eval/metrics.ts';

const { values: args } = parseArgs({
  options: {
    root: { type: 'string', default: '../shared/data/audio' }, conditions: { type: 'string', default: 'none,noise10,room,babble10,call' },
    corpora: { type: 'string' }, models: { type: 'string', default: 'public/models' }, split: { type: 'string', default: 'dev' }, out: { type: 'string' },
    seed: { type: 'string', default: '1' }, limit: { type: 'string' },
  },
});
const conditions = args.conditions!.split(',');
const corpora = (args.corpora?.split(',') ?? Object.keys(SPEECH_CORPORA)).filter((c) => existsSync(join(args.root!, SPEECH_CORPORA[c as keyof typeof SPEECH_CORPORA]?.folder ?? c)));
const scratch = mkdtempSync(join(tmpdir(), 'audio-table-'));
const cells: Record<string, Record<string, { n: number; accuracy: number; weightedF1: number }>> = {};
try {
  for (const corpus of corpora) {
    cells[corpus] = {};
    for (const condition of conditions) {
      const json = join(scratch, `${corpus}-${condition}.json`);
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'tools/eval/cli.ts', 'audio', '--data', join(args.root!, corpus), '--split', args.split!, '--degrade', condition, '--models', args.models!, '--seed', args.seed!, '--json', json, ...(args.limit ? ['--limit', args.limit] : [])], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`${corpus} / ${condition}: ${run.stderr.slice(-2000)}`);
      const r = JSON.parse(readFileSync(json, 'utf8')) as EvalResult;
      cells[corpus][condition] = { n: r.n, accuracy: r.accuracy, weightedF1: r.weightedF1 };
      console.error(`${corpus} ${condition}: accuracy ${r.accuracy.toFixed(3)} (n ${r.n})`);
    }
  }
} finally { rmSync(scratch, { recursive: true, force: true }); }

const f = (x: number): string => x.toFixed(3);
const lines = [`Audio accuracy on each corpus's ${args.split} split (${args.models}), by recording condition`, '', `| corpus | n | ${conditions.join(' | ')} |`, `|---|---:|${conditions.map(() => '---:').join('|')}|`];
for (const corpus of corpora) lines.push(`| ${corpus} | ${cells[corpus][conditions[0]].n} | ${conditions.map((c) => f(cells[corpus][c].accuracy)).join(' | ')} |`);
lines.push(`| **mean over corpora** | | ${conditions.map((c) => `**${f(corpora.reduce((a, k) => a + cells[k][c].accuracy, 0) / corpora.length)}**`).join(' | ')} |`);
console.log(lines.join('\n'));
if (args.out) writeFileSync(args.out, JSON.stringify({ models: args.models, split: args.split, seed: Number(args.seed), conditions, cells }, null, 1) + '\n');
