/**
 * Writes the audio encoder's training tensors from RAVDESS and/or TESS (or any folder `readSpeechFolder` reads):
 * every clip is decoded to 16 kHz mono (ffmpeg), goes through the SAME `extractAudioFeatures` + `encoderInput`
 * as the live page, and lands in the shared tensor store:
 *   mel [N, T, 64] float32 (T = AUDIO_FEATURES.maxFrames), prosody_stats [N, P] float32, labels [N] int32,
 *   frames [N] int32 (real frames before padding), meta [N] int32 (split: 0 train, 1 dev) whose JSON meta lists
 *   files, speakers, corpora, words and the split rule.
 * Split: RAVDESS actors 1–16 → train, 17–20 → dev (by speaker); TESS by spoken word (FNV hash of the word: ~15% of
 * words → dev, so a word never appears in both); other folders: hash of the file name.
 *
 *   npx tsx tools/train/prepare-audio.ts --ravdess ../shared/data/audio/ravdess --tess ../shared/data/audio/tess --out .cache/audio [--limit N]
 *
 * --limit N keeps at most N clips per corpus (spread over the list), for quick runs. --folder DIR adds any other
 * folder (layout auto-detected).
 */
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { AUDIO_FEATURES, PROSODY_STATS_DIM, PROSODY_STATS_NAMES, encoderInput, extractAudioFeatures } from '../../src/audio/features.ts';
import { LABELS } from '../../src/labels.ts';
import { decodeAudioFile } from '../data/audio-decode.ts';
import { readRavdessFolder, readSpeechFolder, readTessFolder, tessWord, type SpeechItem } from '../data/speech.ts';
import { writeTensor } from './store.ts';

/** FNV-1a 32-bit: a stable hash for word/file based splits. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  return h >>> 0;
}

/** 'train' or 'dev' for one item (see the header). */
export function splitOf(item: SpeechItem): 'train' | 'dev' {
  if (item.corpus === 'ravdess') return Number(item.speaker.replace(/\D/g, '')) >= 17 ? 'dev' : 'train';
  const key = item.corpus === 'tess' ? tessWord(item.path) : basename(item.path);
  return fnv1a(key) % 100 < 15 ? 'dev' : 'train';
}

function spread<T>(items: T[], limit: number | undefined): T[] {
  if (!limit || items.length <= limit) return items;
  const step = items.length / limit;
  return Array.from({ length: limit }, (_, i) => items[Math.floor(i * step)]);
}

export interface PrepareOptions { ravdess?: string; tess?: string; folders?: string[]; out: string; limit?: number; concurrency?: number; quiet?: boolean }

export async function prepareAudio(opts: PrepareOptions): Promise<{ n: number; train: number; dev: number }> {
  const items: SpeechItem[] = [];
  if (opts.ravdess) items.push(...spread(readRavdessFolder(opts.ravdess), opts.limit));
  if (opts.tess) items.push(...spread(readTessFolder(opts.tess), opts.limit));
  for (const f of opts.folders ?? []) items.push(...spread(readSpeechFolder(f), opts.limit));
  if (!items.length) throw new Error('prepare-audio: no labelled audio files found (check --ravdess / --tess / --folder)');

  const T = AUDIO_FEATURES.maxFrames, M = AUDIO_FEATURES.nMels, P = PROSODY_STATS_DIM;
  const n = items.length;
  const mel = new Float32Array(n * T * M);
  const stats = new Float32Array(n * P);
  const labels = new Int32Array(n);
  const frames = new Int32Array(n);
  const split = new Int32Array(n);
  const started = Date.now();
  let next = 0, done = 0;
  // A small pool: ffmpeg decodes in its own process while this one computes features.
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const pcm = await decodeAudioFile(items[i].path);
      const input = encoderInput(extractAudioFeatures(pcm), T);
      mel.set(input.mel, i * T * M);
      stats.set(input.prosodyStats, i * P);
      labels[i] = items[i].label;
      frames[i] = input.frames;
      split[i] = splitOf(items[i]) === 'dev' ? 1 : 0;
      done++;
      if (!opts.quiet && (done % 200 === 0 || done === n)) {
        const s = (Date.now() - started) / 1000;
        console.log(`prepare-audio: ${done}/${n} clips, ${s.toFixed(0)} s (${(done / s).toFixed(1)} clips/s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 2 }, worker));

  const out = opts.out;
  writeTensor(join(out, 'mel'), mel, [n, T, M], { sampleRate: AUDIO_FEATURES.sampleRate, hop: AUDIO_FEATURES.hop, nMels: M, padValue: Math.log(AUDIO_FEATURES.logOffset) });
  writeTensor(join(out, 'prosody_stats'), stats, [n, P], { names: PROSODY_STATS_NAMES });
  writeTensor(join(out, 'labels'), labels, [n], { labels: LABELS });
  writeTensor(join(out, 'frames'), frames, [n], {});
  writeTensor(join(out, 'meta'), split, [n], {
    split: ['train', 'dev'],
    splitRule: 'RAVDESS actors 1-16 train, 17-20 dev; TESS by FNV-1a(word) % 100 < 15 → dev; other folders by file name hash',
    files: items.map((it) => it.path), speakers: items.map((it) => it.speaker), corpus: items.map((it) => it.corpus),
    words: items.map((it) => (it.corpus === 'tess' ? tessWord(it.path) : '')),
    features: AUDIO_FEATURES,
  });
  const dev = split.reduce((a, b) => a + b, 0);
  if (!opts.quiet) console.log(`prepare-audio: wrote ${n} clips (${n - dev} train, ${dev} dev) to ${out} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { n, train: n - dev, dev };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      ravdess: { type: 'string' }, tess: { type: 'string' }, folder: { type: 'string', multiple: true },
      out: { type: 'string', default: '.cache/audio' }, limit: { type: 'string' }, concurrency: { type: 'string' },
    },
  });
  await prepareAudio({
    ravdess: values.ravdess, tess: values.tess, folders: values.folder, out: values.out!,
    limit: values.limit ? Number(values.limit) : undefined, concurrency: values.concurrency ? Number(values.concurrency) : 2,
  });
}
