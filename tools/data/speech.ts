/**
 * Emotional speech datasets as labelled file lists (no decoding here; see audio-decode.ts). Node only.
 * Layouts: RAVDESS (`03-01-EE-II-SS-RR-AA.*` file names anywhere below the folder), TESS (`<OAF|YAF>_<emotion>/`
 * subfolders), and generic `<label>/` folders. `readSpeechFolder` picks the layout.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { toLabelIndex } from '../../src/labels.ts';

export type SpeechCorpus = 'ravdess' | 'tess' | 'folder';
export interface SpeechItem { path: string; label: number /* LABELS index */; speaker: string; corpus: SpeechCorpus }

const AUDIO_EXTENSIONS = new Set(['.wav', '.ogg', '.opus', '.mp3', '.flac', '.m4a', '.webm', '.aac']);
/** Modality-channel-emotion-intensity-statement-repetition-actor. */
const RAVDESS_NAME = /^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)\.[A-Za-z0-9]+$/;
const RAVDESS_EMOTIONS: Record<string, string> = {
  '01': 'neutral', '02': 'calm', '03': 'happy', '04': 'sad', '05': 'angry', '06': 'fearful', '07': 'disgust', '08': 'surprised',
};
const TESS_FOLDER = /^(OAF|YAF)_(.+)$/i;

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** Parses a RAVDESS file name; undefined when it is not one or its emotion has no label. */
export function parseRavdessName(file: string): { label: number; actor: string; emotionCode: string } | undefined {
  const m = RAVDESS_NAME.exec(basename(file));
  if (!m) return undefined;
  const emotion = RAVDESS_EMOTIONS[m[3]];
  if (!emotion) return undefined;
  const label = toLabelIndex(emotion);
  return label < 0 ? undefined : { label, actor: m[7], emotionCode: m[3] };
}

/** Every RAVDESS-named audio file below `dir` (recursive), speaker = `actor_AA`. */
export function readRavdessFolder(dir: string): SpeechItem[] {
  const out: SpeechItem[] = [];
  for (const path of walk(dir)) {
    if (!AUDIO_EXTENSIONS.has(extname(path).toLowerCase())) continue;
    const parsed = parseRavdessName(path);
    if (parsed) out.push({ path, label: parsed.label, speaker: `actor_${parsed.actor}`, corpus: 'ravdess' });
  }
  return out;
}

/** TESS: `<dir>/<OAF|YAF>_<emotion>/*.{wav,ogg}`; speaker = OAF or YAF. The spoken word is `tessWord(path)`. */
export function readTessFolder(dir: string): SpeechItem[] {
  const out: SpeechItem[] = [];
  for (const name of readdirSync(dir).sort()) {
    const folder = join(dir, name);
    const m = TESS_FOLDER.exec(name);
    if (!m || !statSync(folder).isDirectory()) continue;
    const label = toLabelIndex(m[2]);
    if (label < 0) continue;
    for (const file of readdirSync(folder).sort()) {
      if (AUDIO_EXTENSIONS.has(extname(file).toLowerCase())) out.push({ path: join(folder, file), label, speaker: m[1].toUpperCase(), corpus: 'tess' });
    }
  }
  return out;
}

/** The word a TESS clip says ("Say the word ___"): `OAF_back_angry.ogg` → `back`. */
export function tessWord(path: string): string {
  const parts = basename(path, extname(path)).split('_');
  return (parts.length >= 3 ? parts[1] : parts[0]).toLowerCase();
}

/** Generic `<dir>/<label>/*.audio` (label via toLabel; unmatched folders skipped); speaker unknown ('unknown'). */
export function readLabelFolders(dir: string): SpeechItem[] {
  const out: SpeechItem[] = [];
  for (const name of readdirSync(dir).sort()) {
    const folder = join(dir, name);
    if (!statSync(folder).isDirectory()) continue;
    const label = toLabelIndex(name);
    if (label < 0) continue;
    for (const path of walk(folder)) {
      if (AUDIO_EXTENSIONS.has(extname(path).toLowerCase())) out.push({ path, label, speaker: 'unknown', corpus: 'folder' });
    }
  }
  return out;
}

/** Detects the layout: RAVDESS names anywhere → ravdess; TESS subfolders → tess; otherwise `<label>/` folders. */
export function readSpeechFolder(dir: string): SpeechItem[] {
  const ravdess = readRavdessFolder(dir);
  if (ravdess.length) return ravdess;
  const isTess = readdirSync(dir).some((n) => TESS_FOLDER.test(n) && statSync(join(dir, n)).isDirectory());
  if (isTess) return readTessFolder(dir);
  return readLabelFolders(dir);
}
