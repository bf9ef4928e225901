/**
 * Leave-one-corpus-out: for each speech corpus, the audio encoder is trained on the others (same recipe as the
 * shipped one, a shorter budget), exported to tfjs, and scored on every clip of the corpus it never saw, as recorded
 * and through the evaluation's recording conditions (the eval CLI, as for any model). The mean over corpora says
 * how the voice model does on a corpus, language and studio it has never heard.
 *
 *   npx tsx tools/eval/loco.ts --store .cache/release/features/audio-v3 [--work .cache/loco] [--minutes 12]
 *        [--corpora ravdess,crema-d,...] [--conditions none,noise10,room] [--limit 300] [--out bench/results/audio-loco]
 *
 * Resumable: a corpus whose table.json exists is done; a training stopped midway continues from its checkpoint
 * (`<work>/<corpus>/model/ckpt.pt`) when the command runs again. Writes `<out>.json` and `<out>.md`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { readTensor } from '../train/store.ts';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string' }, work: { type: 'string', default: '.cache/loco' }, minutes: { type: 'string', default: '12' },
    corpora: { type: 'string' }, conditions: { type: 'string', default: 'none,noise10,room' }, limit: { type: 'string', default: '300' },
    root: { type: 'string', default: '../shared/data/audio' }, out: { type: 'string', default: 'bench/results/audio-loco' },
    'max-steps': { type: 'string' }, seed: { type: 'string', default: '1' },
  },
});
if (!args.store) throw new Error('loco: --store <prepared speech features (prepare-audio --corpora)> is required');
const inStore = [...new Set((readTensor(join(args.store, 'meta')).meta as { corpus: string[] }).corpus)];
const corpora = args.corpora ? args.corpora.split(',') : inStore;
for (const c of corpora) if (!inStore.includes(c)) throw new Error(`loco: corpus "${c}" is not in ${args.store} (it has ${inStore.join(', ')})`);
const conditions = args.conditions!.split(',');

function run(argv: string[], what: string): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`loco ${what}: \`${argv.join(' ')}\` failed:\n${(r.stderr || r.stdout).slice(-3000)}`);
  return r.stdout;
}

type Cells = Record<string, { n: number; accuracy: number; weightedF1: number }>;
const rows: Record<string, { heldOut: { n: number; accuracy: number; weightedF1: number }; cells: Cells; trainedOn: string[] }> = {};
for (const corpus of corpora) {
  const dir = join(args.work!, corpus), table = join(dir, 'table.json');
  if (!existsSync(table)) {
    mkdirSync(dir, { recursive: true });
    const model = join(dir, 'model'), models = join(dir, 'models');
    console.error(`== ${corpus}: training on the other corpora (${args.minutes} min budget; resumes from ${model}/ckpt.pt)`);
    run(['/usr/bin/python3', 'tools/train/python/train_audio.py', '--data', args.store, '--out', model, '--hold-out', corpus, '--balance', 'corpus', '--mask-missing',
      '--select', 'corpus-mean-acc', '--epoch-size', '16000', '--threads', '2', '--resume', '--minutes', args.minutes!, '--epochs', '40', '--seed', args.seed!,
      ...(args['max-steps'] ? ['--max-steps', args['max-steps'], '--epoch-size', '64'] : [])], `${corpus} training`);
    run([process.execPath, '--import', 'tsx', 'tools/train/export-audio.ts', '--state', model, '--out', join(models, 'audio-encoder')], `${corpus} export`);
    run([process.execPath, '--import', 'tsx', 'tools/write-manifest.ts', models], `${corpus} manifest`);
    // The same eval CLI as for any model, on every clip of the held-out corpus (all speakers: none was trained on).
    run([process.execPath, '--import', 'tsx', 'tools/eval/audio-table.ts', '--root', args.root!, '--models', models, '--corpora', corpus, '--split', 'all',
      '--conditions', args.conditions!, '--limit', args.limit!, '--seed', args.seed!, '--out', join(dir, 'cells.json')], `${corpus} evaluation`);
    const cells = (JSON.parse(readFileSync(join(dir, 'cells.json'), 'utf8')) as { cells: Record<string, Cells> }).cells[corpus];
    const held = JSON.parse(readFileSync(join(model, 'metrics_holdout.json'), 'utf8')) as { n: number; accuracy: number; weightedF1: number };
    writeFileSync(table, JSON.stringify({ heldOut: { n: held.n, accuracy: held.accuracy, weightedF1: held.weightedF1 }, cells, trainedOn: inStore.filter((c) => c !== corpus) }, null, 1) + '\n');
  }
  rows[corpus] = JSON.parse(readFileSync(table, 'utf8'));
  console.error(`${corpus}: held-out accuracy ${rows[corpus].heldOut.accuracy.toFixed(3)} (n ${rows[corpus].heldOut.n}, prepared features) · ${conditions.map((c) => `${c} ${rows[corpus].cells[c].accuracy.toFixed(3)}`).join(' · ')}`);
}

const f = (x: number): string => x.toFixed(3);
const mean = (pick: (c: string) => number): number => corpora.reduce((a, c) => a + pick(c), 0) / corpora.length;
const lines = [
  `Leave-one-corpus-out: each row's model never heard that corpus (${args.minutes} min of training on the others each).`,
  `"all clips" is every original clip of the corpus on the prepared features; the condition columns are \`npm run eval -- audio --split all --degrade <c>\` on up to ${args.limit} clips spread over the corpus.`,
  '',
  `| left out | clips | accuracy, all clips | ${conditions.map((c) => `${c} (n)`).join(' | ')} |`,
  `|---|---:|---:|${conditions.map(() => '---:').join('|')}|`,
  ...corpora.map((c) => `| ${c} | ${rows[c].heldOut.n} | ${f(rows[c].heldOut.accuracy)} | ${conditions.map((k) => `${f(rows[c].cells[k].accuracy)} (${rows[c].cells[k].n})`).join(' | ')} |`),
  `| **mean over corpora** | | **${f(mean((c) => rows[c].heldOut.accuracy))}** | ${conditions.map((k) => `**${f(mean((c) => rows[c].cells[k].accuracy))}**`).join(' | ')} |`,
];
console.log(lines.join('\n'));
mkdirSync(dirname(args.out!), { recursive: true });
writeFileSync(`${args.out}.json`, JSON.stringify({ store: args.store, minutes: Number(args.minutes), conditions, limit: Number(args.limit), rows }, null, 1) + '\n');
writeFileSync(`${args.out}.md`, lines.join('\n') + '\n');
