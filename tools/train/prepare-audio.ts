/**
 * Writes the audio encoder's training tensors from the speech corpora (or any folder `readSpeechFolder` reads):
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
 *   npx tsx tools/train/prepare-audio.ts --corpora ../shared/data/audio [--only a,b | --exclude c] --out .cache/audio-all
 *
 * --corpora reads every corpus of tools/data/speech.ts SPEECH_CORPORA under the folder (each split by its own
 * speaker-disjoint rule); --exclude leaves one out (leave-one-corpus-out training).
 * --limit N keeps at most N clips per corpus (spread over the list), for quick runs. --folder DIR adds any other
 * folder (layout auto-detected).
 * --augment K appends K augmented copies of every TRAIN clip (--augment-kind basic: augment.ts `AUGMENT_DEFAULTS`;
 * room: acoustics.ts `augmentRoom`, rooms, microphones, AGC, babble, codecs; seeded by --seed and the clip index) after the originals; dev clips are never augmented. Each file is decoded once for all
 * its copies; --pcm-cache DIR keeps decoded 16 kHz PCM (float32 .f32 files) so later runs skip ffmpeg. Copies are
 * marked in the meta JSON (`augmentOf`: source row, -1 for originals).
 */
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { AUDIO_FEATURES, PROSODY_STATS_DIM, PROSODY_STATS_NAMES, encoderInput, extractAudioFeatures } from '../../src/audio/features.ts';
import { LABELS } from '../../src/labels.ts';
import { decodeAudioFile } from '../data/audio-decode.ts';
import { SPEECH_CORPORA, fnv1a, readRavdessFolder, readSpeechCorpora, readSpeechFolder, readTessFolder, speechSplit, tessWord, type SpeechCorpus, type SpeechItem } from '../data/speech.ts';
import { writeTensor } from './store.ts';
import { AUGMENT_DEFAULTS, augment, mulberry32, type Rng } from './augment.ts';
import { ROOM_AUGMENT, augmentRoom } from './acoustics.ts';
import { codecPass } from './codec.ts';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';


function spread<T>(items: T[], limit: number | undefined): T[] {
  if (!limit || items.length <= limit) return items;
  const step = items.length / limit;
  return Array.from({ length: limit }, (_, i) => items[Math.floor(i * step)]);
}

export interface PrepareOptions {
  ravdess?: string; tess?: string; folders?: string[]; out: string; limit?: number; concurrency?: number; quiet?: boolean;
  /** Every corpus of SPEECH_CORPORA found under this folder (../shared/data/audio); `only`/`exclude` pick among them. */
  corpora?: string; only?: SpeechCorpus[]; exclude?: SpeechCorpus[];
  augment?: number; seed?: number; pcmCache?: string;
  /**
   * 'basic' (augment.ts `augment`: the v2 recipe) or 'room' (acoustics.ts `augmentRoom`: rooms, microphones, AGC,
   * babble of other training clips, Opus/MP3). Default 'basic'.
   */
  augmentKind?: 'basic' | 'room';
}

/** How many training clips the babble of 'room' copies is drawn from (other talkers, picked by the seed). */
const BABBLE_POOL = 32;

/** Decodes a file to 16 kHz mono, through the optional on-disk PCM cache (keyed by the path's FNV hash). */
async function decodeCached(path: string, cache: string | undefined): Promise<Float32Array> {
  if (!cache) return decodeAudioFile(path);
  const file = join(cache, `${fnv1a(path).toString(16)}-${basename(path)}.f32`);
  if (existsSync(file)) {
    const b = readFileSync(file);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
  const pcm = await decodeAudioFile(path);
  mkdirSync(cache, { recursive: true });
  writeFileSync(file, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  return pcm;
}

export async function prepareAudio(opts: PrepareOptions): Promise<{ n: number; train: number; dev: number }> {
  const items: SpeechItem[] = [];
  if (opts.corpora) {
    const names = (Object.keys(SPEECH_CORPORA) as SpeechCorpus[]).filter((c) => (!opts.only || opts.only.includes(c)) && !opts.exclude?.includes(c));
    for (const name of names) items.push(...spread(readSpeechCorpora(opts.corpora, [name]), opts.limit));
  }
  if (opts.ravdess) items.push(...spread(readRavdessFolder(opts.ravdess), opts.limit));
  if (opts.tess) items.push(...spread(readTessFolder(opts.tess), opts.limit));
  for (const f of opts.folders ?? []) items.push(...spread(readSpeechFolder(f), opts.limit));
  if (!items.length) throw new Error('prepare-audio: no labelled audio files found (check --ravdess / --tess / --folder)');

  const T = AUDIO_FEATURES.maxFrames, M = AUDIO_FEATURES.nMels, P = PROSODY_STATS_DIM;
  const base = items.length;
  const K = Math.max(0, Math.floor(opts.augment ?? 0));
  const baseSplit = items.map((it) => speechSplit(it));
  // Row layout: the originals 0..base-1, then K copies per train original, in order.
  const copyRow = new Int32Array(base).fill(-1);
  let rows = base;
  for (let i = 0; i < base; i++) if (K > 0 && baseSplit[i] === 'train') { copyRow[i] = rows; rows += K; }
  const augmentOf = new Int32Array(rows).fill(-1);
  for (let i = 0; i < base; i++) for (let k = 0; k < K && copyRow[i] >= 0; k++) augmentOf[copyRow[i] + k] = i;
  const n = rows;
  const mel = new Float32Array(n * T * M);
  const stats = new Float32Array(n * P);
  const labels = new Int32Array(n);
  const frames = new Int32Array(n);
  const split = new Int32Array(n);
  const started = Date.now();
  const kind = opts.augmentKind ?? 'basic';
  // Babble for 'room' copies: training clips of other talkers, the same pool for every copy of this run.
  let babblePool: Float32Array[] = [];
  if (K > 0 && kind === 'room') {
    const pick = mulberry32(((opts.seed ?? 0) * 7919 + 13) >>> 0);
    const train = items.map((_, i) => i).filter((i) => baseSplit[i] === 'train');
    const chosen = Array.from({ length: Math.min(BABBLE_POOL, train.length) }, () => train[Math.floor(pick() * train.length)]);
    babblePool = await Promise.all(chosen.map((i) => decodeCached(items[i].path, opts.pcmCache)));
  }
  const copy = (pcm: Float32Array, rng: Rng): Promise<Float32Array> =>
    kind === 'room' ? augmentRoom(pcm, rng, { babblePool, codec: codecPass }) : Promise.resolve(augment(pcm, rng));
  let next = 0, done = 0;
  // A small pool: ffmpeg decodes in its own process while this one computes features.
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= base) return;
      const pcm = await decodeCached(items[i].path, opts.pcmCache);
      const put = (row: number, clip: Float32Array) => {
        const input = encoderInput(extractAudioFeatures(clip), T);
        mel.set(input.mel, row * T * M);
        stats.set(input.prosodyStats, row * P);
        labels[row] = items[i].label;
        frames[row] = input.frames;
        split[row] = baseSplit[i] === 'dev' ? 1 : 0;
        done++;
      };
      put(i, pcm);
      for (let k = 0; k < K && copyRow[i] >= 0; k++) {
        // Seeded per (seed, clip, copy): the same command reproduces every copy whatever the pool's order.
        put(copyRow[i] + k, await copy(pcm, mulberry32(((opts.seed ?? 0) * 1_000_003 + i * 97 + k + 1) >>> 0)));
      }
      if (!opts.quiet && (done % 200 < 1 + K || done === n)) {
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
    splitRule: Object.fromEntries(Object.entries(SPEECH_CORPORA).map(([name, info]) => [name, info.split])),
    files: items.map((it) => it.path), speakers: items.map((it) => it.speaker), corpus: items.map((it) => it.corpus),
    languages: items.map((it) => (it.corpus in SPEECH_CORPORA ? SPEECH_CORPORA[it.corpus as keyof typeof SPEECH_CORPORA].language : '')),
    words: items.map((it) => (it.corpus === 'tess' ? tessWord(it.path) : '')),
    features: AUDIO_FEATURES,
    // Augmented copies (rows base..n-1): files/speakers/corpus/words above describe the originals only.
    originals: base, augmentOf: Array.from(augmentOf),
    augment: K > 0 ? { copies: K, seed: opts.seed ?? 0, kind, options: kind === 'room' ? ROOM_AUGMENT : AUGMENT_DEFAULTS, babblePool: kind === 'room' ? babblePool.length : 0 } : null,
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
      augment: { type: 'string' }, seed: { type: 'string' }, 'pcm-cache': { type: 'string' },
      corpora: { type: 'string' }, only: { type: 'string' }, exclude: { type: 'string' }, 'augment-kind': { type: 'string' },
    },
  });
  const kind = values['augment-kind'] ?? 'basic';
  if (kind !== 'basic' && kind !== 'room') throw new Error(`prepare-audio: --augment-kind must be basic or room, got ${kind}`);
  await prepareAudio({
    ravdess: values.ravdess, tess: values.tess, folders: values.folder, out: values.out!,
    limit: values.limit ? Number(values.limit) : undefined, concurrency: values.concurrency ? Number(values.concurrency) : 2,
    augment: values.augment ? Number(values.augment) : 0, seed: values.seed ? Number(values.seed) : 0, pcmCache: values['pcm-cache'],
    corpora: values.corpora, only: values.only?.split(',') as SpeechCorpus[] | undefined, exclude: values.exclude?.split(',') as SpeechCorpus[] | undefined,
    augmentKind: kind,
  });
}
