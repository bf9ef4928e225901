/**
 * Computes the fusion's training material with the shipped encoders (the same files the page loads):
 * text embeddings of real dialogues (MELD + EmoryNLP train + a sample of DailyDialog train → train, MELD dev → dev) and pools of audio and face
 * embeddings per split (RAVDESS actors 1–16 + TESS train words → train, RAVDESS actors 17–20 → dev;
 * FER2013 Training → train, PublicTest → dev). Dev material never enters a train pool. Audio and faces come from
 * the encoder inputs that prepare-audio.ts / prepare-faces.ts computed with the page's own feature code.
 *
 * Every audio and face pool has its recording quality beside it (`<pool>_quality`: `recordingQuality` of the clip as
 * stored, so --audio-cache is the raw store, never a speaker-normalised one; `cropQuality` of the crop), what the
 * gate reads. An audio encoder trained on speaker-normalised inputs gets the stored clips normalised here.
 *
 * With degraded pools beside the clean ones (unless --degraded no): training clips through random rooms,
 * microphones and codecs and training faces through random webcams; every dev clip and face through named
 * conditions in turn (mirroring the clean dev pools row for row).
 *
 *   npx tsx tools/train/fusion/embed.ts --shared ../shared/data --out .cache/fusion [--audio-cache .cache/audio] [--face-cache .cache/faces] [--faces-per-label 1500] [--dailydialog-dialogues 600] [--models public/models] [--degraded yes|no] [--degraded-audio-train 1200]
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { readTensor, writeTensor } from '../store.ts';
import { groupDialogues, readDailyDialog, readEmoryNlpCsv, readMeldCsv, type Utterance } from '../../data/text.ts';
import { embedTexts, loadAudioEncoder, loadFaceEncoder, loadTextEncoder } from '../../node/models.ts';
import { decodeAudioFile } from '../../data/audio-decode.ts';
import { encoderInput, extractAudioFeatures, type EncoderInput, type SpeakerNormalizer } from '../../../src/audio/features.ts';
import { recordingQuality } from '../../../src/audio/quality.ts';
import { speakerGroup } from '../normalize-speakers.ts';
import type { AudioEmbedding } from '../../../src/audio/encoder.ts';
import type { FaceEmbedding } from '../../../src/video/face-encoder.ts';
import { augmentRoom } from '../acoustics.ts';
import { codecPass } from '../codec.ts';
import { degradation } from '../degrade.ts';
import { faceDegradation, webcamDegrade } from '../face-degrade.ts';
import { rng, type Dialogue } from './pseudo-align.ts';

const { values: args } = parseArgs({ options: { shared: { type: 'string', default: '../shared/data' }, out: { type: 'string', default: '.cache/fusion' }, 'faces-per-label': { type: 'string', default: '1500' }, 'audio-cache': { type: 'string', default: '.cache/audio' }, 'face-cache': { type: 'string', default: '.cache/faces' }, 'dailydialog-dialogues': { type: 'string', default: '600' }, limit: { type: 'string' }, models: { type: 'string', default: 'public/models' }, modalities: { type: 'string', default: 'text,audio,face' }, degraded: { type: 'string', default: 'yes' }, 'degraded-audio-train': { type: 'string', default: '1200' } } });
// Degraded pools: the same material through rooms, poor microphones and webcams (--degraded no: clean pools only).
const degradedWanted = args.degraded !== 'no';
/** The recording conditions dev clips / faces go through, in turn, for the degraded dev pools. */
const DEV_AUDIO_CONDITIONS = ['room', 'far', 'noise10', 'noise0', 'babble10', 'call'];
const DEV_FACE_CONDITIONS = ['dim', 'blur', 'small', 'tilted', 'hand', 'glasses'];
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

/** Writes a pool of encoder outputs: the embeddings (`name`) and each row's recording quality (`name_quality`). */
function writePool(name: string, outputs: { embedding: Float32Array; quality: Float32Array }[], meta: Record<string, unknown>): void {
  const e = stack(outputs.map((o) => o.embedding)), q = stack(outputs.map((o) => o.quality));
  writeTensor(join(out, name), e.data, e.shape, meta);
  writeTensor(join(out, `${name}_quality`), q.data, q.shape, { of: name });
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
  const audioMeta = readTensor<{ files: string[]; corpus: string[]; augmentOf?: number[]; augment?: { kind?: string } | null }>(join(audioCache, 'meta'));
  const [, T, M] = mel.shape, P = stats.shape[1];
  // Rows past the originals are augmented copies: degraded material, never part of a clean pool.
  const originals = audioMeta.meta.files.length;
  const audioEncoder = await loadAudioEncoder(args.models);
  const storedInput = (r: number) => ({
    mel: (mel.data as Float32Array).subarray(r * T * M, (r + 1) * T * M), frames: frames[r], offset: 0,
    prosodyStats: (stats.data as Float32Array).subarray(r * P, (r + 1) * P),
  });
  // An encoder trained on speaker-normalised inputs gets each stored clip moved by its group's averages over the
  // whole store (as normalize-speakers.ts made its training data); a clip degraded here is a room of its own. The
  // quality is always that of the clip as heard (the page measures it before normalising).
  const groupOf = speakerGroup(audioMeta.meta as unknown as { speakers: string[]; corpus: string[]; augmentOf?: number[] }, audioMeta.data.length);
  const voices = new Map<string, SpeakerNormalizer>();
  if (audioEncoder.speakerReference) {
    for (let r = 0; r < audioMeta.data.length; r++) {
      const g = groupOf(r);
      if (!voices.has(g)) voices.set(g, audioEncoder.normalizer()!);
      voices.get(g)!.observe(storedInput(r));
    }
  }
  const embedHeard = async (heard: EncoderInput[], voice: (k: number) => SpeakerNormalizer | undefined): Promise<AudioEmbedding[]> => {
    const outs = await audioEncoder.embedInputs(heard.map((input, k) => voice(k)?.apply(input) ?? input));
    return outs.map((o, k) => ({ ...o, quality: recordingQuality(heard[k]) }));
  };
  const embedStored = (rows: number[]): Promise<AudioEmbedding[]> => embedHeard(rows.map(storedInput), (k) => voices.get(groupOf(rows[k])));
  const alone = (input: EncoderInput): SpeakerNormalizer | undefined => {
    const voice = audioEncoder.normalizer();
    voice?.observe(input);
    return voice;
  };
  const rowsOf: Record<'train' | 'dev', number[]> = { train: [], dev: [] };
  for (const [split, code] of [['train', 0], ['dev', 1]] as const) {
    // Dev voices are RAVDESS actors 17-20 only: TESS's two speakers are in training too (its dev split is by word),
    // so a TESS dev clip is a voice the encoder already knows and would make audio look like an oracle.
    const rows = Array.from(audioMeta.data).flatMap((s, i) => (i < originals && s === code && (split === 'train' || audioMeta.meta.corpus[i] === 'ravdess') ? [i] : [])).slice(0, limit);
    rowsOf[split] = rows;
    const embeddings: AudioEmbedding[] = [];
    for (let i = 0; i < rows.length; i += 64) {
      embeddings.push(...await embedStored(rows.slice(i, i + 64)));
      progress(`audio ${split}`, rows.length)(Math.min(rows.length, i + 64));
    }
    writePool(`audio_${split}`, embeddings, { labels: rows.map((r) => audioLabels[r]), files: rows.map((r) => audioMeta.meta.files[r]) });
  }
  if (degradedWanted) {
    // Train: the store's room-augmented copies of training clips when it has them, else a seeded sample of the
    // training clips through the same random rooms, microphones and codecs (acoustics.ts augmentRoom).
    const augmentedRows = audioMeta.meta.augment?.kind === 'room' ? Array.from(audioMeta.data).flatMap((s, i) => (i >= originals && s === 0 ? [i] : [])) : [];
    const trainRows = rowsOf.train;
    const random = rng(17);
    const sampled = augmentedRows.length ? augmentedRows.slice(0, limit) : trainRows.map((r) => ({ r, k: random() })).sort((a, b) => a.k - b.k).slice(0, Math.min(trainRows.length, Number(args['degraded-audio-train']))).map((o) => o.r).sort((a, b) => a - b);
    const babblePool = await Promise.all(trainRows.filter((_, k) => k % Math.max(1, Math.floor(trainRows.length / 24)) === 0).slice(0, 24).map((r) => decodeAudioFile(audioMeta.meta.files[r])));
    const embeddings: AudioEmbedding[] = [];
    for (let i = 0; i < sampled.length; i += 32) {
      const chunk = sampled.slice(i, i + 32);
      const inputs = await Promise.all(chunk.map(async (r) => {
        if (r >= originals) return storedInput(r);
        const pcm = await augmentRoom(await decodeAudioFile(audioMeta.meta.files[r]), rng(1_000_003 * 3 + r), { babblePool, codec: codecPass });
        return encoderInput(extractAudioFeatures(pcm));
      }));
      embeddings.push(...await embedHeard(inputs, (k) => (chunk[k] >= originals ? voices.get(groupOf(chunk[k])) : alone(inputs[k]))));
      progress('audio train, degraded', sampled.length)(Math.min(sampled.length, i + 32));
    }
    writePool('audio_degraded_train', embeddings, { labels: sampled.map((r) => audioLabels[r]), how: augmentedRows.length ? 'the store\'s room-augmented copies' : 'augmentRoom' });
    // Dev: every dev clip once, through the named recording conditions in turn, so this pool mirrors audio_dev
    // row for row (the same conversation can be scored clean and degraded).
    const devRows = rowsOf.dev, names = DEV_AUDIO_CONDITIONS;
    const devEmbeddings: AudioEmbedding[] = [];
    for (const [k, r] of devRows.entries()) {
      const pcm = await degradation(names[k % names.length]).apply(await decodeAudioFile(audioMeta.meta.files[r]), 7_000_003 + k, { babblePool });
      devEmbeddings.push(await audioEncoder.embed(extractAudioFeatures(pcm), audioEncoder.normalizer()));
      if (k % 20 === 19 || k === devRows.length - 1) progress('audio dev, degraded', devRows.length)(k + 1);
    }
    writePool('audio_degraded_dev', devEmbeddings, { labels: devRows.map((r) => audioLabels[r]), conditions: devRows.map((_, k) => names[k % names.length]) });
  }
  audioEncoder.dispose();
}

// Faces: the 48×48 crops prepare-faces.ts wrote (cropFace, the page's function); a seeded label-capped sample of
// FER2013 Training (variety without embedding all 28k) and all of PublicTest.
if (wanted.has('face')) {
  const faceCache = args['face-cache']!;
  const faceEncoder = await loadFaceEncoder(args.models);
  const random = rng(7);
  const embedCrops = async (crops: Float32Array[], what: string): Promise<FaceEmbedding[]> => {
    const embeddings: FaceEmbedding[] = [];
    for (let i = 0; i < crops.length; i += 256) {
      embeddings.push(...await faceEncoder.embed(crops.slice(i, i + 256)));
      progress(what, crops.length)(Math.min(crops.length, i + 256));
    }
    return embeddings;
  };
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
    const crop = (r: number) => Float32Array.from((x.data as Uint8Array).subarray(r * 2304, (r + 1) * 2304), (v) => v / 255);
    writePool(`face_${split}`, await embedCrops(rows.map(crop), `face ${split}`), { labels: rows.map((r) => y[r]), rows });
    if (!degradedWanted) continue;
    // Train: a random webcam per crop for every third sampled face; dev: every dev face through the named camera
    // conditions in turn (mirrors face_dev row for row).
    const degradedRows = split === 'train' ? rows.filter((_, k) => k % 3 === 0) : rows;
    const names = DEV_FACE_CONDITIONS;
    const crops = await Promise.all(degradedRows.map((r, k) => (split === 'train'
      ? webcamDegrade(crop(r), rng(5_000_011 + r))
      : faceDegradation(names[k % names.length]).apply(crop(r), 9_000_011 + k))));
    writePool(`face_degraded_${split}`, await embedCrops(crops, `face ${split}, degraded`), {
      labels: degradedRows.map((r) => y[r]), rows: degradedRows, ...(split === 'dev' ? { conditions: degradedRows.map((_, k) => names[k % names.length]) } : { how: 'webcamDegrade' }),
    });
  }
  faceEncoder.dispose();
}
console.log(`wrote fusion pools to ${out}`);
