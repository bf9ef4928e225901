/**
 * Computes the fusion's training material with the shipped encoders (the same files the page loads):
 * text embeddings of real dialogues (MELD + EmoryNLP train → train, MELD dev → dev) and pools of audio and face
 * embeddings per split (RAVDESS actors 1–16 + TESS train words → train, actors 17–20 + TESS dev words → dev;
 * FER2013 Training → train, PublicTest → dev). Dev material never enters a train pool.
 *
 *   npx tsx tools/train/fusion/embed.ts --shared ../shared/data --out .cache/fusion [--faces-per-label 1500]
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { writeTensor } from '../store.ts';
import { groupDialogues, readEmoryNlpCsv, readMeldCsv, type Utterance } from '../../data/text.ts';
import { readRavdessFolder, readTessFolder, type SpeechItem } from '../../data/speech.ts';
import { readLabelFolders } from '../../data/faces.ts';
import { splitOf } from '../prepare-audio.ts';
import { embedAudioFiles, embedFaceImages, embedTexts, loadAudioEncoder, loadFaceEncoder, loadTextEncoder } from '../../node-models.ts';
import { rng, type Dialogue } from './pseudo-align.ts';

const { values: args } = parseArgs({ options: { shared: { type: 'string', default: '../shared/data' }, out: { type: 'string', default: '.cache/fusion' }, 'faces-per-label': { type: 'string', default: '1500' }, limit: { type: 'string' } } });
const data = args.shared!, out = args.out!;
const limit = args.limit ? Number(args.limit) : undefined;
const progress = (what: string, total: number) => (done: number): void => { process.stdout.write(`\r${what}: ${done}/${total}   `); if (done >= total) process.stdout.write('\n'); };

function stack(rows: Float32Array[]): { data: Float32Array; shape: number[] } {
  const dim = rows[0].length, flat = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => flat.set(r, i * dim));
  return { data: flat, shape: [rows.length, dim] };
}

// Text: real dialogues keep their speakers, order and labels (EmoryNLP's Peaceful/Powerful stay as context, label -1).
const textEncoder = await loadTextEncoder();
for (const [split, sources] of [['train', [readMeldCsv(join(data, 'text/meld/train_sent_emo.csv')), readEmoryNlpCsv(join(data, 'text/emorynlp/emorynlp_train_final.csv'))]], ['dev', [readMeldCsv(join(data, 'text/meld/dev_sent_emo.csv'))]]] as const) {
  const groups = sources.flatMap((utts: Utterance[]) => groupDialogues(utts)).slice(0, limit);
  const flat = groups.flat();
  const dialogues: Dialogue[] = [];
  let k = 0;
  for (const g of groups) dialogues.push({ id: `${g[0].corpus}:${g[0].dialogueId}`, turns: g.map((u) => ({ speaker: u.speaker, label: u.label, textIndex: k++ })) });
  const { embeddings } = await embedTexts(textEncoder, flat, progress(`text ${split}`, flat.length));
  const t = stack(embeddings);
  writeTensor(join(out, `text_${split}`), t.data, t.shape, { dialogues, labels: flat.map((u) => u.label) });
}
await textEncoder.dispose();

// Audio: one pool per split, following the audio encoder's own split rule.
const speech: SpeechItem[] = [...readRavdessFolder(join(data, 'audio/ravdess')), ...readTessFolder(join(data, 'audio/tess'))];
const audioEncoder = await loadAudioEncoder();
for (const split of ['train', 'dev'] as const) {
  const items = speech.filter((s) => splitOf(s) === split).slice(0, limit);
  const { embeddings } = await embedAudioFiles(audioEncoder, items.map((i) => i.path), progress(`audio ${split}`, items.length));
  const t = stack(embeddings);
  writeTensor(join(out, `audio_${split}`), t.data, t.shape, { labels: items.map((i) => i.label), files: items.map((i) => i.path) });
}
audioEncoder.dispose();

// Faces: a seeded, label-capped sample of FER2013 Training (variety without embedding all 28k), all of PublicTest.
const faceEncoder = await loadFaceEncoder();
const random = rng(7);
for (const [split, folder] of [['train', 'train'], ['dev', 'validation']] as const) {
  let items = readLabelFolders(join(data, 'faces/fer2013', folder));
  if (split === 'train') {
    const cap = Number(args['faces-per-label']);
    const byLabel = new Map<number, typeof items>();
    for (const it of items) byLabel.set(it.label, [...(byLabel.get(it.label) ?? []), it]);
    items = [...byLabel.values()].flatMap((group) => group.map((g) => ({ g, r: random() })).sort((a, b) => a.r - b.r).slice(0, cap).map((x) => x.g));
  }
  items = items.slice(0, limit);
  const { embeddings } = await embedFaceImages(faceEncoder, items.map((i) => i.path), progress(`face ${split}`, items.length));
  const t = stack(embeddings);
  writeTensor(join(out, `face_${split}`), t.data, t.shape, { labels: items.map((i) => i.label), files: items.map((i) => i.path) });
}
faceEncoder.dispose();
console.log(`wrote fusion pools to ${out}`);
