/**
 * A copy of a prepared speech store (prepare-audio.ts) with every clip normalised against its speaker, by the page's
 * `SpeakerNormalizer` (src/audio/features.ts): the training reference is the pooled average of the training
 * originals, and each clip is moved by its group's averages over all of the group's clips. A group is one speaker of
 * one corpus as recorded (one studio); a room-augmented copy is a group of its own (its room is drawn for that clip
 * alone, as a live session is one room). Writes `speaker-norm.json` (the reference the encoder ships with, so the
 * page normalises live sessions the same way) beside the tensors.
 *
 *   npx tsx tools/train/normalize-speakers.ts --in .cache/release/features/audio-v3 --out .cache/release/features/audio-v3-norm [--half-weight-frames 300]
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { AUDIO_FEATURES, SpeakerNormalizer, speakerReference, type EncoderInput, type SpeakerReference } from '../../src/audio/features.ts';
import { readTensor, writeTensor } from './store.ts';

interface StoreMeta { speakers: string[]; corpus: string[]; originals?: number; augmentOf?: number[] }

/**
 * The group a store row is normalised with: corpus + speaker for an original (one voice in one studio), the row
 * itself for a room-augmented copy (its room was drawn for it alone).
 */
export function speakerGroup(meta: { speakers: string[]; corpus: string[]; augmentOf?: number[] }, rows: number): (i: number) => string {
  const augmentOf = meta.augmentOf ?? new Array(rows).fill(-1);
  return (i) => (augmentOf[i] >= 0 ? `copy:${i}` : `${meta.corpus[i]}:${meta.speakers[i]}`);
}

export function normalizeSpeakers(input: string, out: string, halfWeightFrames = 300): { reference: SpeakerReference; groups: number; rows: number } {
  const mel = readTensor(join(input, 'mel')), stats = readTensor(join(input, 'prosody_stats')), frames = readTensor(join(input, 'frames'));
  const split = readTensor<StoreMeta>(join(input, 'meta'));
  const [n, T, M] = mel.shape, P = stats.shape[1];
  if (M !== AUDIO_FEATURES.nMels) throw new Error(`normalize-speakers: ${input} has ${M} mel bins, the features ${AUDIO_FEATURES.nMels}`);
  const meta = split.meta;
  const augmentOf = meta.augmentOf ?? new Array(n).fill(-1);
  const row = (i: number): EncoderInput => ({
    mel: (mel.data as Float32Array).subarray(i * T * M, (i + 1) * T * M), frames: Number(frames.data[i]), offset: 0,
    prosodyStats: (stats.data as Float32Array).subarray(i * P, (i + 1) * P),
  });
  const group = speakerGroup(meta, n);
  const members = new Map<string, number[]>();
  for (let i = 0; i < n; i++) { const g = group(i); if (!members.has(g)) members.set(g, []); members.get(g)!.push(i); }
  const trainOriginals = Array.from({ length: n }, (_, i) => i).filter((i) => split.data[i] === 0 && augmentOf[i] < 0);
  const reference = speakerReference(trainOriginals.map(row), halfWeightFrames);

  const outMel = new Float32Array(mel.data.length), outStats = new Float32Array(stats.data.length);
  for (const rows of members.values()) {
    const speaker = new SpeakerNormalizer(reference);
    for (const i of rows) speaker.observe(row(i));
    for (const i of rows) {
      const moved = speaker.apply(row(i));
      outMel.set(moved.mel, i * T * M); outStats.set(moved.prosodyStats, i * P);
    }
  }
  mkdirSync(out, { recursive: true });
  writeTensor(join(out, 'mel'), outMel, mel.shape, { ...mel.meta, speakerNormalized: true });
  writeTensor(join(out, 'prosody_stats'), outStats, stats.shape, stats.meta);
  for (const name of ['labels', 'frames', 'meta']) for (const ext of ['.bin', '.json']) if (existsSync(join(input, name + ext))) copyFileSync(join(input, name + ext), join(out, name + ext));
  writeFileSync(join(out, 'speaker-norm.json'), JSON.stringify(reference) + '\n');
  return { reference, groups: members.size, rows: n };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { in: { type: 'string' }, out: { type: 'string' }, 'half-weight-frames': { type: 'string', default: '300' } } });
  if (!values.in || !values.out) throw new Error('normalize-speakers: --in <store> --out <store> are required');
  const t0 = Date.now();
  const done = normalizeSpeakers(values.in, values.out, Number(values['half-weight-frames']));
  console.log(`normalize-speakers: ${done.rows} clips in ${done.groups} groups → ${values.out} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
