/**
 * The fusion ablation: trains each variant on the same pseudo-aligned material with the same seed and
 * schedule, scores all of them on the same pseudo-aligned dev conversations, and writes a table.
 *
 *   npx tsx tools/train/fusion/ablate.ts --data .cache/fusion --work .cache/ablation --out public/models/fusion \
 *     [--epochs 8] [--only name,name] [--limit 200]
 *
 * Each variant trains into <work>/<name>/ (resumable: a finished variant, i.e. one with metrics.json, is not
 * re-run). The teacher → student row distils <work>/<--student-teacher> (default `teacher`, the full recipe) into
 * the student config; pick the strongest large row that has finished (e.g. `--student-teacher magt`). Results:
 * <out>/ablation.json (every variant: config, loss settings, parameters, seconds, dev metrics per condition) and
 * <out>/ablation.md (weighted F1 and per-class F1).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LABELS } from '../../../src/labels.ts';
import { DEFAULT_FUSION_CONFIG, type FusionConfig } from '../../../src/fusion/model.ts';
import { disposeParams } from '../../../src/fusion/weights.ts';
import type { EvalResult } from '../../../src/eval/metrics.ts';
import { readFusionSplit, type FusionSplit } from './data.ts';
import { nodeBackend } from '../../node/backend.ts';
import { DEFAULT_COMPRESS, DEFAULT_DEGRADE, DEFAULT_IKD, DEFAULT_LOSS_WEIGHTS, DEFAULT_MAGTKD_STAGE, trainFusion, type TrainOptions } from './trainer.ts';

/** The shipped teacher's architecture, and the student distilled from it (≤ 1/4 of its parameters). */
export const TEACHER_CONFIG: Partial<FusionConfig> = { fusion: 'magt', router: 'topk', dim: 64, experts: 4, topK: 2, expertHidden: 128, contextHeads: 4, crossHeads: 4 };
export const STUDENT_CONFIG: Partial<FusionConfig> = { fusion: 'gate', router: 'topk', dim: 32, experts: 4, topK: 2, expertHidden: 48, contextHeads: 2, crossHeads: 2 };

interface Variant { name: string; what: string; config: Partial<FusionConfig>; ikd?: boolean; magtkd?: boolean; compress?: boolean }

/** Rows of the table, in order. Each differs from the teacher row in the one thing it names. */
export const VARIANTS: Variant[] = [
  { name: 'concat', what: 'late fusion: concatenation of the three streams (sparse MoE before it)', config: { ...TEACHER_CONFIG, fusion: 'concat' } },
  { name: 'gate', what: 'modality gate only (v0 fusion)', config: { ...TEACHER_CONFIG, fusion: 'gate' } },
  { name: 'hcmf', what: 'HCMF (SUMMER), sparse top-2 MoE', config: { ...TEACHER_CONFIG, fusion: 'hcmf' } },
  { name: 'magt-dense', what: 'MAGT, dense MoE (every expert weighs in)', config: { ...TEACHER_CONFIG, router: 'dense' } },
  { name: 'magt', what: 'MAGT (MAGTKD), sparse top-2 MoE', config: TEACHER_CONFIG },
  { name: 'magt-dialogue', what: 'MAGT whose cross-attention also sees earlier turns', config: { ...TEACHER_CONFIG, crossScope: 'dialogue' } },
  { name: 'magt-summer', what: "MAGT, SUMMER's mean ± 2·std router with Gumbel-softmax, 8 experts", config: { ...TEACHER_CONFIG, router: 'summer', experts: 8, expertHidden: 64 } },
  { name: 'magt-ikd', what: 'MAGT + IKD from the text teacher', config: TEACHER_CONFIG, ikd: true },
  { name: 'magt-magtkd', what: 'MAGT + MAGTKD stage 1 (text teacher → audio, face)', config: TEACHER_CONFIG, magtkd: true },
  { name: 'teacher', what: 'the full recipe: MAGT + MAGTKD stage 1 + IKD', config: TEACHER_CONFIG, ikd: true, magtkd: true },
  { name: 'student-scratch', what: 'student architecture trained from labels only', config: STUDENT_CONFIG },
  { name: 'student', what: 'student distilled from the teacher (--student-teacher) (shipped)', config: STUDENT_CONFIG, compress: true },
];

interface Row { name: string; what: string; config: FusionConfig; parameters: number; seconds: number; bestEpoch: number; settings: Record<string, unknown>; metrics: Record<string, EvalResult> }

function pct(x: number | undefined): string {
  return x === undefined ? '–' : (100 * x).toFixed(1);
}

export function ablationMarkdown(rows: Row[]): string {
  const lines = [
    '| variant | params | fused wF1 | text only | audio only | face only | no text | no audio | no face | ' + LABELS.map((l) => `${l} F1`).join(' | ') + ' |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|' + LABELS.map(() => '---:').join('|') + '|',
  ];
  for (const r of rows) {
    const m = r.metrics;
    lines.push(`| ${r.name}: ${r.what} | ${r.parameters.toLocaleString('en-US')} | **${pct(m.fused.weightedF1)}** | ${pct(m.text.weightedF1)} | ${pct(m.audio.weightedF1)} | ${pct(m.face.weightedF1)} | ${pct(m['no-text'].weightedF1)} | ${pct(m['no-audio'].weightedF1)} | ${pct(m['no-face'].weightedF1)} | ` +
      LABELS.map((l) => pct(m.fused.perClassF1[l])).join(' | ') + ' |');
  }
  return lines.join('\n') + '\n';
}

async function runVariant(v: Variant, train: FusionSplit, dev: FusionSplit, args: Record<string, string | undefined>, log: (line: string) => void): Promise<Row> {
  const dir = `${args.work}/${v.name}`;
  const rowFile = `${dir}/row.json`;
  if (existsSync(rowFile)) return JSON.parse(readFileSync(rowFile, 'utf8')) as Row;
  mkdirSync(dir, { recursive: true });
  const config: FusionConfig = { ...DEFAULT_FUSION_CONFIG, ...v.config, inputDims: [train.text.dim, train.audio.dim, train.face.dim] };
  const options: TrainOptions = {
    out: dir, config, epochs: Number(args.epochs), batch: Number(args.batch), lr: Number(args.lr), seed: Number(args.seed),
    conflict: Number(args.conflict), dropout: Number(args.dropout), loss: DEFAULT_LOSS_WEIGHTS, textHead: args['text-head']!,
    degrade: { audio: Number(args['degrade-audio']), face: Number(args['degrade-face']) },
    ikd: v.ikd ? DEFAULT_IKD : undefined,
    magtkd: v.magtkd ? DEFAULT_MAGTKD_STAGE : undefined,
    compress: v.compress ? { teacherDir: `${args.work}/${args['student-teacher']}`, ...DEFAULT_COMPRESS } : undefined,
    checkpoint: `${dir}/checkpoint`,
    log: (line) => log(`[${v.name}] ${line}`),
  };
  const result = await trainFusion(train, dev, options);
  disposeParams(result.params);
  const { log: _log, ...settings } = options;
  const what = v.compress ? `student distilled from ${args['student-teacher']} (shipped)` : v.what;
  const row: Row = { name: v.name, what, config, parameters: result.parameters, seconds: result.seconds, bestEpoch: result.bestEpoch + 1, settings, metrics: result.metrics };
  writeFileSync(rowFile, JSON.stringify(row, null, 1));
  return row;
}

if (process.argv[1]?.endsWith('ablate.ts')) {
  const { values: args } = parseArgs({
    options: {
      data: { type: 'string', default: '.cache/fusion' }, work: { type: 'string', default: '.cache/ablation' }, out: { type: 'string', default: 'public/models/fusion' },
      'text-head': { type: 'string', default: 'public/models/text-head' }, epochs: { type: 'string', default: '8' }, batch: { type: 'string', default: '16' },
      lr: { type: 'string', default: '0.002' }, seed: { type: 'string', default: '1' }, conflict: { type: 'string', default: '0.1' }, dropout: { type: 'string', default: '0.2' },
      'degrade-audio': { type: 'string', default: String(DEFAULT_DEGRADE.audio) }, 'degrade-face': { type: 'string', default: String(DEFAULT_DEGRADE.face) },
      only: { type: 'string' }, limit: { type: 'string' }, 'student-teacher': { type: 'string', default: 'teacher' },
    },
  });
  await nodeBackend();
  mkdirSync(args.work!, { recursive: true });
  const log = (line: string): void => { console.log(line); appendFileSync(`${args.work}/ablation.log`, line + '\n'); };
  const train = readFusionSplit(args.data!, 'train'), dev = readFusionSplit(args.data!, 'dev');
  if (args.limit) { train.dialogues = train.dialogues.slice(0, Number(args.limit)); dev.dialogues = dev.dialogues.slice(0, Number(args.limit)); }
  const only = args.only ? new Set(args.only.split(',')) : undefined;
  const rows: Row[] = [];
  for (const v of VARIANTS) {
    if (only && !only.has(v.name)) continue;
    log(`== ${v.name}: ${v.what}`);
    rows.push(await runVariant(v, train, dev, args, log));
  }
  mkdirSync(args.out!, { recursive: true });
  const command = `npx tsx tools/train/fusion/ablate.ts ${process.argv.slice(2).join(' ')}`;
  writeFileSync(`${args.out}/ablation.json`, JSON.stringify({ command, split: 'pseudo-aligned dev (MELD dev dialogues + RAVDESS actors 17-20 + FER2013 PublicTest), seed ' + args.seed, rows }, null, 1) + '\n');
  writeFileSync(`${args.out}/ablation.md`, `Pseudo-aligned dev, weighted F1 (%) and per-class F1 of the fused head (%). Command: \`${command}\`\n\n` + ablationMarkdown(rows));
  log(ablationMarkdown(rows));
}
