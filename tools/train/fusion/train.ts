/**
 * Trains the fusion on pseudo-aligned conversations with tfjs (the very layers the page runs), on tfjs' WASM
 * backend (measured ~5× faster per step than the CPU backend here; the model avoids `gather`, whose gradient WASM lacks). Each epoch draws a fresh pairing of clips and images
 * (seeded), with label-conflict noise and modality dropout; dev conversations are paired once, from dev material only.
 *
 *   npx tsx tools/train/fusion/train.ts --data .cache/fusion --out public/models/fusion [--epochs 25] [--seed 1]
 *
 * Writes model.json + weights.bin, metrics.json (dev, per condition), train.log. Resumes from --checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { disposeFusionInput, makeFusionInput } from '../../../src/fusion/batch.ts';
import { fusionLoss, DEFAULT_LOSS_WEIGHTS } from '../../../src/fusion/loss.ts';
import { countParams, DEFAULT_FUSION_CONFIG, fusionForward, initFusionParams, type FusionConfig } from '../../../src/fusion/model.ts';
import { fusionToArtifacts, loadFusionParams } from '../../../src/fusion/weights.ts';
import type { EvalResult } from '../../../src/eval/metrics.ts';
import { diskLoader, diskSaver } from '../tfjs-disk.ts';
import { CONDITIONS, readFusionSplit, turnFeatures, windows, type Condition } from './data.ts';
import { evaluateFusion } from './evaluate.ts';
import { pseudoAlign, rng } from './pseudo-align.ts';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: '.cache/fusion' },
    out: { type: 'string', default: 'public/models/fusion' },
    epochs: { type: 'string', default: '25' },
    batch: { type: 'string', default: '16' },
    lr: { type: 'string', default: '0.002' },
    seed: { type: 'string', default: '1' },
    conflict: { type: 'string', default: '0.1' },
    dropout: { type: 'string', default: '0.2' },
    checkpoint: { type: 'string' },
  },
});

tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
if (!(await tf.setBackend('wasm').catch(() => false))) await tf.setBackend('cpu');
const out = args.out!;
mkdirSync(out, { recursive: true });
const logFile = `${out}/train.log`;
const log = (line: string): void => { console.log(line); appendFileSync(logFile, line + '\n'); };

const train = readFusionSplit(args.data!, 'train');
const dev = readFusionSplit(args.data!, 'dev');
const config: FusionConfig = { ...DEFAULT_FUSION_CONFIG, inputDims: [train.text.dim, train.audio.dim, train.face.dim] };
const seed = Number(args.seed), epochs = Number(args.epochs), batchSize = Number(args.batch), dropout = Number(args.dropout);
const hyper = { seed, epochs, batchSize, lr: Number(args.lr), conflict: Number(args.conflict), dropout, loss: DEFAULT_LOSS_WEIGHTS };

const devDialogues = pseudoAlign(dev.dialogues, dev.audio.labels, dev.face.labels, { seed: 1000 + seed });
const checkpoint = args.checkpoint ?? `.cache/fusion-checkpoint/${out.replace(/[^\w]+/g, '_')}`;
let startEpoch = 0, best = -1;
let params = initFusionParams(config, seed);
if (existsSync(`${checkpoint}/model.json`)) {
  const loaded = await loadFusionParams(diskLoader(checkpoint));
  for (const [name, v] of Object.entries(loaded.params)) params[name].assign(v);
  startEpoch = Number(loaded.meta.epoch) + 1; best = Number(loaded.meta.best);
  log(`resumed from ${checkpoint} at epoch ${startEpoch} (best dev weighted F1 ${best.toFixed(4)})`);
} else {
  writeFileSync(logFile, '');
  log(`fusion v0 on tfjs-${tf.getBackend()}: ${countParams(params)} parameters; train ${train.dialogues.length} dialogues, dev ${dev.dialogues.length}; ${JSON.stringify(hyper)}`);
}

const optimizer = tf.train.adam(hyper.lr);
const started = Date.now();
for (let epoch = startEpoch; epoch < epochs; epoch++) {
  const aligned = windows(pseudoAlign(train.dialogues, train.audio.labels, train.face.labels, {
    seed: seed * 7919 + epoch, conflict: hyper.conflict, dropout: { text: dropout, audio: dropout, face: dropout },
  }), config.maxTurns);
  const order = aligned.map((_, i) => i);
  const random = rng(seed * 31 + epoch);
  for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(random() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  let lossSum = 0, steps = 0;
  for (let i = 0; i < order.length; i += batchSize) {
    const batch = order.slice(i, i + batchSize).map((k) => aligned[k]);
    const input = makeFusionInput(batch.map((d) => turnFeatures(d, train)), config);
    const T = input.turnMask.shape[1];
    const labels = tf.tensor2d(batch.flatMap((d) => Array.from({ length: T }, (_, t) => d.turns[t]?.label ?? -1)), [batch.length, T], 'int32');
    const loss = optimizer.minimize(() => fusionLoss(fusionForward(params, input, config), labels, input.present, input.turnMask, hyper.loss), true, Object.values(params));
    lossSum += (await loss!.data())[0]; steps++;
    loss!.dispose(); labels.dispose(); disposeFusionInput(input);
  }
  const fused = await evaluateFusion(params, config, devDialogues, dev, 'fused');
  const improved = fused.weightedF1 > best;
  if (improved) {
    best = fused.weightedF1;
    await diskSaver(out).save!(await fusionToArtifacts(params, config, { epoch, devWeightedF1: best, hyper }));
  }
  await diskSaver(checkpoint).save!(await fusionToArtifacts(params, config, { epoch, best }));
  log(`epoch ${epoch + 1}/${epochs} loss ${(lossSum / steps).toFixed(4)} dev wF1 ${fused.weightedF1.toFixed(4)} acc ${fused.accuracy.toFixed(4)}${improved ? ' *' : ''} (${((Date.now() - started) / 1000).toFixed(0)} s, ${tf.memory().numTensors} tensors)`);
}

// Score the best model under every condition on the same dev conversations.
const bestModel = await loadFusionParams(diskLoader(out));
params = bestModel.params;
const metrics: Partial<Record<Condition, EvalResult>> = {};
for (const condition of CONDITIONS) {
  metrics[condition] = await evaluateFusion(params, config, devDialogues, dev, condition);
  log(`dev ${condition.padEnd(9)} weighted F1 ${metrics[condition]!.weightedF1.toFixed(4)} accuracy ${metrics[condition]!.accuracy.toFixed(4)}`);
}
writeFileSync(`${out}/metrics.json`, JSON.stringify(metrics, null, 1) + '\n');
log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; best epoch ${Number(bestModel.meta.epoch) + 1}`);
