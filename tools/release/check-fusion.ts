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
import { CONDITIONS, readFusionSplit } from '../train/fusion/data.ts';
import { evaluateFusion } from '../train/fusion/evaluate.ts';
import { devConversations } from '../train/fusion/trainer.ts';

const { values } = parseArgs({ options: { models: { type: 'string' }, data: { type: 'string' }, seed: { type: 'string', default: '1' }, limit: { type: 'string' } } });
if (!values.models || !values.data) { console.error('check-fusion: --models and --data are required'); process.exit(2); }
const trained = JSON.parse(readFileSync(join(values.models, 'fusion/metrics.json'), 'utf8')) as Record<string, EvalResult>;
const dev = readFusionSplit(values.data, 'dev');
if (values.limit) dev.dialogues = dev.dialogues.slice(0, Number(values.limit));
const conversations = devConversations(dev, Number(values.seed));
const { params, config } = await loadFusion(values.models);
let failed = 0;
for (const condition of CONDITIONS) {
  const got = await evaluateFusion(params, config, conversations, dev, condition);
  const want = trained[condition];
  const same = want && got.n === want.n && JSON.stringify(got.confusion) === JSON.stringify(want.confusion);
  console.log(`${condition.padEnd(9)} weighted F1 ${got.weightedF1.toFixed(4)} (trained: ${want ? want.weightedF1.toFixed(4) : 'missing'}) ${same ? 'same predictions' : 'DIFFERENT'}`);
  if (!same) failed++;
}
disposeParams(params);
if (failed) { console.error(`check-fusion: ${failed} condition(s) differ from metrics.json: the staged fusion is not the model that was scored`); process.exit(1); }
