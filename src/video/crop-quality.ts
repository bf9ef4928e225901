/**
 * How good a face crop is, as a few numbers the fusion's modality gate reads next to the face embedding: the face
 * encoder is trained to answer the same for a dim, blurred or noisy webcam, so its embedding hides how far to trust
 * the face this turn. Computed from the 48×48 gray crop (`cropFace`, values in [0, 1]) the encoder reads, so the page
 * and the trainers get the same values. Pure TypeScript.
 */
import { FACE_INPUT } from './face-crop.ts';

/** Order of `cropQuality`'s values. */
export const FACE_QUALITY_NAMES = [
  'brightness', // mean gray level: a dim room is low
  'contrast', // standard deviation of the gray levels
  'sharpness', // mean |Laplacian| (4-neighbour) inside the crop: blur and small, upscaled faces lower it
  'detail', // sharpness / (contrast + 0.02): edges for the contrast there is (sensor noise raises it, blur lowers it)
  'clipped', // fraction of pixels at black (≤ 0.02) or white (≥ 0.98): under- or over-exposure
] as const;
export const FACE_QUALITY_DIM = FACE_QUALITY_NAMES.length;

/** FACE_QUALITY_DIM values in FACE_QUALITY_NAMES order. */
export function cropQuality(crop: Float32Array, size: number = FACE_INPUT.size): Float32Array {
  if (crop.length !== size * size) throw new Error(`cropQuality: the crop has ${crop.length} values, expected ${size * size}`);
  let sum = 0, sq = 0, clipped = 0;
  for (const v of crop) { sum += v; sq += v * v; if (v <= 0.02 || v >= 0.98) clipped++; }
  const n = crop.length, mean = sum / n, std = Math.sqrt(Math.max(0, sq / n - mean * mean));
  let lap = 0;
  for (let y = 1; y < size - 1; y++) {
    for (let x = 1; x < size - 1; x++) {
      const i = y * size + x;
      lap += Math.abs(4 * crop[i] - crop[i - 1] - crop[i + 1] - crop[i - size] - crop[i + size]);
    }
  }
  const sharpness = lap / ((size - 2) * (size - 2));
  return Float32Array.from([mean, std, sharpness, sharpness / (std + 0.02), clipped / n]);
}
