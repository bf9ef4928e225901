/**
 * `npm run train:features`: the features and token ids every encoder trainer reads, for the shipped models, with
 * the settings their model cards name: text token ids for the default text encoder (its tokenizer, the turn alone),
 * audio log-mel + prosody for RAVDESS and TESS, and 48×48 face crops of FER2013. Each step is the TypeScript
 * preparation script the card shows; this runs them one after another so a fresh checkout needs one command.
 *
 *   npm run train:features -- [--data ../shared/data] [--only text,audio,face] [--limit N]
 *
 * --limit N keeps at most N faces per split (a quick check of the pipeline, not training data).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { data: { type: 'string', default: '../shared/data' }, only: { type: 'string', default: 'text,audio,face' }, limit: { type: 'string' } } });
const data = args.data!;
const only = new Set(args.only!.split(','));
for (const name of only) if (!['text', 'audio', 'face'].includes(name)) { console.error(`train:features: unknown step "${name}" (text, audio, face)`); process.exit(2); }

const steps: { name: string; script: string; argv: string[] }[] = [
  { name: 'text', script: 'prepare-text.ts', argv: ['--data', join(data, 'text'), '--out', '.cache/use/text', '--tokenizer', 'text-encoder', '--input-form', 'turn'] },
  { name: 'audio', script: 'prepare-audio.ts', argv: ['--ravdess', join(data, 'audio/ravdess'), '--tess', join(data, 'audio/tess'), '--out', '.cache/audio'] },
  { name: 'face', script: 'prepare-faces.ts', argv: ['--data', join(data, 'faces/fer2013'), '--out', '.cache/faces', ...(args.limit ? ['--limit', args.limit] : [])] },
];

for (const step of steps.filter((s) => only.has(s.name))) {
  console.log(`train:features: ${step.name} → ${step.argv[step.argv.indexOf('--out') + 1]}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join('tools/train', step.script), ...step.argv], { stdio: 'inherit' });
  if (run.status !== 0) { console.error(`train:features: the ${step.name} step failed (exit ${run.status})`); process.exit(run.status ?? 1); }
}
