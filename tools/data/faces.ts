/**
 * Face image datasets in the `<label>/` folder layout (FER2013 `train/angry/*.jpg`, CK+ `anger/*.png`, ...):
 * list labelled files and decode them with sharp. Node only.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { NUM_LABELS, toLabelIndex } from '../../src/labels.ts';

export interface LabelledPath { path: string; label: number /* index into LABELS */ }

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/**
 * Lists `<dir>/<label>/*.{jpg,jpeg,png}`; folder names go through `toLabel` (case-insensitive, FER2013 and CK+
 * spellings: angry/anger, happy/happiness, sad/sadness, ...). Folders without a match (e.g. CK+ `contempt`) are
 * skipped. Sorted by label folder then file name, so the order is reproducible.
 */
export function readLabelFolders(dir: string): LabelledPath[] {
  const out: LabelledPath[] = [];
  for (const name of readdirSync(dir).sort()) {
    const folder = join(dir, name);
    if (!statSync(folder).isDirectory()) continue;
    const label = toLabelIndex(name);
    if (label < 0) continue;
    for (const file of readdirSync(folder).sort()) {
      if (IMAGE_EXTENSIONS.has(extname(file).toLowerCase())) out.push({ path: join(folder, file), label });
    }
  }
  return out;
}

export interface DecodedImage { data: Uint8Array; width: number; height: number; channels: 1 | 4 }

/** Decodes an image file: gray files stay 1-channel, colour ones become RGBA (the layouts `cropFace` takes). */
export async function loadFaceImage(path: string): Promise<DecodedImage> {
  const image = sharp(path);
  const { channels = 3 } = await image.metadata();
  const gray = channels <= 2;
  const pipeline = gray ? image.extractChannel(0) : image.ensureAlpha();
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  const outChannels = gray ? 1 : 4;
  if (info.channels !== outChannels) throw new Error(`loadFaceImage(${path}): got ${info.channels} channels`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: outChannels };
}

/**
 * Microsoft's FER+ relabelling of a FER2013 split folder (`<dir>/ferplus-votes.csv`): ten annotators' votes per face.
 * The vote columns are named in words that `toLabel` maps onto the seven labels (neutral, happiness, surprise, …);
 * the others (contempt, unknown, NF = not a face) are counted together as `other`.
 */
export interface FerPlusVotes { votes: Float32Array /* LABELS order */; other: number }

export const FERPLUS_VOTES_FILE = 'ferplus-votes.csv';

/** image path relative to `dir` (as `angry/Training_10118481.jpg`) → its votes; empty when the split has no FER+ file. */
export function readFerPlusVotes(dir: string): Map<string, FerPlusVotes> {
  const file = join(dir, FERPLUS_VOTES_FILE);
  const out = new Map<string, FerPlusVotes>();
  if (!existsSync(file)) return out;
  const [header, ...rows] = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim());
  const columns = header.split(',');
  const image = columns.indexOf('image');
  if (image < 0) throw new Error(`${file}: no "image" column in ${header}`);
  // Vote columns run from the one after `image` up to the FER+ file name.
  const last = columns.indexOf('ferplus_image');
  const voteColumns = columns.slice(image + 1, last < 0 ? undefined : last).map((name, k) => ({ at: image + 1 + k, label: toLabelIndex(name) }));
  for (const [n, row] of rows.entries()) {
    const cells = row.split(',');
    const votes = new Float32Array(NUM_LABELS);
    let other = 0;
    for (const { at, label } of voteColumns) {
      const v = Number(cells[at]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${file}:${n + 2}: vote "${cells[at]}" in column ${columns[at]}`);
      if (label >= 0) votes[label] += v; else other += v;
    }
    out.set(cells[image], { votes, other });
  }
  return out;
}

/**
 * A face's FER+ target: its votes over the seven labels as a distribution, or null when most of its votes went
 * elsewhere (not a face, unknown, contempt): such a face teaches nothing about the seven.
 */
export function ferPlusTarget({ votes, other }: FerPlusVotes): Float32Array | null {
  const total = votes.reduce((a, v) => a + v, 0);
  if (!(total > 0) || total < other) return null;
  return votes.map((v) => v / total);
}
