/**
 * One fusion training run in tfjs (the very layers the page runs), used by the CLI (train.ts) and by the ablation
 * runner (ablate.ts). Each epoch draws a fresh pseudo-aligned pairing of clips and images (seeded), with
 * label-conflict noise and modality dropout; dev conversations are paired once, from dev material only.
 *
 * Optional distillation, all from a frozen teacher:
 * - MAGTKD stage 1 (`magtkd.epochs` > 0): first trains only the audio and face branches against the text teacher
 *   (the shipped text head's classifier applied to each turn's text embedding), then the whole fusion;
 * - IKD (`ikd`): SUMMER's KL + latent terms from the same text teacher during the main training;
 * - compression (`compress.teacherDir`): KL from a trained (larger) fusion teacher on every batch.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { disposeFusionInput, makeFusionInput } from '../../../src/fusion/batch.ts';
import { DEFAULT_LOSS_WEIGHTS, DEFAULT_MAGTKD, fusionLossTerms, magtkdStageLoss, type Distillation, type FusionLossWeights, type MagtkdWeights } from './loss.ts';
import { countParams, fusionForward, initFusionParams, type FusionConfig, type FusionInput, type FusionParams } from '../../../src/fusion/model.ts';
import { disposeParams, fusionToArtifacts, loadFusionParams } from '../../../src/fusion/weights.ts';
import type { LinearClassifier } from './distill.ts';
import type { EvalResult } from '../../../src/eval/metrics.ts';
import { diskLoader, diskSaver, loadLayersModelFromDisk } from '../tfjs-disk.ts';
import { qualityStatistics, scenarios, turnFeatures, windows, type FusionSplit } from './data.ts';
import { fitHeadTemperatures, reliabilityReport } from './calibrate.ts';
import { evaluateFusion } from './evaluate.ts';
import { pseudoAlign, rng, type AlignedDialogue, type DegradedLabels } from './pseudo-align.ts';

export interface IkdOptions { tau: number; kappaKl: number; kappaLatent: number }
export interface MagtkdOptions extends MagtkdWeights { epochs: number }
export interface CompressOptions { teacherDir: string; tau: number; weight: number }

export interface TrainOptions {
  out: string;
  config: FusionConfig;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  conflict: number;
  dropout: number;
  /**
   * Rates at which a training turn's audio / face comes from the degraded pool (when the data has one); the dev
   * conversations the run is selected and calibrated on are paired with the same rates.
   */
  degrade: DegradeRates;
  loss: FusionLossWeights;
  ikd?: IkdOptions;
  magtkd?: MagtkdOptions;
  compress?: CompressOptions;
  /** Folder of the text head whose `logits` layer is the text teacher (IKD, MAGTKD). */
  textHead: string;
  /** Resumable checkpoint folder (none: no resume). */
  checkpoint?: string;
  log: (line: string) => void;
}

export interface DegradeRates { audio: number; face: number }
/**
 * Half the turns heard through a room or a poor microphone, a third seen through a poor webcam: roughly what a
 * laptop in an ordinary room gives, and enough clean turns that a good recording is still trusted.
 */
export const DEFAULT_DEGRADE: DegradeRates = { audio: 0.5, face: 0.3 };

export const DEFAULT_IKD: IkdOptions = { tau: 2, kappaKl: 0.5, kappaLatent: 0.1 };
export const DEFAULT_MAGTKD_STAGE: MagtkdOptions = { ...DEFAULT_MAGTKD, epochs: 3 };
export const DEFAULT_COMPRESS = { tau: 2, weight: 1 };

export interface TrainResult { params: FusionParams; config: FusionConfig; metrics: Record<string, EvalResult>; bestEpoch: number; parameters: number; seconds: number }

/** The text teacher: the shipped text head's last layer (embedding → logits), frozen. */
export async function loadTextTeacher(textHead: string): Promise<LinearClassifier> {
  const model = await loadLayersModelFromDisk(textHead);
  const [w, b] = model.getLayer('logits').getWeights();
  const teacher = { w: tf.clone(w) as tf.Tensor2D, b: tf.clone(b) as tf.Tensor1D };
  model.dispose();
  return teacher;
}

function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const random = rng(seed);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(random() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  return order;
}

function labelTensor(batch: AlignedDialogue[], T: number): tf.Tensor2D {
  return tf.tensor2d(batch.flatMap((d) => Array.from({ length: T }, (_, t) => d.turns[t]?.label ?? -1)), [batch.length, T], 'int32');
}

/** The text teacher's logits for every turn of a batch (its input: the turn's text embedding). */
function teacherLogits(teacher: LinearClassifier, input: FusionInput): tf.Tensor3D {
  const [B, T, D] = input.text.shape;
  // tidy: the reshapes and the product are intermediates (without it each batch leaked three tensors).
  return tf.tidy(() => input.text.reshape([B * T, D]).matMul(teacher.w).add(teacher.b).reshape([B, T, teacher.w.shape[1]]) as tf.Tensor3D);
}

/** The labels of a split's degraded pools, for the pairing. */
export function degradedLabels(split: FusionSplit): DegradedLabels {
  return { audio: split.audioDegraded?.labels, face: split.faceDegraded?.labels };
}

/**
 * The dev conversations a run with `seed` is selected, calibrated and scored on (the release check scores the saved
 * model on the same). Degraded turns at `degrade` rates where the split has degraded pools.
 */
export function devConversations(dev: FusionSplit, seed: number, degrade: DegradeRates = { audio: 0, face: 0 }): AlignedDialogue[] {
  return pseudoAlign(dev.dialogues, dev.audio.labels, dev.face.labels, { seed: 1000 + seed, degrade }, degradedLabels(dev));
}

export async function trainFusion(train: FusionSplit, dev: FusionSplit, o: TrainOptions): Promise<TrainResult> {
  mkdirSync(o.out, { recursive: true });
  // Pools with recording quality: the gate reads it, standardised by the training pools' statistics.
  const quality = o.config.fusion === 'concat' ? undefined : qualityStatistics(train);
  const config: FusionConfig = quality ? { ...o.config, quality } : o.config;
  const devDialogues = devConversations(dev, o.seed, o.degrade);
  const params = initFusionParams(config, o.seed);
  const needsTextTeacher = Boolean(o.ikd || (o.magtkd && o.magtkd.epochs > 0));
  const textTeacher = needsTextTeacher ? await loadTextTeacher(o.textHead) : undefined;
  if (textTeacher && textTeacher.w.shape[0] !== config.inputDims[0]) throw new Error(`text teacher expects ${textTeacher.w.shape[0]}-d text embeddings, the fusion data has ${config.inputDims[0]}-d`);
  // IKD's adapter maps the student's fused features into the teacher classifier's input space (training only).
  const adapter = o.ikd ? tf.variable(tf.randomNormal([config.dim, config.inputDims[0]], 0, 1 / Math.sqrt(config.dim), 'float32', o.seed), true, 'ikd_adapter') : undefined;
  const fusionTeacher = o.compress ? await loadFusionParams(diskLoader(o.compress.teacherDir)) : undefined;
  // The student learns the teacher's raw scores (its temperatures are for reading probabilities, not for distilling).
  if (fusionTeacher) fusionTeacher.config = { ...fusionTeacher.config, temperatures: undefined };
  const magtkdEpochs = o.magtkd?.epochs ?? 0;
  const totalEpochs = magtkdEpochs + o.epochs;

  let startEpoch = 0, best = -1, bestEpoch = -1;
  if (o.checkpoint && existsSync(`${o.checkpoint}/model.json`)) {
    const loaded = await loadFusionParams(diskLoader(o.checkpoint));
    for (const [name, v] of Object.entries(loaded.params)) params[name].assign(v);
    disposeParams(loaded.params);
    startEpoch = Number(loaded.meta.epoch) + 1; best = Number(loaded.meta.best); bestEpoch = Number(loaded.meta.bestEpoch ?? -1);
    o.log(`resumed from ${o.checkpoint} at epoch ${startEpoch + 1} (best dev weighted F1 ${best.toFixed(4)})`);
  }
  const hyper = { epochs: o.epochs, batch: o.batch, lr: o.lr, seed: o.seed, conflict: o.conflict, dropout: o.dropout, degrade: o.degrade, loss: o.loss, ikd: o.ikd, magtkd: o.magtkd, compress: o.compress };
  o.log(`fusion ${config.fusion}/${config.router} on tfjs-${tf.getBackend()}: ${countParams(params)} parameters${quality ? `, gate reads ${quality.dim} quality values per recording` : ''}; train ${train.dialogues.length} dialogues, dev ${dev.dialogues.length}; ${JSON.stringify(hyper)}`);

  const allVars = [...Object.values(params), ...(adapter ? [adapter] : [])];
  // Stage 1 touches only what the audio and face branches use.
  const stage1Vars = Object.entries(params).filter(([n]) => /^(proj[12]\.|emb\.|router\.|experts\.|modalityHead\.)/.test(n)).map(([, v]) => v);
  // One Adam per stage: tfjs keys Adam's moments by position in the variable list, which differs between stages.
  const stage1Optimizer = tf.train.adam(o.lr), optimizer = tf.train.adam(o.lr);
  const started = Date.now();
  for (let epoch = startEpoch; epoch < totalEpochs; epoch++) {
    const stage1 = epoch < magtkdEpochs;
    const aligned = windows(pseudoAlign(train.dialogues, train.audio.labels, train.face.labels, {
      seed: o.seed * 7919 + epoch, conflict: o.conflict, dropout: { text: o.dropout, audio: o.dropout, face: o.dropout }, degrade: o.degrade,
    }, degradedLabels(train)), config.maxTurns);
    const order = shuffled(aligned.length, o.seed * 31 + epoch);
    let lossSum = 0, steps = 0;
    for (let i = 0; i < order.length; i += o.batch) {
      const batch = order.slice(i, i + o.batch).map((k) => aligned[k]);
      const input = makeFusionInput(batch.map((d) => turnFeatures(d, train)), config);
      const labels = labelTensor(batch, input.turnMask.shape[1]);
      const teacher = textTeacher ? teacherLogits(textTeacher, input) : undefined;
      const compressLogits = fusionTeacher ? tf.tidy(() => fusionForward(fusionTeacher.params, input, fusionTeacher.config).fusedLogits) : undefined;
      const forward = { training: true, seed: o.seed * 100003 + epoch * 1009 + steps };
      const loss = (stage1 ? stage1Optimizer : optimizer).minimize(() => {
        const out = fusionForward(params, input, config, forward);
        if (stage1) return magtkdStageLoss(out, labels, input.present, input.turnMask, teacher!, input.text, o.magtkd);
        const distill: Distillation = {};
        if (o.ikd) distill.ikd = { teacherLogits: teacher!, classifier: textTeacher!, adapter: adapter! as tf.Tensor as tf.Tensor2D, ...o.ikd };
        if (o.compress) distill.compress = { teacherLogits: compressLogits!, tau: o.compress.tau, weight: o.compress.weight };
        return fusionLossTerms(out, labels, input.present, input.turnMask, o.loss, distill).total;
      }, true, stage1 ? stage1Vars : allVars);
      lossSum += (await loss!.data())[0]; steps++;
      tf.dispose([loss!, labels, teacher, compressLogits].filter((t) => t !== undefined) as tf.Tensor[]);
      disposeFusionInput(input);
    }
    const fused = await evaluateFusion(params, config, devDialogues, dev, 'fused');
    // Selection only among full-fusion epochs: stage 1 does not train the fused head.
    const improved = !stage1 && fused.weightedF1 > best;
    if (improved) {
      best = fused.weightedF1; bestEpoch = epoch;
      await diskSaver(o.out).save!(await fusionToArtifacts(params, config, { epoch, devWeightedF1: best, hyper }));
    }
    if (o.checkpoint) await diskSaver(o.checkpoint).save!(await fusionToArtifacts(params, config, { epoch, best, bestEpoch }));
    o.log(`epoch ${epoch + 1}/${totalEpochs}${stage1 ? ' (MAGTKD stage 1)' : ''} loss ${(lossSum / steps).toFixed(4)} dev wF1 ${fused.weightedF1.toFixed(4)} acc ${fused.accuracy.toFixed(4)}${improved ? ' *' : ''} (${((Date.now() - started) / 1000).toFixed(0)} s, ${tf.memory().numTensors} tensors)`);
  }

  // Calibrate every head on the selection conversations, save the temperatures with the model, and score it.
  const bestModel = await loadFusionParams(diskLoader(o.out));
  const temperatures = await fitHeadTemperatures(bestModel.params, config, devDialogues, dev);
  const calibrated: FusionConfig = { ...config, temperatures };
  await diskSaver(o.out).save!(await fusionToArtifacts(bestModel.params, calibrated, { ...bestModel.meta, temperatures }));
  o.log(`temperatures fitted on dev: ${JSON.stringify(temperatures)}`);
  const metrics = await scoreScenarios(bestModel.params, calibrated, dev, o.seed, o.degrade);
  for (const [name, m] of Object.entries(metrics)) o.log(`dev ${name.padEnd(24)} weighted F1 ${m.weightedF1.toFixed(4)} accuracy ${m.accuracy.toFixed(4)}`);
  writeFileSync(`${o.out}/metrics.json`, JSON.stringify(metrics, null, 1) + '\n');
  const reliability = await reliabilityReport(bestModel.params, config, temperatures, devConversations(dev, o.seed), dev);
  writeFileSync(`${o.out}/reliability.json`, JSON.stringify(reliability, null, 1) + '\n');
  o.log(`fused ECE ${reliability.calibration.fused.fused.eceRaw} → ${reliability.calibration.fused.fused.ece}; gate ${JSON.stringify(reliability.gate)}`);
  disposeParams(params);
  adapter?.dispose();
  stage1Optimizer.dispose(); optimizer.dispose();
  if (textTeacher) tf.dispose([textTeacher.w, textTeacher.b]);
  if (fusionTeacher) disposeParams(fusionTeacher.params);
  const seconds = (Date.now() - started) / 1000;
  o.log(`done in ${seconds.toFixed(0)} s; best epoch ${bestEpoch + 1}`);
  return { params: bestModel.params, config: calibrated, metrics, bestEpoch, parameters: countParams(bestModel.params), seconds };
}

/**
 * A trained fusion's dev scores: every clean condition and degraded scenario on conversations paired without
 * degradation (so a degraded scenario differs from 'fused' only in its recordings), and 'fused, realistic mix' on the
 * selection conversations (degraded at the training rates). The release check recomputes exactly these.
 */
export async function scoreScenarios(params: FusionParams, config: FusionConfig, dev: FusionSplit, seed: number, degrade: DegradeRates): Promise<Record<string, EvalResult>> {
  const clean = devConversations(dev, seed);
  const metrics: Record<string, EvalResult> = {};
  for (const [name, s] of Object.entries(scenarios(dev))) metrics[name] = await evaluateFusion(params, config, clean, dev, s.condition, s.degraded);
  if (dev.audioDegraded || dev.faceDegraded) metrics['fused, realistic mix'] = await evaluateFusion(params, config, devConversations(dev, seed, degrade), dev, 'fused');
  return metrics;
}

export { DEFAULT_LOSS_WEIGHTS };
