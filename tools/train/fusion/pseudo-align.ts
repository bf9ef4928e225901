/**
 * Pseudo-aligned conversations: no tri-modal conversation data exists here, so real dialogues keep
 * their text, speakers and labels, and each turn is paired with an audio clip and a face image drawn from the
 * same label in the matching split of the speech and face corpora. Seeded; with label-conflict noise (the clip
 * or image comes from another label), modality dropout, and degradation: a turn's clip (image) is drawn from a
 * pool of degraded recordings (a room, a bad microphone, a dim webcam) at a given rate, so the fusion learns how
 * far to trust what it hears and sees, not only whether it is there.
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
  /** The index is into the degraded pool (see `DegradedLabels`), not the clean one. */
  audioDegraded?: boolean;
  faceDegraded?: boolean;
}
export interface AlignedDialogue { id: string; turns: AlignedTurn[] }

export interface AlignOptions {
  seed: number;
  /** Probability that a turn's audio (and, independently, face) comes from a different label. */
  conflict: number;
  /** Probability of dropping each modality per turn (at least one modality is always kept). */
  dropout: { text: number; audio: number; face: number };
  /** Probability that a turn's audio (face) comes from the degraded pool; 0 where there is none. */
  degrade: { audio: number; face: number };
  maxSpeakers: number;
}

/** Labels of the degraded pools, when there are any. */
export interface DegradedLabels { audio?: ArrayLike<number>; face?: ArrayLike<number> }

export const DEFAULT_ALIGN: AlignOptions = { seed: 1, conflict: 0, dropout: { text: 0, audio: 0, face: 0 }, degrade: { audio: 0, face: 0 }, maxSpeakers: 8 };

/** The project's seeded generator (src/random.ts), under the name the fusion tools use. */
export { mulberry32 as rng } from '../random.ts';
import { mulberry32 as rng } from '../random.ts';

/** Indices of `labels` grouped by label. */
export function byLabel(labels: ArrayLike<number>): number[][] {
  const groups = Array.from({ length: NUM_LABELS }, () => [] as number[]);
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) groups[labels[i]].push(i);
  return groups;
}

export function pseudoAlign(dialogues: Dialogue[], audioLabels: ArrayLike<number>, faceLabels: ArrayLike<number>, options: Partial<AlignOptions> = {}, degraded: DegradedLabels = {}): AlignedDialogue[] {
  const o = { ...DEFAULT_ALIGN, ...options, dropout: { ...DEFAULT_ALIGN.dropout, ...options.dropout }, degrade: { ...DEFAULT_ALIGN.degrade, ...options.degrade } };
  const random = rng(o.seed);
  const audio = byLabel(audioLabels), face = byLabel(faceLabels);
  const degradedAudio = degraded.audio && o.degrade.audio > 0 ? byLabel(degraded.audio) : undefined;
  const degradedFace = degraded.face && o.degrade.face > 0 ? byLabel(degraded.face) : undefined;
  // Draws only when a degraded pool is in use, so runs without one pair exactly as before.
  const fromDegraded = (pool: number[][] | undefined, rate: number, label: number): boolean => pool !== undefined && label >= 0 && pool[label].length > 0 && random() < rate;
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
      const audioDegraded = fromDegraded(degradedAudio, o.degrade.audio, t.label), faceDegraded = fromDegraded(degradedFace, o.degrade.face, t.label);
      let textIndex = t.textIndex, audioIndex = pick(audioDegraded ? degradedAudio! : audio, t.label), faceIndex = pick(faceDegraded ? degradedFace! : face, t.label);
      const keep = [random() >= o.dropout.text, random() >= o.dropout.audio, random() >= o.dropout.face];
      if (!keep.some(Boolean)) keep[Math.floor(random() * 3)] = true;
      if (!keep[0]) textIndex = -1;
      if (!keep[1]) audioIndex = -1;
      if (!keep[2]) faceIndex = -1;
      const turn: AlignedTurn = { label: t.label, speakerSlot: slots.get(t.speaker)!, textIndex, audioIndex, faceIndex };
      if (audioDegraded && audioIndex >= 0) turn.audioDegraded = true;
      if (faceDegraded && faceIndex >= 0) turn.faceDegraded = true;
      return turn;
    });
    return { id: d.id, turns };
  });
}
