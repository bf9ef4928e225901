/**
 * The one label map of EmoLens. Every model, reader, trainer and the evaluation CLI uses this order:
 * MELD's seven classes. Other datasets are mapped into it with `toLabel`; labels without a match are dropped.
 */
export const LABELS = ['neutral', 'joy', 'sadness', 'anger', 'fear', 'disgust', 'surprise'] as const;
export type Label = (typeof LABELS)[number];
export const NUM_LABELS = LABELS.length;

/** The three inputs, in the order every model and tensor uses. */
export const MODALITIES = ['text', 'audio', 'face'] as const;
export type Modality = (typeof MODALITIES)[number];

/** Dataset spellings (lower-cased) mapped onto the seven labels (RAVDESS "calm" counts as neutral; TESS "ps" is pleasant surprise). */
const SYNONYMS: Record<string, Label> = {
  neutral: 'neutral', calm: 'neutral', none: 'neutral', 'no emotion': 'neutral',
  joy: 'joy', happy: 'joy', happiness: 'joy', joyful: 'joy',
  sadness: 'sadness', sad: 'sadness',
  anger: 'anger', angry: 'anger', mad: 'anger',
  fear: 'fear', fearful: 'fear', scared: 'fear',
  disgust: 'disgust', disgusted: 'disgust',
  surprise: 'surprise', surprised: 'surprise', pleasant_surprise: 'surprise', 'pleasant surprise': 'surprise', ps: 'surprise',
};

/**
 * Speech corpora whose labels are codes in file names rather than words (the corpus's own spelling → label). The
 * others name their classes in words that `toLabel` reads: TESS and ESD folders, nEMO file names, URDU folders.
 * RAVDESS: the emotion field of `03-01-EE-…`; CREMA-D: the third `_` field; SAVEE: the letters after `_` (test
 * `sa`/`su` before the single letters); EMOVO (Italian): the first `-` field.
 */
export const CORPUS_LABEL_CODES = {
  ravdess: { '01': 'neutral', '02': 'neutral', '03': 'joy', '04': 'sadness', '05': 'anger', '06': 'fear', '07': 'disgust', '08': 'surprise' },
  'crema-d': { NEU: 'neutral', HAP: 'joy', SAD: 'sadness', ANG: 'anger', FEA: 'fear', DIS: 'disgust' },
  savee: { sa: 'sadness', su: 'surprise', a: 'anger', d: 'disgust', f: 'fear', h: 'joy', n: 'neutral' },
  emovo: { neu: 'neutral', gio: 'joy', tri: 'sadness', rab: 'anger', pau: 'fear', dis: 'disgust', sor: 'surprise' },
} as const satisfies Record<string, Record<string, Label>>;

/** Maps a dataset's label spelling onto the seven labels, or `undefined` when it has no match (e.g. EmoryNLP "Powerful"). */
export function toLabel(raw: string): Label | undefined {
  return SYNONYMS[raw.trim().toLowerCase()];
}

export function labelIndex(label: Label): number {
  return LABELS.indexOf(label);
}

/** `toLabel` then the index, or -1 when the label has no match. */
export function toLabelIndex(raw: string): number {
  const label = toLabel(raw);
  return label === undefined ? -1 : labelIndex(label);
}

/**
 * Valence/arousal anchors per label (circumplex positions in [-1, 1]), used to read a valence/arousal estimate off
 * a probability vector as the probability-weighted mean. Rough placements after Russell (1980).
 */
export const VALENCE_AROUSAL: Record<Label, readonly [number, number]> = {
  neutral: [0, 0], joy: [0.8, 0.5], sadness: [-0.7, -0.4], anger: [-0.6, 0.8],
  fear: [-0.6, 0.7], disgust: [-0.7, 0.3], surprise: [0.3, 0.8],
};

export function valenceArousal(probs: ArrayLike<number>): { valence: number; arousal: number } {
  let valence = 0, arousal = 0;
  LABELS.forEach((label, i) => { valence += probs[i] * VALENCE_AROUSAL[label][0]; arousal += probs[i] * VALENCE_AROUSAL[label][1]; });
  return { valence, arousal };
}
