/**
 * The fusion's training material on disk (written by tools/train/fusion/embed.ts): per split, text embeddings
 * with the dialogues they belong to, pools of audio and face embeddings with their labels, and (optional) pools of
 * the same kind of material through degraded recordings: on dev they mirror the clean pools row for row, so a
 * conversation can be scored as heard clean and as heard through a room.
 */
import { existsSync } from 'node:fs';
import { readTensor } from '../store.ts';
import type { TurnFeatures } from '../../../src/fusion/batch.ts';
import type { QualityStatistics } from '../../../src/fusion/model.ts';
import type { AlignedDialogue, AlignedTurn, Dialogue } from './pseudo-align.ts';

/** Embeddings (rows × dim) with their labels and, for audio and faces, each row's recording quality (rows × qualityDim). */
export interface EmbeddingPool { dim: number; data: Float32Array; labels: number[]; quality?: { dim: number; data: Float32Array } }
export interface FusionSplit {
  text: EmbeddingPool; dialogues: Dialogue[]; audio: EmbeddingPool; face: EmbeddingPool;
  audioDegraded?: EmbeddingPool; faceDegraded?: EmbeddingPool;
}

function readPool(path: string): EmbeddingPool & { dialogues?: Dialogue[] } {
  const t = readTensor<{ labels?: number[]; dialogues?: Dialogue[] }>(path);
  const q = existsSync(`${path}_quality.json`) ? readTensor(`${path}_quality`) : undefined;
  if (q && q.shape[0] !== t.shape[0]) throw new Error(`${path}_quality has ${q.shape[0]} rows, the pool ${t.shape[0]}`);
  return { dim: t.shape[1], data: t.data as Float32Array, labels: t.meta.labels ?? [], dialogues: t.meta.dialogues, quality: q ? { dim: q.shape[1], data: q.data as Float32Array } : undefined };
}

/** Row `i`'s recording quality, when the pool has it. */
export function qualityRow(pool: EmbeddingPool, i: number): Float32Array | undefined {
  const q = pool.quality;
  return q && i >= 0 ? q.data.subarray(i * q.dim, (i + 1) * q.dim) : undefined;
}

export function readFusionSplit(dir: string, split: 'train' | 'dev'): FusionSplit {
  const text = readPool(`${dir}/text_${split}`);
  const optional = (name: string) => (existsSync(`${dir}/${name}_${split}.json`) ? readPool(`${dir}/${name}_${split}`) : undefined);
  return {
    text, dialogues: text.dialogues ?? [], audio: readPool(`${dir}/audio_${split}`), face: readPool(`${dir}/face_${split}`),
    audioDegraded: optional('audio_degraded'), faceDegraded: optional('face_degraded'),
  };
}

export function row(pool: EmbeddingPool, i: number): Float32Array | undefined {
  return i < 0 ? undefined : pool.data.subarray(i * pool.dim, (i + 1) * pool.dim);
}

export type Condition = 'fused' | 'text' | 'audio' | 'face' | 'no-text' | 'no-audio' | 'no-face';
export const CONDITIONS: Condition[] = ['fused', 'text', 'audio', 'face', 'no-text', 'no-audio', 'no-face'];

/** Which recordings are degraded in a scenario: every audio clip / face image of the conversation. */
export interface Degraded { audio?: boolean; face?: boolean }

/**
 * Scored scenarios beyond the clean conditions: the same dev conversations with every clip heard through a degraded
 * recording (the dev degraded pool, row for row the clean one) and/or every face seen through a bad webcam.
 */
export const DEGRADED_SCENARIOS: Record<string, { condition: Condition; degraded: Degraded }> = {
  'fused, degraded audio': { condition: 'fused', degraded: { audio: true } },
  'no text, degraded audio': { condition: 'no-text', degraded: { audio: true } },
  'audio, degraded': { condition: 'audio', degraded: { audio: true } },
  'fused, degraded face': { condition: 'fused', degraded: { face: true } },
  'no text, degraded face': { condition: 'no-text', degraded: { face: true } },
  'face, degraded': { condition: 'face', degraded: { face: true } },
  'fused, both degraded': { condition: 'fused', degraded: { audio: true, face: true } },
};

/** The scenarios a split can be scored on: the clean conditions, and the degraded ones when it has those pools. */
export function scenarios(split: FusionSplit): Record<string, { condition: Condition; degraded: Degraded }> {
  const out: Record<string, { condition: Condition; degraded: Degraded }> = Object.fromEntries(CONDITIONS.map((c) => [c, { condition: c, degraded: {} }]));
  for (const [name, s] of Object.entries(DEGRADED_SCENARIOS)) if ((!s.degraded.audio || split.audioDegraded) && (!s.degraded.face || split.faceDegraded)) out[name] = s;
  return out;
}

function mirrored(clean: EmbeddingPool, degraded: EmbeddingPool | undefined, what: string): EmbeddingPool {
  if (!degraded || degraded.labels.length !== clean.labels.length) throw new Error(`turnFeatures: every ${what} degraded needs a degraded pool that mirrors the clean one row for row`);
  return degraded;
}

/**
 * Builds TurnFeatures for an aligned dialogue, keeping only the modalities a condition allows. A turn flagged as
 * degraded by the pairing reads the degraded pool; `degraded` forces every clip (image) of the dialogue to its
 * degraded twin.
 */
export function turnFeatures(d: AlignedDialogue, split: FusionSplit, condition: Condition = 'fused', degraded: Degraded = {}): TurnFeatures[] {
  const keep = { text: ['fused', 'text', 'no-audio', 'no-face'].includes(condition), audio: ['fused', 'audio', 'no-text', 'no-face'].includes(condition), face: ['fused', 'face', 'no-text', 'no-audio'].includes(condition) };
  const audioForced = degraded.audio ? mirrored(split.audio, split.audioDegraded, 'audio') : undefined;
  const faceForced = degraded.face ? mirrored(split.face, split.faceDegraded, 'face') : undefined;
  const audioPool = (t: AlignedTurn) => (t.audioDegraded ? split.audioDegraded! : audioForced ?? split.audio);
  const facePool = (t: AlignedTurn) => (t.faceDegraded ? split.faceDegraded! : faceForced ?? split.face);
  return d.turns.map((t) => ({
    text: keep.text ? row(split.text, t.textIndex) : undefined,
    audio: keep.audio ? row(audioPool(t), t.audioIndex) : undefined,
    face: keep.face ? row(facePool(t), t.faceIndex) : undefined,
    quality: { audio: keep.audio ? qualityRow(audioPool(t), t.audioIndex) : undefined, face: keep.face ? qualityRow(facePool(t), t.faceIndex) : undefined },
    speakerSlot: t.speakerSlot,
  }));
}

/** Splits dialogues longer than `maxTurns` into consecutive windows (the context never crosses a window). */
export function windows(dialogues: AlignedDialogue[], maxTurns: number): AlignedDialogue[] {
  const out: AlignedDialogue[] = [];
  for (const d of dialogues) for (let s = 0; s < d.turns.length; s += maxTurns) out.push({ id: `${d.id}#${s}`, turns: d.turns.slice(s, s + maxTurns) });
  return out;
}

/**
 * The standardisation of recording quality the fusion's gate reads: mean and standard deviation per value over a
 * split's clean and degraded audio and face pools (MODALITIES order; text has no quality: zeros and ones). Undefined
 * unless every one of those pools carries quality of one size.
 */
export function qualityStatistics(split: FusionSplit): QualityStatistics | undefined {
  const groups = [[split.audio, split.audioDegraded], [split.face, split.faceDegraded]].map((pools) => pools.filter((p): p is EmbeddingPool => p !== undefined));
  const all = groups.flat();
  const dim = all[0]?.quality?.dim;
  if (!dim || !all.every((p) => p.quality?.dim === dim)) return undefined;
  const stats = groups.map((pools) => {
    const sum = new Float64Array(dim), sq = new Float64Array(dim);
    let n = 0;
    for (const p of pools) {
      const q = p.quality!;
      for (let r = 0; r < q.data.length / dim; r++, n++) for (let k = 0; k < dim; k++) { const v = q.data[r * dim + k]; sum[k] += v; sq[k] += v * v; }
    }
    const mean = Array.from(sum, (s) => s / Math.max(1, n));
    // A value that never varies gets std 1 (it then only shifts the score, which the gate's bias absorbs).
    const std = Array.from(sq, (s, k) => { const v = s / Math.max(1, n) - mean[k] ** 2; return v > 1e-12 ? Math.sqrt(v) : 1; });
    return { mean, std };
  });
  return { dim, mean: [new Array(dim).fill(0), stats[0].mean, stats[1].mean], std: [new Array(dim).fill(1), stats[0].std, stats[1].std] };
}
