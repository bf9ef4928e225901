/**
 * Readers for the text corpora (MELD, EmoryNLP, DailyDialog, GoEmotions-Ekman) into one utterance shape, in
 * dialogue order. Labels are LABELS indices (src/labels.ts) or -1 when the corpus label has no match
 * (e.g. EmoryNLP "Peaceful"/"Powerful"): callers decide whether to drop them (training) or keep them (context).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toLabelIndex } from '../../src/labels.ts';
import { readCsvRecords, readTextFileRobust } from './csv.ts';

export type Corpus = 'meld' | 'emorynlp' | 'dailydialog' | 'goemotions' | 'manifest';

export interface Utterance {
  text: string;
  /** LABELS index, or -1 when the corpus label has no match. */
  label: number;
  speaker: string;
  /** Unique within one file/split; GoEmotions comments are one-utterance "dialogues". */
  dialogueId: string;
  /** Position in the dialogue (the corpus's own utterance id when it has one). */
  turn: number;
  corpus: Corpus;
}

/** Groups utterances by dialogueId, dialogues in first-appearance order, turns sorted by `turn`. */
export function groupDialogues<T extends { dialogueId: string; turn: number }>(utterances: T[]): T[][] {
  const byId = new Map<string, T[]>();
  for (const u of utterances) {
    let list = byId.get(u.dialogueId);
    if (!list) { list = []; byId.set(u.dialogueId, list); }
    list.push(u);
  }
  return [...byId.values()].map((d) => d.sort((a, b) => a.turn - b.turn));
}

/** Keeps dialogues contiguous and each one in turn order (a stable regrouping of the input). */
function inDialogueOrder<T extends { dialogueId: string; turn: number }>(utterances: T[]): T[] {
  return groupDialogues(utterances).flat();
}

function need(record: Record<string, string>, column: string, path: string): string {
  const value = record[column];
  if (value === undefined) throw new Error(`${path}: missing column "${column}"`);
  return value;
}

/** MELD `*_sent_emo.csv` (columns Utterance, Speaker, Emotion, Dialogue_ID, Utterance_ID). */
export function readMeldCsv(path: string): Utterance[] {
  const records = readCsvRecords(path);
  return inDialogueOrder(records.map((r) => ({
    text: need(r, 'Utterance', path).trim(),
    label: toLabelIndex(need(r, 'Emotion', path)),
    speaker: need(r, 'Speaker', path).trim(),
    dialogueId: need(r, 'Dialogue_ID', path).trim(),
    turn: Number(need(r, 'Utterance_ID', path)),
    corpus: 'meld' as const,
  })));
}

/** EmoryNLP speaker cells look like "['Rachel Green']" or "['Monica Geller', 'Phoebe Buffay']": joined with " & ". */
export function parseSpeakerList(cell: string): string {
  const trimmed = cell.trim();
  if (!trimmed.startsWith('[')) return trimmed;
  const names = [...trimmed.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? m[2]).trim());
  return names.filter((n) => n.length > 0).join(' & ');
}

/**
 * EmoryNLP `emorynlp_*_final.csv`. Scene_ID repeats across episodes, so the dialogue id is
 * `s<Season>e<Episode>c<Scene_ID>` (the scene within its episode). Neutral, Joyful→joy, Scared→fear, Mad→anger,
 * Sad→sadness; Peaceful and Powerful → -1.
 */
export function readEmoryNlpCsv(path: string): Utterance[] {
  const records = readCsvRecords(path);
  return inDialogueOrder(records.map((r) => ({
    text: need(r, 'Utterance', path).trim(),
    label: toLabelIndex(need(r, 'Emotion', path)),
    speaker: parseSpeakerList(need(r, 'Speaker', path)),
    dialogueId: `s${(r.Season ?? '').trim()}e${(r.Episode ?? '').trim()}c${need(r, 'Scene_ID', path).trim()}`,
    turn: Number(need(r, 'Utterance_ID', path)),
    corpus: 'emorynlp' as const,
  })));
}

/** DailyDialog emotion ids → label names (0 "no emotion" is neutral). */
const DAILYDIALOG_EMOTIONS = ['neutral', 'anger', 'disgust', 'fear', 'happiness', 'sadness', 'surprise'];

/** DailyDialog text is pre-tokenized ("Say , Jim , how ..."): re-attach punctuation for natural-looking text. */
export function detokenize(text: string): string {
  return text
    .replace(/\s+([,.!?;:%])/g, '$1')
    .replace(/\s+(n't|'s|'re|'ve|'ll|'d|'m)\b/gi, '$1')
    .replace(/\s+'\s+/g, "'")
    .replace(/\s{2,}/g, ' ')
    .trim();
}

export interface DailyDialogReport { dialogues: number; skippedMisaligned: number }

/**
 * DailyDialog split: `dialogues_<split>.txt` (turns split by `__eou__`) and `dialogues_emotion_<split>.txt`
 * (one id per turn), found in `<dir>/<split>/` or directly in `<dir>/`. Speakers alternate A/B. Dialogues whose
 * turn and label counts differ are skipped (counted in `report`).
 */
export function readDailyDialog(dir: string, split: string, report?: DailyDialogReport): Utterance[] {
  const base = existsSync(join(dir, split, `dialogues_${split}.txt`)) ? join(dir, split) : dir;
  const textLines = readTextFileRobust(join(base, `dialogues_${split}.txt`)).split(/\r?\n/);
  const labelLines = readFileSync(join(base, `dialogues_emotion_${split}.txt`), 'utf8').split(/\r?\n/);
  const out: Utterance[] = [];
  let skipped = 0, dialogues = 0;
  for (let d = 0; d < textLines.length; d++) {
    const line = textLines[d].trim();
    if (!line) continue;
    const turns = line.split('__eou__').map((t) => detokenize(t)).filter((t, i, all) => !(i === all.length - 1 && t === ''));
    const ids = (labelLines[d] ?? '').trim().split(/\s+/).filter((s) => s !== '').map(Number);
    if (ids.length !== turns.length) { skipped++; continue; }
    dialogues++;
    turns.forEach((text, t) => out.push({
      text,
      label: toLabelIndex(DAILYDIALOG_EMOTIONS[ids[t]] ?? ''),
      speaker: t % 2 === 0 ? 'A' : 'B',
      dialogueId: String(d),
      turn: t,
      corpus: 'dailydialog',
    }));
  }
  if (report) { report.dialogues = dialogues; report.skippedMisaligned = skipped; }
  return out;
}

export interface GoEmotionsOptions {
  /**
   * GoEmotions is multi-label. 'single' (default) keeps only rows with exactly one label, so every training
   * target is unambiguous (~91% of the Ekman train rows); 'first' keeps every row with its first listed label.
   */
  multiLabel?: 'single' | 'first';
  /** labels.txt path; defaults to `labels.txt` beside the tsv. */
  labelsPath?: string;
}

/** GoEmotions Ekman tsv (`text \t comma-separated ids into labels.txt \t comment id`). Each comment is its own dialogue. */
export function readGoEmotionsEkman(path: string, options: GoEmotionsOptions = {}): Utterance[] {
  const labelsPath = options.labelsPath ?? join(path, '..', 'labels.txt');
  const names = readFileSync(labelsPath, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '');
  const out: Utterance[] = [];
  const lines = readTextFileRobust(path).split(/\r?\n/);
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const [text, ids, id] = line.split('\t');
    const labelIds = (ids ?? '').split(',').filter((s) => s.trim() !== '').map(Number);
    if (labelIds.length === 0) return;
    if (labelIds.length > 1 && (options.multiLabel ?? 'single') === 'single') return;
    out.push({
      text: text.trim(), label: toLabelIndex(names[labelIds[0]] ?? ''), speaker: '',
      dialogueId: id?.trim() || `row${i}`, turn: 0, corpus: 'goemotions',
    });
  });
  return out;
}
