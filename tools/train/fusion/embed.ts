/**
 * Computes the fusion's training material with the shipped encoders (the same files the page loads):
 * text embeddings of real dialogues (MELD + EmoryNLP train + a sample of DailyDialog train → train, MELD dev → dev) and pools of audio and face
 * embeddings per split (RAVDESS actors 1–16 + TESS train words → train, RAVDESS actors 17–20 → dev;
 * FER2013 Training → train, PublicTest → dev). Dev material never enters a train pool. Audio and faces come from
 * the encoder inputs that prepare-audio.ts / prepare-faces.ts computed with the page's own feature code.
 *
 *   npx tsx tools/train/fusion/embed.ts --shared ../shared/data --out .cache/fusion [--audio-cache .cache/audio] [--face-cache .cache/faces] [--faces-per-label 1500] [--dailydialog-dialogues 600] [--models public/models]
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { readTensor, writeTensor } from '../store.ts';
import { groupDialogues, readDailyDialog, readEmoryNlpCsv, readMeldCsv, type Utterance } from '../../data/text.ts';
import { embedTexts, loadAudioEncoder, loadFaceEncoder, loadTextEncoder } from '../../node/models.ts';
import { rng, type Dialogue } from './pseudo-align.ts';

const { values: args } = parseArgs({ options: { shared: { type: 'string', default: '../shared/data' }, out: { type: 'string', default: '.cache/fusion' }, 'faces-per-label': { type: 'string', default: '1500' }, 'audio-cache': { type: 'string', default: '.cache/audio' }, 'face-cache': { type: 'string', default: '.cache/faces' }, 'dailydialog-dialogues': { type: 'string', default: '600' }, limit: { type: 'string' }, models: { type: 'string', default: 'public/models' }, modalities: { type: 'string', default: 'text,audio,face' } } });
// --modalities text: re-embed only what changed (each modality writes its own <modality>_{train,dev} files).
const wanted = new Set(args.modalities!.split(','));
const data = args.shared!, out = args.out!;
const limit = args.limit ? Number(args.limit) : undefined;
const progress = (what: string, total: number) => (done: number): void => { process.stdout.write(`\r${what}: ${done}/${total}   `); if (done >= total) process.stdout.write('\n'); };

function stack(rows: Float32Array[]): { data: Float32Array; shape: number[] } {
  const dim = rows[0].length, flat = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => flat.set(r, i * dim));
  return { data: flat, shape: [rows.length, dim] };
}

// Text: real dialogues keep their speakers, order and labels (EmoryNLP's Peaceful/Powerful stay as context, label -1).
if (wanted.has('text')) {
  const textEncoder = await loadTextEncoder(args.models);
  // DailyDialog: a seeded sample of its training dialogues that show at least one emotion (it is ~83% neutral, and
  // all 11k dialogues would multiply the epoch time by ten for little new signal).
  function dailyDialogSample(count: number): Utterance[] {
    const dialogues = groupDialogues(readDailyDialog(join(data, 'text/dailydialog'), 'train')).filter((d) => d.some((u) => u.label > 0));
    const pick = rng(11);
    return dialogues.map((d) => ({ d, r: pick() })).sort((a, b) => a.r - b.r).slice(0, count).flatMap((o) => o.d);
  }
  const trainText = [readMeldCsv(join(data, 'text/meld/train_sent_emo.csv')), readEmoryNlpCsv(join(data, 'text/emorynlp/emorynlp_train_final.csv')), dailyDialogSample(Number(args['dailydialog-dialogues']))];
  for (const [split, sources] of [['train', trainText], ['dev', [readMeldCsv(join(data, 'text/meld/dev_sent_emo.csv'))]]] as const) {
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
}

// Audio: the encoder inputs prepare-audio.ts already computed (same features, same crop/pad rule, same split).
if (wanted.has('audio')) {
  const audioCache = args['audio-cache']!;
  const mel = readTensor(join(audioCache, 'mel')), stats = readTensor(join(audioCache, 'prosody_stats'));
  const audioLabels = readTensor(join(audioCache, 'labels')).data, frames = readTensor(join(audioCache, 'frames')).data;
  const audioMeta = readTensor<{ files: string[]; corpus: string[] }>(join(audioCache, 'meta'));
  const [, T, M] = mel.shape, P = stats.shape[1];
  const audioEncoder = await loadAudioEncoder(args.models);
  for (const [split, code] of [['train', 0], ['dev', 1]] as const) {
    // Dev voices are RAVDESS actors 17-20 only: TESS's two speakers are in training too (its dev split is by word),
    // so a TESS dev clip is a voice the encoder already knows and would make audio look like an oracle.
    const rows = Array.from(audioMeta.data).flatMap((s, i) => (s === code && (split === 'train' || audioMeta.meta.corpus[i] === 'ravdess') ? [i] : [])).slice(0, limit);
    const embeddings: Float32Array[] = [];
    for (let i = 0; i < rows.length; i += 64) {
      const inputs = rows.slice(i, i + 64).map((r) => ({
        mel: (mel.data as Float32Array).subarray(r * T * M, (r + 1) * T * M), frames: frames[r], offset: 0,
        prosodyStats: (stats.data as Float32Array).subarray(r * P, (r + 1) * P),
      }));
      for (const e of await audioEncoder.embedInputs(inputs)) embeddings.push(e.embedding);
      progress(`audio ${split}`, rows.length)(Math.min(rows.length, i + 64));
    }
    const t = stack(embeddings);
    writeTensor(join(out, `audio_${split}`), t.data, t.shape, { labels: rows.map((r) => audioLabels[r]), files: rows.map((r) => audioMeta.meta.files[r]) });
}
audioEncoder.dispose();
}

// Faces: the 48×48 crops prepare-faces.ts wrote (cropFace, the page's function); a seeded label-capped sample of
// FER2013 Training (variety without embedding all 28k) and all of PublicTest.
if (wanted.has('face')) {
  const faceCache = args['face-cache']!;
  const faceEncoder = await loadFaceEncoder(args.models);
  const random = rng(7);
  for (const [split, prefix] of [['train', 'train'], ['dev', 'val']] as const) {
    const x = readTensor(join(faceCache, `${prefix}_x`)), y = readTensor(join(faceCache, `${prefix}_y`)).data;
    let rows = Array.from(y, (_, i) => i);
    if (split === 'train') {
      const cap = Number(args['faces-per-label']);
      const shuffled = rows.map((i) => ({ i, r: random() })).sort((a, b) => a.r - b.r).map((o) => o.i);
      const taken = new Array(7).fill(0);
      rows = shuffled.filter((i) => taken[y[i]]++ < cap).sort((a, b) => a - b);
    }
    rows = rows.slice(0, limit);
    const embeddings: Float32Array[] = [];
    for (let i = 0; i < rows.length; i += 256) {
      const crops = rows.slice(i, i + 256).map((r) => Float32Array.from((x.data as Uint8Array).subarray(r * 2304, (r + 1) * 2304), (v) => v / 255));
      for (const e of await faceEncoder.embed(crops)) embeddings.push(e.embedding);
      progress(`face ${split}`, rows.length)(Math.min(rows.length, i + 256));
    }
    const t = stack(embeddings);
    writeTensor(join(out, `face_${split}`), t.data, t.shape, { labels: rows.map((r) => y[r]), rows });
}
faceEncoder.dispose();
}
console.log(`wrote fusion pools to ${out}`);
