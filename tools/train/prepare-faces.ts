/**
 * Writes the face encoder's training tensors from a FER2013-style tree (`train/<label>/`, `validation/<label>/`):
 * every image goes through the SAME `cropFace` the live worker uses (box = null: FER images are already faces),
 * stored as uint8 (round(value·255)) [N,48,48] plus int32 labels, via the shared tensor store; where the split has
 * FER+ votes (`ferplus-votes.csv`), also their distribution over the seven labels per face (`<split>_soft`).
 *
 *   npx tsx tools/train/prepare-faces.ts --data ../shared/data/faces/fer2013 --out .cache/faces [--limit N] [--camera-copies K]
 *
 * --limit N keeps at most N images per split (spread over labels), for quick runs. --camera-copies K also writes K
 * webcam-degraded copies of the training crops (writeCameraCopies).
 */
import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { cropFace, FACE_INPUT } from '../../src/video/face-crop.ts';
import { LABELS, NUM_LABELS } from '../../src/labels.ts';
import { ferPlusTarget, loadFaceImage, readFerPlusVotes, readLabelFolders, type FerPlusVotes, type LabelledPath } from '../data/faces.ts';
import { readTensor, writeTensor } from './store.ts';
import { webcamDegrade } from './face-degrade.ts';
import { mulberry32 } from './random.ts';

/** Keeps every k-th item so a limited run still covers every label. */
function spread<T>(items: T[], limit: number | undefined): T[] {
  if (!limit || items.length <= limit) return items;
  const step = items.length / limit;
  return Array.from({ length: limit }, (_, i) => items[Math.floor(i * step)]);
}

/**
 * Writes `<outPrefix>_x` (uint8 crops) and `_y` (FER2013 labels); with `ferPlus` (the split's FER+ votes, keyed by
 * path relative to `splitDir`) also `_soft` [N,7]: each face's FER+ vote distribution over the seven labels, all
 * zeros where FER+ has no usable votes for it (no twin, or mostly "not a face" / "unknown").
 */
export async function prepareSplit(items: LabelledPath[], outPrefix: string, name: string, ferPlus?: { splitDir: string; votes: Map<string, FerPlusVotes> }): Promise<number> {
  const size = FACE_INPUT.size;
  const x = new Uint8Array(items.length * size * size);
  const y = new Int32Array(items.length);
  const soft = ferPlus?.votes.size ? new Float32Array(items.length * NUM_LABELS) : undefined;
  let withSoft = 0;
  if (soft) {
    items.forEach((it, i) => {
      const votes = ferPlus!.votes.get(relative(ferPlus!.splitDir, it.path).split(sep).join('/'));
      const target = votes && ferPlusTarget(votes);
      if (target) { soft.set(target, i * NUM_LABELS); withSoft++; }
    });
  }
  const started = Date.now();
  const batch = 64; // decode a few at a time: sharp works on its own threads
  for (let start = 0; start < items.length; start += batch) {
    const chunk = items.slice(start, start + batch);
    const images = await Promise.all(chunk.map((it) => loadFaceImage(it.path)));
    images.forEach((img, k) => {
      const crop = cropFace(img.data, img.width, img.height, null, { channels: img.channels });
      const base = (start + k) * size * size;
      for (let i = 0; i < crop.length; i++) x[base + i] = Math.round(crop[i] * 255);
      y[start + k] = chunk[k].label;
    });
    const done = Math.min(start + batch, items.length);
    if (done % 2048 < batch || done === items.length) {
      process.stdout.write(`${name}: ${done}/${items.length} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    }
  }
  const counts = LABELS.map((_, c) => y.filter((v) => v === c).length);
  const meta = { labels: [...LABELS], counts, size, preprocessing: 'cropFace(box=null), gray BT.601, uint8 = round(v*255)' };
  writeTensor(`${outPrefix}_x`, x, [items.length, size, size], meta);
  writeTensor(`${outPrefix}_y`, y, [items.length], meta);
  if (soft) {
    writeTensor(`${outPrefix}_soft`, soft, [items.length, NUM_LABELS], { labels: [...LABELS], source: 'FER+ votes (ferplus-votes.csv) over the seven labels; zeros: no usable votes', faces: withSoft });
    process.stdout.write(`${name}: FER+ targets for ${withSoft} of ${items.length} faces\n`);
  }
  return items.length;
}

/**
 * `copies` randomly degraded copies of every training crop (`webcamDegrade`: low light and sensor noise, small faces,
 * tilt, blur, a hand or glasses, JPEG), as `train_cam<k>_x` beside `train_x`, the same rows in the same order; seeded
 * by face and copy, so a run is repeatable. The trainer swaps a crop for one of its copies at a rate it is given.
 */
export async function writeCameraCopies(outDir: string, copies: number, seed = 1): Promise<void> {
  const { data, shape, meta } = readTensor(join(outDir, 'train_x'));
  const [n, size] = shape;
  const pixels = size * size;
  const started = Date.now();
  for (let k = 0; k < copies; k++) {
    const out = new Uint8Array(n * pixels);
    for (let i = 0; i < n; i++) {
      const crop = Float32Array.from(data.subarray(i * pixels, (i + 1) * pixels), (v) => v / 255);
      const degraded = await webcamDegrade(crop, mulberry32(seed * 1_000_003 + k * 7_919_000 + i));
      for (let p = 0; p < pixels; p++) out[i * pixels + p] = Math.round(Math.min(1, Math.max(0, degraded[p])) * 255);
    }
    writeTensor(join(outDir, `train_cam${k}_x`), out, [n, size, size], { ...meta, degraded: `webcamDegrade, seed ${seed}, copy ${k}` });
    process.stdout.write(`camera copy ${k + 1}/${copies}: ${n} crops (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
}

export async function prepareFaces(dataDir: string, outDir: string, limit?: number): Promise<{ train: number; val: number }> {
  const splits: [string, string][] = [['train', 'train'], ['validation', 'val']];
  const counts: Record<string, number> = {};
  for (const [folder, prefix] of splits) {
    const dir = join(dataDir, folder);
    if (!existsSync(dir)) throw new Error(`prepare-faces: missing ${dir}`);
    const items = spread(readLabelFolders(dir), limit);
    counts[prefix] = await prepareSplit(items, join(outDir, prefix), folder, { splitDir: dir, votes: readFerPlusVotes(dir) });
  }
  return { train: counts.train, val: counts.val };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { data: { type: 'string' }, out: { type: 'string', default: '.cache/faces' }, limit: { type: 'string' }, 'camera-copies': { type: 'string', default: '0' } } });
  if (!values.data) throw new Error('usage: prepare-faces.ts --data <fer2013 dir> --out <dir> [--limit N] [--camera-copies K]');
  const started = Date.now();
  const n = await prepareFaces(values.data, values.out!, values.limit ? Number(values.limit) : undefined);
  const copies = Number(values['camera-copies']);
  if (!(Number.isInteger(copies) && copies >= 0)) throw new Error(`--camera-copies must be a whole number, got ${values['camera-copies']}`);
  if (copies) await writeCameraCopies(values.out!, copies);
  console.log(`wrote ${n.train} train + ${n.val} val crops to ${values.out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
