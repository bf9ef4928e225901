/**
 * Emotional speech datasets as labelled file lists (no decoding here; see audio-decode.ts). Node only.
 * Every corpus of ../shared/data/audio has a reader (`SPEECH_CORPORA`), its label codes in src/labels.ts and a
 * speaker-disjoint train/dev rule (`speechSplit`); generic `<label>/` folders are read too. `readSpeechFolder`
 * picks the layout of an unknown folder.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { CORPUS_LABEL_CODES, LABELS, labelIndex, toLabelIndex, type Label } from '../../src/labels.ts';

export type SpeechCorpus = 'ravdess' | 'tess' | 'crema-d' | 'savee' | 'esd' | 'emovo' | 'nemo' | 'urdu' | 'folder';
/**
 * One clip. `group`: what must not fall on both sides of a split besides the speaker, where a corpus has too few
 * speakers to split by them (TESS: the spoken word; ESD: the sentence); absent elsewhere.
 */
export interface SpeechItem { path: string; label: number /* LABELS index */; speaker: string; corpus: SpeechCorpus; group?: string }

const AUDIO_EXTENSIONS = new Set(['.wav', '.ogg', '.opus', '.mp3', '.flac', '.m4a', '.webm', '.aac']);
/** Modality-channel-emotion-intensity-statement-repetition-actor. */
const RAVDESS_NAME = /^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)\.[A-Za-z0-9]+$/;
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
  const emotion = codeLabel('ravdess', m[3]);
  return emotion === undefined ? undefined : { label: labelIndex(emotion), actor: m[7], emotionCode: m[3] };
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
      if (AUDIO_EXTENSIONS.has(extname(file).toLowerCase())) out.push({ path: join(folder, file), label, speaker: m[1].toUpperCase(), corpus: 'tess', group: tessWord(file) });
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

function codeLabel(corpus: keyof typeof CORPUS_LABEL_CODES, code: string): Label | undefined {
  const codes = CORPUS_LABEL_CODES[corpus] as Record<string, Label>;
  return Object.hasOwn(codes, code) ? codes[code] : undefined;
}

const audioFiles = (dir: string): string[] => walk(dir).filter((p) => AUDIO_EXTENSIONS.has(extname(p).toLowerCase()));
const stem = (path: string): string => basename(path, extname(path));

/** CREMA-D: `<actor>/<actor>_<sentence>_<EMO>_<level>.*`; speaker = the actor id. */
export function readCremaD(dir: string): SpeechItem[] {
  return audioFiles(dir).flatMap((path) => {
    const [actor, , code] = stem(path).split('_');
    const label = code === undefined ? undefined : codeLabel('crema-d', code);
    return label === undefined ? [] : [{ path, label: labelIndex(label), speaker: actor, corpus: 'crema-d' as const }];
  });
}

/** SAVEE: `<speaker>/<speaker>_<code><nn>.*` (codes a, d, f, h, n, sa, su). */
export function readSavee(dir: string): SpeechItem[] {
  return audioFiles(dir).flatMap((path) => {
    const m = /^([A-Z]+)_([a-z]+)\d+$/.exec(stem(path));
    const label = m ? codeLabel('savee', m[2]) : undefined;
    return label === undefined ? [] : [{ path, label: labelIndex(label), speaker: m![1], corpus: 'savee' as const }];
  });
}

/**
 * ESD (one speaker): `<speaker>/<Emotion>/<speaker>_<number>.*`. The same 350 sentences are read in every emotion
 * (utterance number − 1, modulo 350, is the sentence), so the sentence is the group a split must keep together.
 */
export function readEsd(dir: string): SpeechItem[] {
  return audioFiles(dir).flatMap((path) => {
    const m = /^(\d+)_(\d+)$/.exec(stem(path));
    const label = toLabelIndex(basename(join(path, '..')));
    if (!m || label < 0) return [];
    return [{ path, label, speaker: m[1], corpus: 'esd' as const, group: `sentence_${(Number(m[2]) - 1) % 350}` }];
  });
}

/** EMOVO (Italian): `<speaker>/<emo>-<speaker>-<sentence>.*`. */
export function readEmovo(dir: string): SpeechItem[] {
  return audioFiles(dir).flatMap((path) => {
    const [code, speaker] = stem(path).split('-');
    const label = codeLabel('emovo', code);
    return label === undefined || !speaker ? [] : [{ path, label: labelIndex(label), speaker, corpus: 'emovo' as const }];
  });
}

/** nEMO (Polish): `<speaker>/<speaker>_<emotion word>_<n>.*`. */
export function readNemo(dir: string): SpeechItem[] {
  return audioFiles(dir).flatMap((path) => {
    const [speaker, word] = stem(path).split('_');
    const label = word === undefined ? -1 : toLabelIndex(word);
    return label < 0 ? [] : [{ path, label, speaker, corpus: 'nemo' as const }];
  });
}

/** URDU (natural talk-show speech): `<Emotion>/<speaker>_F<n>_<E><m>.*`; speaker = the first field. */
export function readUrdu(dir: string): SpeechItem[] {
  return audioFiles(dir).flatMap((path) => {
    const m = /^(S[MF]\d+)_F\d+_[A-Z]\d+$/.exec(stem(path));
    const label = toLabelIndex(basename(join(path, '..')));
    return !m || label < 0 ? [] : [{ path, label, speaker: m[1], corpus: 'urdu' as const }];
  });
}

/** A speech corpus of ../shared/data/audio: its folder, language, reader and how it is split. */
export interface SpeechCorpusInfo { folder: string; language: string; read: (dir: string) => SpeechItem[]; split: string }

/**
 * Every corpus the audio encoder trains on. Splits are speaker-disjoint wherever the corpus has speakers enough;
 * the held-back test speakers of each corpus are not in ../shared at all.
 */
export const SPEECH_CORPORA: Record<Exclude<SpeechCorpus, 'folder'>, SpeechCorpusInfo> = {
  ravdess: { folder: 'ravdess', language: 'en', read: readRavdessFolder, split: 'actors 1–16 train, 17–20 dev' },
  tess: { folder: 'tess', language: 'en', read: readTessFolder, split: 'both speakers in both splits, by spoken word: FNV-1a(word) % 100 < 15 → dev' },
  'crema-d': { folder: 'crema-d', language: 'en', read: readCremaD, split: 'by actor: FNV-1a(actor) % 100 < 20 → dev' },
  savee: { folder: 'savee', language: 'en', read: readSavee, split: 'speaker KL dev, DC/JE/JK train' },
  esd: { folder: 'esd', language: 'en', read: readEsd, split: 'one speaker, by sentence: FNV-1a(sentence) % 100 < 15 → dev' },
  emovo: { folder: 'emovo', language: 'it', read: readEmovo, split: 'speaker m2 dev, f1/f2/f3/m1 train' },
  nemo: { folder: 'nemo', language: 'pl', read: readNemo, split: 'speakers KD0 (female) and WR0 (male) dev, the other five train' },
  urdu: { folder: 'urdu', language: 'ur', read: readUrdu, split: 'by speaker: FNV-1a(speaker) % 100 < 25 → dev' },
};

/** FNV-1a 32-bit: a stable hash for the splits. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  return h >>> 0;
}

/** 'train' or 'dev' for one clip, by its corpus's rule (SPEECH_CORPORA[corpus].split); other folders by file name. */
export function speechSplit(item: SpeechItem): 'train' | 'dev' {
  const dev = (() => {
    switch (item.corpus) {
      case 'ravdess': return Number(item.speaker.replace(/\D/g, '')) >= 17;
      case 'tess': return fnv1a(item.group ?? tessWord(item.path)) % 100 < 15;
      case 'crema-d': return fnv1a(item.speaker) % 100 < 20;
      case 'savee': return item.speaker === 'KL';
      case 'esd': return fnv1a(item.group!) % 100 < 15;
      case 'emovo': return item.speaker === 'm2';
      case 'nemo': return item.speaker === 'KD0' || item.speaker === 'WR0';
      case 'urdu': return fnv1a(item.speaker) % 100 < 25;
      default: return fnv1a(basename(item.path)) % 100 < 15;
    }
  })();
  return dev ? 'dev' : 'train';
}

/** Every corpus found under `root` (../shared/data/audio), or those named in `only`. */
export function readSpeechCorpora(root: string, only?: readonly SpeechCorpus[]): SpeechItem[] {
  return (Object.entries(SPEECH_CORPORA) as [Exclude<SpeechCorpus, 'folder'>, SpeechCorpusInfo][])
    .filter(([name, info]) => (!only || only.includes(name)) && existsSync(join(root, info.folder)))
    .flatMap(([, info]) => info.read(join(root, info.folder)));
}

/** The classes a set of clips has (a corpus without surprise, say): LABELS indices, sorted. */
export function classesOf(items: readonly SpeechItem[]): number[] {
  return [...new Set(items.map((i) => i.label))].sort((a, b) => a - b).filter((l) => l >= 0 && l < LABELS.length);
}

/**
 * Reads a folder in any known layout: every corpus reader is tried and the one that reads the most files wins
 * (ties go to the more specific reader, in SPEECH_CORPORA's order); `<label>/` folders when none reads anything.
 */
export function readSpeechFolder(dir: string): SpeechItem[] {
  let best: SpeechItem[] = [];
  for (const info of Object.values(SPEECH_CORPORA)) {
    const items = info.read(dir);
    if (items.length > best.length) best = items;
  }
  return best.length ? best : readLabelFolders(dir);
}
