/**
 * Trains one fusion model on pseudo-aligned conversations (tools/train/fusion/trainer.ts) on tfjs' WASM backend
 * (measured ~5× faster per step than the CPU backend here; the model avoids `gather`, whose gradient WASM lacks).
 *
 *   npx tsx tools/train/fusion/train.ts --data .cache/fusion --out public/models/fusion \
 *     [--fusion gate|concat|hcmf|magt] [--router dense|topk|noisy-topk|summer] [--dim 64] [--experts 4] [--top-k 2]
 *     [--expert-hidden 128] [--epochs 15] [--batch 16] [--lr 0.002] [--seed 1] [--conflict 0.1] [--dropout 0.2] [--degrade-audio 0.5] [--degrade-face 0.3]
 *     [--ikd] [--ikd-tau 2 --ikd-kl 0.5 --ikd-latent 0.1] [--magtkd-epochs 3] [--teacher <fusion dir> --kd-tau 2 --kd-weight 1]
 *
 * Writes model.json + weights.bin (best dev epoch), metrics.json (dev, per condition) and train.log into --out;
 * resumes from --checkpoint (default .cache/fusion-checkpoint/<out>).
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_FUSION_CONFIG, type FusionConfig, type FusionKind, type RouterKind } from '../../../src/fusion/model.ts';
import { readFusionSplit } from './data.ts';
import { nodeBackend } from '../../node/backend.ts';
import { DEFAULT_COMPRESS, DEFAULT_DEGRADE, DEFAULT_IKD, DEFAULT_LOSS_WEIGHTS, DEFAULT_MAGTKD_STAGE, trainFusion, type TrainOptions } from './trainer.ts';

export const FUSION_OPTIONS = {
  data: { type: 'string', default: '.cache/fusion' },
  out: { type: 'string', default: 'public/models/fusion' },
  'text-head': { type: 'string', default: 'public/models/text-head' },
  fusion: { type: 'string', default: DEFAULT_FUSION_CONFIG.fusion },
  router: { type: 'string', default: DEFAULT_FUSION_CONFIG.router },
  dim: { type: 'string', default: String(DEFAULT_FUSION_CONFIG.dim) },
  experts: { type: 'string', default: String(DEFAULT_FUSION_CONFIG.experts) },
  'top-k': { type: 'string', default: String(DEFAULT_FUSION_CONFIG.topK) },
  'expert-hidden': { type: 'string', default: String(DEFAULT_FUSION_CONFIG.expertHidden) },
  heads: { type: 'string', default: String(DEFAULT_FUSION_CONFIG.contextHeads) },
  epochs: { type: 'string', default: '15' },
  batch: { type: 'string', default: '16' },
  lr: { type: 'string', default: '0.002' },
  seed: { type: 'string', default: '1' },
  conflict: { type: 'string', default: '0.1' },
  dropout: { type: 'string', default: '0.2' },
  'degrade-audio': { type: 'string', default: String(DEFAULT_DEGRADE.audio) },
  'degrade-face': { type: 'string', default: String(DEFAULT_DEGRADE.face) },
  ikd: { type: 'boolean', default: false },
  'ikd-tau': { type: 'string', default: String(DEFAULT_IKD.tau) },
  'ikd-kl': { type: 'string', default: String(DEFAULT_IKD.kappaKl) },
  'ikd-latent': { type: 'string', default: String(DEFAULT_IKD.kappaLatent) },
  'magtkd-epochs': { type: 'string', default: '0' },
  teacher: { type: 'string' },
  'kd-tau': { type: 'string', default: String(DEFAULT_COMPRESS.tau) },
  'kd-weight': { type: 'string', default: String(DEFAULT_COMPRESS.weight) },
  checkpoint: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof FUSION_OPTIONS }>>['values'];

/** Command-line values → the trainer's options (the model config and every loss weight spelled out). */
export function trainOptionsFrom(v: Values, dims: [number, number, number], log: (line: string) => void): TrainOptions {
  const dim = Number(v.dim);
  const config: FusionConfig = {
    ...DEFAULT_FUSION_CONFIG, inputDims: dims, dim, experts: Number(v.experts), topK: Number(v['top-k']), expertHidden: Number(v['expert-hidden']),
    contextHeads: Number(v.heads), crossHeads: Number(v.heads), fusion: v.fusion as FusionKind, router: v.router as RouterKind,
  };
  const magtkdEpochs = Number(v['magtkd-epochs']);
  return {
    out: v.out!, config, epochs: Number(v.epochs), batch: Number(v.batch), lr: Number(v.lr), seed: Number(v.seed),
    conflict: Number(v.conflict), dropout: Number(v.dropout), loss: DEFAULT_LOSS_WEIGHTS, textHead: v['text-head']!,
    degrade: { audio: Number(v['degrade-audio']), face: Number(v['degrade-face']) },
    ikd: v.ikd ? { tau: Number(v['ikd-tau']), kappaKl: Number(v['ikd-kl']), kappaLatent: Number(v['ikd-latent']) } : undefined,
    magtkd: magtkdEpochs > 0 ? { ...DEFAULT_MAGTKD_STAGE, epochs: magtkdEpochs } : undefined,
    compress: v.teacher ? { teacherDir: v.teacher, tau: Number(v['kd-tau']), weight: Number(v['kd-weight']) } : undefined,
    checkpoint: v.checkpoint ?? `.cache/fusion-checkpoint/${v.out!.replace(/[^\w]+/g, '_')}`,
    log,
  };
}

if (process.argv[1]?.endsWith('train.ts')) {
  const { values } = parseArgs({ options: FUSION_OPTIONS });
  await nodeBackend();
  mkdirSync(values.out!, { recursive: true });
  const logFile = `${values.out}/train.log`;
  const checkpointed = existsSync(`${values.checkpoint ?? `.cache/fusion-checkpoint/${values.out!.replace(/[^\w]+/g, '_')}`}/model.json`);
  if (!checkpointed) writeFileSync(logFile, '');
  const log = (line: string): void => { console.log(line); appendFileSync(logFile, line + '\n'); };
  const train = readFusionSplit(values.data!, 'train');
  const dev = readFusionSplit(values.data!, 'dev');
  log(`train.ts ${process.argv.slice(2).join(' ')}`);
  await trainFusion(train, dev, trainOptionsFrom(values, [train.text.dim, train.audio.dim, train.face.dim], log));
}
