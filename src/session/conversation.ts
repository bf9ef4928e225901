/**
 * Conversation state: the turns so far (speaker, modality embeddings) and the fusion run over them. Each new turn
 * is fused with the past turns only (the dialogue context is causal), within a window of the fusion's maxTurns.
 */
import * as tf from '@tensorflow/tfjs';
import { LABELS } from '../labels.ts';
import { disposeFusionInput, makeFusionInput } from '../fusion/batch.ts';
import { fusionForward, MODALITIES, type FusionConfig, type FusionParams } from '../fusion/model.ts';
import type { Probabilities, TurnEmbeddings, TurnResult } from './results.ts';
import { toProbabilities } from './turn.ts';

export { toProbabilities };
import { assertFinite } from '../validate.ts';
import { copyConversation, emptyConversation, recordTurn, speakerSlot, turnFeatures, type ConversationLimits, type ConversationState } from './conversation-state.ts';

export type { Probabilities, TurnResult, TurnEmbeddings, ConversationState };

export function softmax(values: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(values));
  const exps = Array.from(values, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export class Conversation {
  private state: ConversationState = emptyConversation();
  private readonly limits: ConversationLimits;

  constructor(private readonly params: FusionParams, private readonly config: FusionConfig) {
    this.limits = { maxTurns: config.maxTurns, maxSpeakers: config.maxSpeakers };
  }

  /** The latest results, oldest first (their transcripts are the text context). */
  get results(): readonly TurnResult[] { return this.state.results; }

  /**
   * Adds a turn and returns the fused result for it, given the past turns. The turn enters the conversation only
   * when the fusion gave a finite result: a non-finite embedding or output is refused and leaves the state unchanged.
   */
  async addTurn(turn: TurnEmbeddings): Promise<TurnResult> {
    if (!turn.text && !turn.audio && !turn.face) throw new Error('A turn needs at least one modality (text, audio or face)');
    for (const name of MODALITIES) if (turn[name]) assertFinite(turn[name]!, `The ${name} embedding`);
    for (const name of ['audio', 'face'] as const) if (turn.quality?.[name]) assertFinite(turn.quality[name]!, `The ${name} quality`);
    const window = [...this.state.turns.slice(-(this.config.maxTurns - 1)), turnFeatures(this.state, turn, this.limits)];
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
    const [p, m, g, v] = (await Promise.all([fused.data(), modal.data(), gate.data(), va.data()]).finally(() => {
      tf.dispose([fused, modal, gate, va]); disposeFusionInput(input);
    })) as Float32Array[];
    const fusionMs = performance.now() - started;
    for (const [values, what] of [[p, 'The fused probabilities'], [m, 'The modality probabilities'], [g, 'The gate'], [v, 'Valence/arousal']] as const) assertFinite(values, what);

    const probs = Array.from(p);
    const best = probs.indexOf(Math.max(...probs));
    const modalities: TurnResult['modalities'] = {};
    MODALITIES.forEach((name, k) => { if (turn[name]) modalities[name] = toProbabilities(m.subarray(k * LABELS.length, (k + 1) * LABELS.length)); });
    const result: TurnResult = {
      index: this.state.count, speaker: turn.speaker, transcript: turn.transcript,
      label: LABELS[best], confidence: probs[best], probabilities: toProbabilities(probs), valence: v[0], arousal: v[1],
      modalities, gate: { text: g[0], audio: g[1], face: g[2] },
      startMs: turn.startMs, endMs: turn.endMs, timings: { ...turn.timings, fusionMs },
    };
    // Accepted: only now does the turn join the conversation.
    recordTurn(this.state, turn, result, this.limits);
    return result;
  }

  /** Turns added since the conversation began. */
  get length(): number { return this.state.count; }

  /** A copy of the state a fresh engine needs to go on with this conversation. */
  snapshot(): ConversationState { return copyConversation(this.state); }

  /** Goes on with a conversation from `snapshot()` or the page's copy (see conversation-state.ts). */
  restore(state: ConversationState): void {
    const copy = copyConversation(state);
    copy.turns = copy.turns.slice(-this.limits.maxTurns).map((t) => ({ ...t, speakerSlot: speakerSlot(copy, t.speaker, this.limits) }));
    this.state = copy;
  }

  clear(): void { this.state = emptyConversation(); }
}
