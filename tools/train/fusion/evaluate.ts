/** Runs the fusion over aligned dialogues under a condition and scores the turns that carry a label. */
import * as tf from '@tensorflow/tfjs';
import { disposeFusionInput, makeFusionInput } from '../../../src/fusion/batch.ts';
import { fusionForward, type FusionConfig, type FusionParams } from '../../../src/fusion/model.ts';
import { evaluate, type EvalResult } from '../../../src/eval/metrics.ts';
import { turnFeatures, windows, type Condition, type Degraded, type FusionSplit } from './data.ts';
import type { AlignedDialogue } from './pseudo-align.ts';

export async function predictFusion(params: FusionParams, config: FusionConfig, dialogues: AlignedDialogue[], split: FusionSplit, condition: Condition, degraded: Degraded = {}, batchSize = 32): Promise<{ truth: number[]; pred: number[] }> {
  const truth: number[] = [], pred: number[] = [];
  const wins = windows(dialogues, config.maxTurns);
  for (let i = 0; i < wins.length; i += batchSize) {
    const batch = wins.slice(i, i + batchSize);
    const input = makeFusionInput(batch.map((d) => turnFeatures(d, split, condition, degraded)), config);
    const argmax = tf.tidy(() => fusionForward(params, input, config).fusedLogits.argMax(-1));
    const [, T] = argmax.shape;
    const values = await argmax.data();
    argmax.dispose(); disposeFusionInput(input);
    batch.forEach((d, b) => d.turns.forEach((turn, t) => {
      if (turn.label < 0) return;
      truth.push(turn.label); pred.push(values[b * T + t]);
    }));
  }
  return { truth, pred };
}

export async function evaluateFusion(params: FusionParams, config: FusionConfig, dialogues: AlignedDialogue[], split: FusionSplit, condition: Condition, degraded: Degraded = {}): Promise<EvalResult> {
  const { truth, pred } = await predictFusion(params, config, dialogues, split, condition, degraded);
  return evaluate(truth, pred);
}

/** What the fusion said about one labelled turn: raw scores of every head, the gate, which modalities were there. */
export interface TurnOutput {
  label: number;
  fusedLogits: Float32Array;
  /** [text, audio, face] head logits (meaningful where present). */
  modalityLogits: [Float32Array, Float32Array, Float32Array];
  gate: [number, number, number];
  present: [boolean, boolean, boolean];
}

/** Every labelled turn's outputs under a condition (logits as the config gives them: calibrated when it has temperatures). */
export async function fusionTurnOutputs(params: FusionParams, config: FusionConfig, dialogues: AlignedDialogue[], split: FusionSplit, condition: Condition, degraded: Degraded = {}, batchSize = 32): Promise<TurnOutput[]> {
  const out: TurnOutput[] = [];
  const wins = windows(dialogues, config.maxTurns);
  for (let i = 0; i < wins.length; i += batchSize) {
    const batch = wins.slice(i, i + batchSize);
    const input = makeFusionInput(batch.map((d) => turnFeatures(d, split, condition, degraded)), config);
    const [fusedT, modalT, gateT] = tf.tidy(() => { const o = fusionForward(params, input, config); return [o.fusedLogits, o.modalityLogits, o.gate]; });
    const [fused, modal, gate, present] = await Promise.all([fusedT.data(), modalT.data(), gateT.data(), input.present.data()]);
    const T = fusedT.shape[1] as number, C = fusedT.shape[2] as number;
    tf.dispose([fusedT, modalT, gateT]); disposeFusionInput(input);
    batch.forEach((d, b) => d.turns.forEach((turn, t) => {
      if (turn.label < 0) return;
      const k = b * T + t;
      out.push({
        label: turn.label,
        fusedLogits: Float32Array.from(fused.subarray(k * C, (k + 1) * C)),
        modalityLogits: [0, 1, 2].map((m) => Float32Array.from(modal.subarray((k * 3 + m) * C, (k * 3 + m + 1) * C))) as TurnOutput['modalityLogits'],
        gate: [gate[k * 3], gate[k * 3 + 1], gate[k * 3 + 2]],
        present: [present[k * 3] > 0, present[k * 3 + 1] > 0, present[k * 3 + 2] > 0],
      });
    }));
  }
  return out;
}
