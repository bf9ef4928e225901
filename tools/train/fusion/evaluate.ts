/** Runs the fusion over aligned dialogues under a condition and scores the turns that carry a label. */
import * as tf from '@tensorflow/tfjs';
import { disposeFusionInput, makeFusionInput } from '../../../src/fusion/batch.ts';
import { fusionForward, type FusionConfig, type FusionParams } from '../../../src/fusion/model.ts';
import { evaluate, type EvalResult } from '../../../src/eval/metrics.ts';
import { turnFeatures, windows, type Condition, type FusionSplit } from './data.ts';
import type { AlignedDialogue } from './pseudo-align.ts';

export async function predictFusion(params: FusionParams, config: FusionConfig, dialogues: AlignedDialogue[], split: FusionSplit, condition: Condition, batchSize = 32): Promise<{ truth: number[]; pred: number[] }> {
  const truth: number[] = [], pred: number[] = [];
  const wins = windows(dialogues, config.maxTurns);
  for (let i = 0; i < wins.length; i += batchSize) {
    const batch = wins.slice(i, i + batchSize);
    const input = makeFusionInput(batch.map((d) => turnFeatures(d, split, condition)), config);
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

export async function evaluateFusion(params: FusionParams, config: FusionConfig, dialogues: AlignedDialogue[], split: FusionSplit, condition: Condition): Promise<EvalResult> {
  const { truth, pred } = await predictFusion(params, config, dialogues, split, condition);
  return evaluate(truth, pred);
}
