/**
 * Conversation state: the turns so far (speaker, modality embeddings) and the fusion run over them. Each new turn
 * is fused with the past turns only (the dialogue context is causal), within a window of the fusion's maxTurns.
 */
import * as tf from '@tensorflow/tfjs';
import { LABELS } from '../labels.ts';
import { disposeFusionInput, makeFusionInput, type TurnFeatures } from '../fusion/batch.ts';
import { fusionForward, MODALITIES, type FusionConfig, type FusionParams } from '../fusion/model.ts';
import type { Probabilities, TurnEmbeddings, TurnResult } from './results.ts';

export type { Probabilities, TurnResult, TurnEmbeddings };

export function toProbabilities(values: ArrayLike<number>): Probabilities {
  return Object.fromEntries(LABELS.map((l, i) => [l, values[i]])) as Probabilities;
}

export function softmax(values: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(values));
  const exps = Array.from(values, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export class Conversation {
  private readonly turns: TurnFeatures[] = [];
  private readonly speakerSlots = new Map<string, number>();
  readonly results: TurnResult[] = [];

  constructor(private readonly params: FusionParams, private readonly config: FusionConfig) {}

  private slotOf(speaker: string): number {
    if (!this.speakerSlots.has(speaker)) this.speakerSlots.set(speaker, Math.min(this.speakerSlots.size, this.config.maxSpeakers - 1));
    return this.speakerSlots.get(speaker)!;
  }

  /** Adds a turn and returns the fused result for it, given the past turns. */
  async addTurn(turn: TurnEmbeddings): Promise<TurnResult> {
    if (!turn.text && !turn.audio && !turn.face) throw new Error('A turn needs at least one modality (text, audio or face)');
    this.turns.push({ text: turn.text, audio: turn.audio, face: turn.face, speakerSlot: this.slotOf(turn.speaker) });
    const window = this.turns.slice(-this.config.maxTurns);
    const started = performance.now();
    const input = makeFusionInput([window], this.config);
    const last = window.length - 1;
    const [fused, modal, gate, va] = tf.tidy(() => {
      const out = fusionForward(this.params, input, this.config);
      return [
        tf.softmax(out.fusedLogits.slice([0, last, 0], [1, 1, -1]).reshape([-1])),
        tf.softmax(out.modalityLogits.slice([0, last, 0, 0], [1, 1, 3, -1]).reshape([3, -1])),
        out.gate.slice([0, last, 0], [1, 1, 3]).reshape([3]),
        out.valenceArousal.slice([0, last, 0], [1, 1, 2]).reshape([2]),
      ];
    });
    // Async reads only: synchronous reads stall the WebGPU backend.
    const [p, m, g, v] = (await Promise.all([fused.data(), modal.data(), gate.data(), va.data()])) as Float32Array[];
    tf.dispose([fused, modal, gate, va]); disposeFusionInput(input);
    const fusionMs = performance.now() - started;

    const probs = Array.from(p);
    const best = probs.indexOf(Math.max(...probs));
    const modalities: TurnResult['modalities'] = {};
    MODALITIES.forEach((name, k) => { if (turn[name]) modalities[name] = toProbabilities(m.subarray(k * LABELS.length, (k + 1) * LABELS.length)); });
    const result: TurnResult = {
      index: this.turns.length - 1, speaker: turn.speaker, transcript: turn.transcript,
      label: LABELS[best], confidence: probs[best], probabilities: toProbabilities(probs), valence: v[0], arousal: v[1],
      modalities, gate: { text: g[0], audio: g[1], face: g[2] },
      startMs: turn.startMs, endMs: turn.endMs, timings: { ...turn.timings, fusionMs },
    };
    this.results.push(result);
    return result;
  }

  get length(): number { return this.turns.length; }

  clear(): void { this.turns.length = 0; this.results.length = 0; this.speakerSlots.clear(); }
}
