/**
 * The fusion's training material on disk (written by tools/train/fusion/embed.ts): per split, text embeddings
 * with the dialogues they belong to, and pools of audio and face embeddings with their labels.
 */
import { readTensor } from '../store.ts';
import type { TurnFeatures } from '../../../src/fusion/batch.ts';
import type { AlignedDialogue, Dialogue } from './pseudo-align.ts';

export interface EmbeddingPool { dim: number; data: Float32Array; labels: number[] }
export interface FusionSplit { text: EmbeddingPool; dialogues: Dialogue[]; audio: EmbeddingPool; face: EmbeddingPool }

function readPool(path: string): EmbeddingPool & { dialogues?: Dialogue[] } {
  const t = readTensor<{ labels?: number[]; dialogues?: Dialogue[] }>(path);
  return { dim: t.shape[1], data: t.data as Float32Array, labels: t.meta.labels ?? [], dialogues: t.meta.dialogues };
}

export function readFusionSplit(dir: string, split: 'train' | 'dev'): FusionSplit {
  const text = readPool(`${dir}/text_${split}`);
  return { text, dialogues: text.dialogues ?? [], audio: readPool(`${dir}/audio_${split}`), face: readPool(`${dir}/face_${split}`) };
}

export function row(pool: EmbeddingPool, i: number): Float32Array | undefined {
  return i < 0 ? undefined : pool.data.subarray(i * pool.dim, (i + 1) * pool.dim);
}

export type Condition = 'fused' | 'text' | 'audio' | 'face' | 'no-text' | 'no-audio' | 'no-face';
export const CONDITIONS: Condition[] = ['fused', 'text', 'audio', 'face', 'no-text', 'no-audio', 'no-face'];

/** Builds TurnFeatures for an aligned dialogue, keeping only the modalities a condition allows. */
export function turnFeatures(d: AlignedDialogue, split: FusionSplit, condition: Condition = 'fused'): TurnFeatures[] {
  const keep = { text: ['fused', 'text', 'no-audio', 'no-face'].includes(condition), audio: ['fused', 'audio', 'no-text', 'no-face'].includes(condition), face: ['fused', 'face', 'no-text', 'no-audio'].includes(condition) };
  return d.turns.map((t) => ({
    text: keep.text ? row(split.text, t.textIndex) : undefined,
    audio: keep.audio ? row(split.audio, t.audioIndex) : undefined,
    face: keep.face ? row(split.face, t.faceIndex) : undefined,
    speakerSlot: t.speakerSlot,
  }));
}

/** Splits dialogues longer than `maxTurns` into consecutive windows (the context never crosses a window). */
export function windows(dialogues: AlignedDialogue[], maxTurns: number): AlignedDialogue[] {
  const out: AlignedDialogue[] = [];
  for (const d of dialogues) for (let s = 0; s < d.turns.length; s += maxTurns) out.push({ id: `${d.id}#${s}`, turns: d.turns.slice(s, s + maxTurns) });
  return out;
}
