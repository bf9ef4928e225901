/**
 * The fusion's release check (it has no PyTorch twin to be held to): the staged files, loaded through the page's
 * checked loader (sizes and SHA-256 against the staged manifest), must give exactly the dev scores the trainer
 * wrote in metrics.json, under every modality condition. Catches a wrong file copied, a stale manifest, or a saved
 * model that is not the one that was scored.
 *
 *   npx tsx tools/release/check-fusion.ts --models <staged models> --data <fusion embeddings> [--seed 1] [--limit N]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadFusion } from '../node/models.ts';
import { disposeParams } from '../../src/fusion/weights.ts';
import type { EvalResult } from '../../src/eval/metrics.ts';
import { readFusionSplit } from '../train/fusion/data.ts';
import { scoreScenarios, type DegradeRates } from '../train/fusion/trainer.ts';

const { values } = parseArgs({ options: { models: { type: 'string' }, data: { type: 'string' }, seed: { type: 'string', default: '1' }, limit: { type: 'string' } } });
if (!values.models || !values.data) { console.error('check-fusion: --models and --data are required'); process.exit(2); }
const trained = JSON.parse(readFileSync(join(values.models, 'fusion/metrics.json'), 'utf8')) as Record<string, EvalResult>;
const dev = readFusionSplit(values.data, 'dev');
if (values.limit) dev.dialogues = dev.dialogues.slice(0, Number(values.limit));
const { params, config, meta } = await loadFusion(values.models);
// The degradation rates the model was trained (and its realistic-mix dev pairing made) with.
const degrade = ((meta.hyper as { degrade?: DegradeRates } | undefined)?.degrade) ?? { audio: 0, face: 0 };
const scored = await scoreScenarios(params, config, dev, Number(values.seed), degrade);
let failed = 0;
for (const name of new Set([...Object.keys(trained), ...Object.keys(scored)])) {
  const got = scored[name], want = trained[name];
  const same = want && got && got.n === want.n && JSON.stringify(got.confusion) === JSON.stringify(want.confusion);
  console.log(`${name.padEnd(24)} weighted F1 ${got ? got.weightedF1.toFixed(4) : 'not scored'} (trained: ${want ? want.weightedF1.toFixed(4) : 'missing'}) ${same ? 'same predictions' : 'DIFFERENT'}`);
  if (!same) failed++;
}
disposeParams(params);
if (failed) { console.error(`check-fusion: ${failed} condition(s) differ from metrics.json: the staged fusion is not the model that was scored`); process.exit(1); }
