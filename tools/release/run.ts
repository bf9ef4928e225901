/**
 * `npm run release -- <face|audio|text|fusion>`: makes one shipped model from the data, in one command —
 * features (by the page's own TypeScript code) → training → export → parity check → the card's scores → the
 * models manifest — and installs it into public/models only when every step passed.
 *
 *   npm run release -- <model> [--data ../shared/data] [--quick] [--fresh] [--dry-run] [--models public/models]
 *
 * Resumable: each finished step leaves a marker under .cache/release/<model>/steps/, so running the same command
 * again (after a stop, a crash, the end of a session) skips what is done and the trainers continue from their own
 * checkpoints. Exports and checks always run again. --fresh forgets this model's work (not the shared features).
 * --quick runs every step on a sliver of the data under .cache/release-quick/ (minutes, not hours) and installs
 * nothing: a check that the pipeline holds together, not a model. --dry-run prints the steps.
 * Everything the steps print goes to <work>/release.log as well.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeManifest } from '../write-manifest.ts';
import { scoresBlock, writeCardScores, type ReleaseStamp } from './card.ts';
import { MODELS, RECIPES, type ModelName, type Recipe, type ReleaseContext, type Step } from './recipes.ts';

export interface ReleaseOptions {
  data: string;
  /** The shipped models folder. Default public/models. */
  models?: string;
  /** Where work and features go. Default .cache/release (.cache/release-quick with `quick`). */
  cache?: string;
  quick?: boolean;
  fresh?: boolean;
  dryRun?: boolean;
  /** How the release was asked for (for the card). */
  command?: string;
  /** Where progress lines go. Default: stdout, with everything the steps print. Given: the steps' output goes to the log only. */
  print?: (line: string) => void;
  /** Another recipe for `model` (tests run the runner on a tiny one). */
  recipe?: (c: ReleaseContext) => Recipe;
}

const PYTHON = process.env.EMOLENS_PYTHON ?? '/usr/bin/python3';

function resolveArgv(argv: string[]): string[] {
  if (argv[0] === 'tsx') return [process.execPath, '--import', 'tsx', ...argv.slice(1)];
  if (argv[0] === 'python') return [PYTHON, ...argv.slice(1)];
  if (argv[0] === 'node') return [process.execPath, ...argv.slice(1)];
  return argv;
}

function runCommand(argv: string[], env: Record<string, string> | undefined, log: WriteStream, echo: boolean): Promise<number> {
  const [file, ...args] = resolveArgv(argv);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (to: NodeJS.WriteStream) => (chunk: Buffer) => { if (echo) to.write(chunk); log.write(chunk); };
    child.stdout.on('data', forward(process.stdout));
    child.stderr.on('data', forward(process.stderr));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

function stamp(command: string, quick: boolean): ReleaseStamp {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    if (execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim()) commit += ' (with uncommitted changes)';
  } catch { /* not a git checkout */ }
  return { command, commit, date: new Date().toISOString().slice(0, 10), quick };
}

/** The context and recipe a release of `model` would run with these options. */
export function plan(model: ModelName, options: ReleaseOptions): { context: ReleaseContext; recipe: Recipe } {
  const quick = !!options.quick;
  const cache = options.cache ?? (quick ? '.cache/release-quick' : '.cache/release');
  const work = join(cache, model);
  const context: ReleaseContext = { data: options.data, features: join(cache, 'features'), work, models: options.models ?? 'public/models', stage: join(work, 'stage'), quick };
  return { context, recipe: (options.recipe ?? RECIPES[model])(context) };
}

/** Runs (or resumes) the release of `model`; resolves with the stage folder once everything passed. */
export async function release(model: ModelName, options: ReleaseOptions): Promise<{ stage: string; installed: boolean; card: string }> {
  const print = options.print ?? ((line: string) => console.log(line));
  const { context: c, recipe } = plan(model, options);
  if (options.dryRun) {
    for (const s of recipe.steps) print(`${s.name}: ${s.what}${s.argv ? `\n  ${s.argv.join(' ')}` : ''}${s.copy ? `\n  copies ${s.copy.map(([f, t]) => `${f} → ${t}`).join(', ')}` : ''}`);
    return { stage: c.stage, installed: false, card: '' };
  }
  if (!existsSync(c.data)) throw new Error(`release: the data folder ${c.data} does not exist (--data)`);
  if (options.fresh) rmSync(c.work, { recursive: true, force: true });
  mkdirSync(join(c.work, 'steps'), { recursive: true });
  mkdirSync(join(c.features, 'steps'), { recursive: true });
  // The stage survives a resume: training writes into it (the text encoder's ONNX) before the steps that read it.
  if (!existsSync(c.stage)) cpSync(c.models, c.stage, { recursive: true });
  const log = createWriteStream(join(c.work, 'release.log'), { flags: 'a' });
  const say = (line: string): void => { print(line); log.write(line + '\n'); };
  try {
    say(`== release ${model}${c.quick ? ' (--quick)' : ''}: ${new Date().toISOString()}`);
    for (const step of recipe.steps) await runStep(step, c, say, log, !options.print);
    const read = (path: string): unknown => JSON.parse(readFileSync(join(c.stage, path), 'utf8'));
    const cardPath = join(c.stage, recipe.card.folder, 'card.md');
    const card = writeCardScores(cardPath, scoresBlock(recipe.card.title, recipe.card.scores(read), stamp(options.command ?? `npm run release -- ${model}`, c.quick), recipe.card.extra?.(read)));
    writeManifest(c.stage);
    say(`card scores written: ${cardPath}`);
    if (c.quick) { say(`--quick: nothing installed; the staged models are in ${c.stage}`); return { stage: c.stage, installed: false, card }; }
    for (const folder of recipe.folders) {
      rmSync(join(c.models, folder), { recursive: true, force: true });
      cpSync(join(c.stage, folder), join(c.models, folder), { recursive: true });
    }
    writeManifest(c.models);
    say(`installed ${recipe.folders.join(', ')} into ${c.models} and rewrote its manifest.json`);
    return { stage: c.stage, installed: true, card };
  } finally {
    await new Promise((r) => log.end(r));
  }
}

async function runStep(step: Step, c: ReleaseContext, say: (line: string) => void, log: WriteStream, echo: boolean): Promise<void> {
  const marker = join(step.shared ? c.features : c.work, 'steps', `${step.name}.json`);
  const signature = JSON.stringify({ argv: step.argv ?? null, copy: step.copy ?? null });
  if (!step.always && existsSync(marker) && JSON.parse(readFileSync(marker, 'utf8')).signature === signature) {
    say(`-- ${step.name}: done before, skipped (${step.what})`);
    return;
  }
  say(`-- ${step.name}: ${step.what}`);
  const t0 = Date.now();
  if (step.argv) {
    const code = await runCommand(step.argv, step.env, log, echo);
    if (code !== 0) throw new Error(`release: step "${step.name}" failed (exit ${code}); see ${join(c.work, 'release.log')}. Run the same command again to resume from this step.`);
  }
  for (const [from, to] of step.copy ?? []) {
    if (!existsSync(from)) throw new Error(`release: step "${step.name}" should have made ${from}`);
    cpSync(from, to, { recursive: true });
  }
  const seconds = (Date.now() - t0) / 1000;
  writeFileSync(marker, JSON.stringify({ signature, seconds, finished: new Date().toISOString() }));
  say(`-- ${step.name}: ${seconds.toFixed(1)} s`);
}

if (process.argv[1]?.endsWith('release/run.ts')) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      data: { type: 'string', default: '../shared/data' }, models: { type: 'string', default: 'public/models' },
      quick: { type: 'boolean', default: false }, fresh: { type: 'boolean', default: false }, 'dry-run': { type: 'boolean', default: false },
    },
  });
  const model = positionals[0] as ModelName;
  if (positionals.length !== 1 || !MODELS.includes(model)) {
    console.error(`usage: npm run release -- <${MODELS.join('|')}> [--data ../shared/data] [--quick] [--fresh] [--dry-run]`);
    process.exit(2);
  }
  try {
    await release(model, { data: values.data!, models: values.models, quick: values.quick, fresh: values.fresh, dryRun: values['dry-run'], command: `npm run release -- ${process.argv.slice(2).join(' ')}` });
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
