/**
 * The evaluation CLI, for the shipped models in public/models:
 *
 *   npm run eval -- text   --data <MELD-style csv | manifest csv>          [--json out.json]
 *   npm run eval -- audio  --data <a speech corpus folder | label folder | manifest> [--degrade <condition>] [--split dev|train|all] [--json out.json]
 *   npm run eval -- face   --data <label folder (FER2013, CK+) | manifest>  [--degrade <camera condition>] [--json out.json]
 *   npm run eval -- fusion --dialogues <MELD-style csv> --audio <dir> --faces <dir> [--degrade <condition>] [--degrade-face <camera condition>] [--seed N] [--json out.json]
 *
 * --degrade plays every audio clip through a recording condition first (tools/train/degrade.ts: none, noise10,
 * noise0, room, far, babble10, call; seeded by --seed and the clip, the same transforms training draws from).
 * For faces (and the fusion's --degrade-face) it is a camera condition applied to each 48×48 face crop
 * (tools/train/face-degrade.ts: none, dim, blur, small, tilted, hand, glasses).
 * --split keeps one side of the corpus's own train/dev rule (tools/data/speech.ts `speechSplit`); default all.
 * Prints accuracy, weighted F1 (MELD's standard metric), macro F1, per-class F1 and the confusion matrix.
 * A manifest is a CSV with header `path_or_text,label[,speaker,dialogue_id]`.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { evaluate, formatReport, argmaxRows, type EvalResult } from '../../src/eval/metrics.ts';
import { readManifest } from '../data/manifest.ts';
import { groupDialogues, readMeldCsv, readEmoryNlpCsv, type Utterance } from '../data/text.ts';
import { readSpeechFolder, speechSplit, type SpeechItem } from '../data/speech.ts';
import { degradation } from '../train/degrade.ts';
import { faceDegradation } from '../train/face-degrade.ts';
import { decodeAudioFile } from '../data/audio-decode.ts';
import { readLabelFolders } from '../data/faces.ts';
import { readCsvRecords } from '../data/csv.ts';
import { embedAudioFiles, embedFaceImages, embedTexts, loadAudioEncoder, loadFaceEncoder, loadFusion, loadTextEncoder, MODELS_DIR } from '../node/models.ts';
import { pseudoAlign, type Dialogue } from '../train/fusion/pseudo-align.ts';
import type { FusionSplit } from '../train/fusion/data.ts';
import { evaluateFusion } from '../train/fusion/evaluate.ts';

const USAGE = `usage: npm run eval -- <text|audio|face|fusion> --data <path> [--json out.json]
       npm run eval -- fusion --dialogues <csv> --audio <dir> --faces <dir> [--seed N] [--json out.json]`;

class UsageError extends Error {}

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string' }, json: { type: 'string' }, models: { type: 'string', default: MODELS_DIR },
    dialogues: { type: 'string' }, audio: { type: 'string' }, faces: { type: 'string' }, seed: { type: 'string', default: '1' },
    limit: { type: 'string' }, degrade: { type: 'string', default: 'none' }, 'degrade-face': { type: 'string', default: 'none' }, split: { type: 'string', default: 'all' },
  },
});

const progress = (what: string, total: number) => (done: number): void => { process.stderr.write(`\r${what}: ${done}/${total}`); if (done >= total) process.stderr.write('\n'); };
/** --limit N: N items spread evenly over the list (files are sorted by speaker and emotion: the first N would not be a sample). */
const limit = <T>(items: T[]): T[] => {
  const n = args.limit ? Number(args.limit) : 0;
  if (!n || items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);
};

function requirePath(flag: string, value: string | undefined): string {
  if (!value) throw new UsageError(`missing --${flag}`);
  if (!existsSync(value)) throw new UsageError(`--${flag} ${value}: no such file or folder`);
  return value;
}

const isCsv = (path: string): boolean => statSync(path).isFile() && path.toLowerCase().endsWith('.csv');

/** MELD-style CSV (Utterance/Speaker/Emotion/Dialogue_ID/Utterance_ID), EmoryNLP CSV, or a manifest. */
function readTextData(path: string): Utterance[] {
  if (!isCsv(path)) throw new UsageError(`text --data must be a CSV file (MELD-style or manifest), got ${path}`);
  const header = Object.keys(readCsvRecords(path)[0] ?? {});
  if (header.includes('path_or_text')) {
    // Dialogue order (a dialogue's rows may be spread over the file): the text encoder reads each turn's past.
    return groupDialogues(readManifest(path).rows.map((r) => ({ text: r.pathOrText, label: r.label, speaker: r.speaker, dialogueId: r.dialogueId, turn: r.turn, corpus: 'manifest' as const }))).flat();
  }
  if (header.includes('Scene_ID')) return readEmoryNlpCsv(path);
  if (header.includes('Utterance') && header.includes('Emotion')) return readMeldCsv(path);
  throw new UsageError(`${path}: not a MELD-style CSV (Utterance, Speaker, Emotion, Dialogue_ID, Utterance_ID) nor a manifest (path_or_text,label,...)`);
}

/** A labelled file; `speaker` where the layout or the manifest says whose voice or face it is. */
interface LabelledFile { path: string; label: number; speaker?: string }

function readFiles(path: string, folderReader: (dir: string) => LabelledFile[]): LabelledFile[] {
  const items = isCsv(path) ? readManifest(path).rows.map((r) => ({ path: r.path, label: r.label, speaker: r.speaker })) : folderReader(path);
  const labelled = items.filter((i) => i.label >= 0);
  if (!labelled.length) throw new UsageError(`${path}: found no labelled files in a known layout`);
  return labelled;
}

async function evalText(path: string): Promise<EvalResult> {
  // Every turn is embedded (unlabelled ones are context for the next), only labelled turns are scored.
  const all = readTextData(path);
  const scored = new Set(limit(all.filter((u) => u.label >= 0)));
  const utterances = all.slice(0, Math.max(...[...scored].map((u) => all.indexOf(u))) + 1);
  const encoder = await loadTextEncoder(args.models);
  const { probs } = await embedTexts(encoder, utterances, progress('text', utterances.length));
  await encoder.dispose();
  const keep = utterances.flatMap((u, i) => (scored.has(u) ? [i] : []));
  return evaluate(keep.map((i) => utterances[i].label), argmaxRows(keep.map((i) => probs[i])));
}

/** Speech files of one side of the corpus split (--split), labelled. */
function readSpeech(path: string): LabelledFile[] {
  if (!['all', 'dev', 'train'].includes(args.split!)) throw new UsageError(`--split must be dev, train or all, got ${args.split}`);
  if (isCsv(path) || args.split === 'all') return readFiles(path, readSpeechFolder);
  return readFiles(path, (dir) => readSpeechFolder(dir).filter((i: SpeechItem) => speechSplit(i) === args.split));
}

/**
 * The --degrade condition as a per-clip transform (undefined for none). Babble needs other talkers: 16 clips spread
 * over the evaluated set, decoded once.
 */
async function audioCondition(items: { path: string }[]): Promise<((pcm: Float32Array, index: number) => Promise<Float32Array>) | undefined> {
  if (args.degrade === 'none') return undefined;
  let condition: ReturnType<typeof degradation>;
  try { condition = degradation(args.degrade!); } catch (error) { throw new UsageError((error as Error).message); }
  const babblePool = args.degrade!.startsWith('babble')
    ? await Promise.all(Array.from({ length: Math.min(16, items.length) }, (_, k) => decodeAudioFile(items[Math.floor((k * items.length) / Math.min(16, items.length))].path)))
    : undefined;
  const seed = Number(args.seed);
  return (pcm, index) => condition.apply(pcm, seed * 1_000_003 + index, { babblePool });
}

/** A camera condition (--degrade for faces, --degrade-face for the fusion) as a per-crop transform; undefined for none. */
function faceCondition(name: string): ((crop: Float32Array, index: number) => Promise<Float32Array>) | undefined {
  if (name === 'none') return undefined;
  let condition: ReturnType<typeof faceDegradation>;
  try { condition = faceDegradation(name); } catch (error) { throw new UsageError((error as Error).message); }
  const seed = Number(args.seed);
  return (crop, index) => condition.apply(crop, seed * 1_000_003 + index);
}

async function evalAudio(path: string): Promise<EvalResult> {
  const items = limit(readSpeech(path));
  const encoder = await loadAudioEncoder(args.models);
  const { probs } = await embedAudioFiles(encoder, items.map((i) => i.path), progress('audio', items.length), await audioCondition(items), items.map((i) => i.speaker || i.path));
  encoder.dispose();
  return evaluate(items.map((i) => i.label), argmaxRows(probs));
}

async function evalFace(path: string): Promise<EvalResult> {
  const items = limit(readFiles(path, readLabelFolders));
  const encoder = await loadFaceEncoder(args.models);
  const { probs, facesNotFound } = await embedFaceImages(encoder, items.map((i) => i.path), progress('face', items.length), faceCondition(args.degrade!));
  encoder.dispose();
  if (facesNotFound) console.error(`face: no face detected in ${facesNotFound} of ${items.length} images; their centre square was used`);
  return evaluate(items.map((i) => i.label), argmaxRows(probs));
}

/** Builds pseudo-aligned test conversations from the given material and scores fused vs each modality alone. */
async function evalFusion(): Promise<Record<string, EvalResult>> {
  const dialoguesCsv = requirePath('dialogues', args.dialogues);
  const utterances = readTextData(dialoguesCsv);
  const audioItems = readSpeech(requirePath('audio', args.audio));
  const faceItems = readFiles(requirePath('faces', args.faces), readLabelFolders);

  const textEncoder = await loadTextEncoder(args.models);
  const text = await embedTexts(textEncoder, utterances, progress('text', utterances.length));
  await textEncoder.dispose();
  const audioEncoder = await loadAudioEncoder(args.models);
  const audio = await embedAudioFiles(audioEncoder, audioItems.map((i) => i.path), progress('audio', audioItems.length), await audioCondition(audioItems), audioItems.map((i) => i.speaker || i.path));
  audioEncoder.dispose();
  const faceEncoder = await loadFaceEncoder(args.models);
  const face = await embedFaceImages(faceEncoder, faceItems.map((i) => i.path), progress('face', faceItems.length), faceCondition(args['degrade-face']!));
  faceEncoder.dispose();

  const flat = (rows: Float32Array[]) => {
    const dim = rows[0].length, data = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => data.set(r, i * dim));
    return { dim, data };
  };
  // Each recording's quality rides along: the fusion's gate reads it, as in the page.
  const pool = (rows: Float32Array[], labels: number[], quality?: Float32Array[]) => ({ ...flat(rows), labels, quality: quality?.length ? flat(quality) : undefined });
  const byDialogue = new Map<string, Dialogue>();
  utterances.forEach((u, i) => {
    if (!byDialogue.has(u.dialogueId)) byDialogue.set(u.dialogueId, { id: u.dialogueId, turns: [] });
    byDialogue.get(u.dialogueId)!.turns.push({ speaker: u.speaker, label: u.label, textIndex: i });
  });
  const dialogues = [...byDialogue.values()];
  const split: FusionSplit = { text: pool(text.embeddings, utterances.map((u) => u.label)), dialogues, audio: pool(audio.embeddings, audioItems.map((i) => i.label), audio.quality), face: pool(face.embeddings, faceItems.map((i) => i.label), face.quality) };
  const aligned = pseudoAlign(dialogues, split.audio.labels, split.face.labels, { seed: Number(args.seed) });
  const { params, config } = await loadFusion(args.models);
  const out: Record<string, EvalResult> = {};
  for (const condition of ['fused', 'no-text', 'text', 'audio', 'face'] as const) out[condition] = await evaluateFusion(params, config, aligned, split, condition);
  return out;
}

async function main(): Promise<void> {
  const mode = positionals[0];
  let result: EvalResult | Record<string, EvalResult>;
  if (mode === 'text') result = await evalText(requirePath('data', args.data));
  else if (mode === 'audio') result = await evalAudio(requirePath('data', args.data));
  else if (mode === 'face') result = await evalFace(requirePath('data', args.data));
  else if (mode === 'fusion') result = await evalFusion();
  else throw new UsageError(mode ? `unknown mode "${mode}"` : 'missing mode');

  if (mode === 'fusion') for (const [condition, r] of Object.entries(result)) console.log(formatReport(r as EvalResult, `fusion · ${condition}`));
  else console.log(formatReport(result as EvalResult, `${mode} · ${args.data}${args.split !== 'all' ? ` · ${args.split} split` : ''}${args.degrade !== 'none' ? ` · ${args.degrade}` : ''}`));
  if (mode === 'fusion' && (args.degrade !== 'none' || args['degrade-face'] !== 'none')) console.log(`(audio: ${args.degrade}, faces: ${args['degrade-face']})`);
  if (args.json) { writeFileSync(args.json, JSON.stringify(result, null, 1) + '\n'); console.log(`wrote ${args.json}`); }
}

main().catch((error) => {
  if (error instanceof UsageError) { console.error(`eval: ${error.message}\n${USAGE}`); process.exit(2); }
  console.error(`eval failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
