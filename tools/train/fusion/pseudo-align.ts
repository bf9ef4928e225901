/**
 * Pseudo-aligned conversations: no tri-modal conversation data exists here, so real dialogues keep
 * their text, speakers and labels, and each turn is paired with an audio clip and a face image drawn from the
 * same label in the matching split of the speech and face corpora. Seeded; with label-conflict noise (the clip
 * or image comes from another label) and modality dropout, both configurable.
 */
import { NUM_LABELS } from '../../../src/labels.ts';

export interface DialogueTurn { speaker: string; label: number /* -1: no match */; textIndex: number }
export interface Dialogue { id: string; turns: DialogueTurn[] }

export interface AlignedTurn {
  label: number;
  speakerSlot: number;
  textIndex: number; // -1 when dropped
  audioIndex: number; // -1 when dropped or unavailable
  faceIndex: number;
}
export interface AlignedDialogue { id: string; turns: AlignedTurn[] }

export interface AlignOptions {
  seed: number;
  /** Probability that a turn's audio (and, independently, face) comes from a different label. */
  conflict: number;
  /** Probability of dropping each modality per turn (at least one modality is always kept). */
  dropout: { text: number; audio: number; face: number };
  maxSpeakers: number;
}

export const DEFAULT_ALIGN: AlignOptions = { seed: 1, conflict: 0, dropout: { text: 0, audio: 0, face: 0 }, maxSpeakers: 8 };

/** The project's seeded generator (src/random.ts), under the name the fusion tools use. */
export { mulberry32 as rng } from '../random.ts';
import { mulberry32 as rng } from '../random.ts';

/** Indices of `labels` grouped by label. */
export function byLabel(labels: ArrayLike<number>): number[][] {
  const groups = Array.from({ length: NUM_LABELS }, () => [] as number[]);
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) groups[labels[i]].push(i);
  return groups;
}

export function pseudoAlign(dialogues: Dialogue[], audioLabels: ArrayLike<number>, faceLabels: ArrayLike<number>, options: Partial<AlignOptions> = {}): AlignedDialogue[] {
  const o = { ...DEFAULT_ALIGN, ...options, dropout: { ...DEFAULT_ALIGN.dropout, ...options.dropout } };
  const random = rng(o.seed);
  const audio = byLabel(audioLabels), face = byLabel(faceLabels);
  const pick = (groups: number[][], label: number): number => {
    if (label < 0) return -1;
    let l = label;
    if (random() < o.conflict) l = Math.floor(random() * NUM_LABELS);
    const pool = groups[l].length ? groups[l] : groups[label];
    return pool.length ? pool[Math.floor(random() * pool.length)] : -1;
  };
  return dialogues.map((d) => {
    const slots = new Map<string, number>();
    const turns = d.turns.map((t): AlignedTurn => {
      if (!slots.has(t.speaker)) slots.set(t.speaker, Math.min(slots.size, o.maxSpeakers - 1));
      let textIndex = t.textIndex, audioIndex = pick(audio, t.label), faceIndex = pick(face, t.label);
      const keep = [random() >= o.dropout.text, random() >= o.dropout.audio, random() >= o.dropout.face];
      if (!keep.some(Boolean)) keep[Math.floor(random() * 3)] = true;
      if (!keep[0]) textIndex = -1;
      if (!keep[1]) audioIndex = -1;
      if (!keep[2]) faceIndex = -1;
      return { label: t.label, speakerSlot: slots.get(t.speaker)!, textIndex, audioIndex, faceIndex };
    });
    return { id: d.id, turns };
  });
}
