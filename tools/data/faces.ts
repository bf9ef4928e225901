/**
 * Face image datasets in the `<label>/` folder layout (FER2013 `train/angry/*.jpg`, CK+ `anger/*.png`, ...):
 * list labelled files and decode them with sharp. Node only.
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { toLabelIndex } from '../../src/labels.ts';

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
