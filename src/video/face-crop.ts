/**
 * Face crop: the ONE preprocessing step between a picture and the face encoder. Training data
 * (tools/train/prepare-faces.ts, FER2013 images) and live frames (src/video/face-worker.ts) both go through
 * `cropFace`, so the encoder always sees the same kind of 48×48 gray input.
 *
 * Pure TypeScript: no DOM, no Node, no tfjs.
 */

export interface FaceBox { x: number; y: number; width: number; height: number }

export const FACE_INPUT = {
  /** Output side in pixels (FER2013 size). */
  size: 48,
  /**
   * Side of the square crop as a multiple of the detector box's larger side. Measured on the face-api demo photos:
   * the tiny face detector's boxes are LOOSE (about 1.5× the face width: hair, ears and background included), while
   * FER2013 crops are tight (the face fills the frame, eyes at ~40% of the height, mouth at ~70-75%). 0.8× makes
   * detector crops look like FER2013 crops (compared side by side at 0.6–1.25×; 1.25× left the face at ~55% width).
   */
  margin: 0.8,
  /**
   * Vertical shift of the crop centre, as a fraction of the box height (positive = down): a little room below so the
   * chin stays inside, as in FER2013.
   */
  shiftY: 0.05,
} as const;

export interface CropOptions {
  /** Interleaved channels of the input: 4 = RGBA (ImageData, VideoFrame pixels), 3 = RGB, 1 = gray. Default 4. */
  channels?: 1 | 3 | 4;
  /** Output side; default FACE_INPUT.size. */
  size?: number;
  /** Square side as a multiple of the box's larger side; default FACE_INPUT.margin. */
  margin?: number;
  /** Vertical centre shift as a fraction of box height; default FACE_INPUT.shiftY. */
  shiftY?: number;
}

/** The square source region (in image pixels, continuous coordinates) a box is cropped from, clamped to the image. */
export function cropRegion(width: number, height: number, box: FaceBox | null, options: CropOptions = {}): FaceBox {
  if (box === null) return { x: 0, y: 0, width, height };
  const margin = options.margin ?? FACE_INPUT.margin;
  const shiftY = options.shiftY ?? FACE_INPUT.shiftY;
  // Square side, never larger than the image (then it can always be shifted inside: no padding needed).
  const side = Math.max(1, Math.min(Math.max(box.width, box.height) * margin, width, height));
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2 + shiftY * box.height;
  const x = Math.min(Math.max(cx - side / 2, 0), width - side);
  const y = Math.min(Math.max(cy - side / 2, 0), height - side);
  return { x, y, width: side, height: side };
}

/** ITU-R BT.601 luma of interleaved pixels, in [0,1]. */
export function toGray(pixels: Uint8ClampedArray | Uint8Array, width: number, height: number, channels: 1 | 3 | 4 = 4): Float32Array {
  const n = width * height;
  if (pixels.length < n * channels) throw new Error(`toGray: ${pixels.length} values for ${width}×${height}×${channels}`);
  const out = new Float32Array(n);
  if (channels === 1) {
    for (let i = 0; i < n; i++) out[i] = pixels[i] / 255;
  } else {
    for (let i = 0, j = 0; i < n; i++, j += channels) {
      out[i] = (0.299 * pixels[j] + 0.587 * pixels[j + 1] + 0.114 * pixels[j + 2]) / 255;
    }
  }
  return out;
}

/**
 * 1-D resampling weights from the source interval [start, start+length) onto `size` output samples.
 * Downscaling: exact area (box) weights — every source pixel covered contributes its overlap, so no aliasing.
 * Upscaling: bilinear (triangle) weights at the output pixel centre. Indices are clamped to [0, limit).
 */
function weights1d(start: number, length: number, size: number, limit: number): { idx: Int32Array; w: Float32Array; taps: number } {
  const scale = length / size;
  const clampIdx = (i: number) => Math.min(Math.max(i, 0), limit - 1);
  if (scale > 1) {
    const taps = Math.ceil(scale) + 1;
    const idx = new Int32Array(size * taps), w = new Float32Array(size * taps);
    for (let o = 0; o < size; o++) {
      const a = start + o * scale, b = a + scale;
      let t = 0, sum = 0;
      idx.fill(clampIdx(Math.floor(a)), o * taps, (o + 1) * taps); // unused taps: a valid index with weight 0
      for (let s = Math.floor(a); s < b && t < taps; s++, t++) {
        const overlap = Math.min(b, s + 1) - Math.max(a, s);
        idx[o * taps + t] = clampIdx(s);
        w[o * taps + t] = Math.max(overlap, 0);
        sum += Math.max(overlap, 0);
      }
      for (let k = 0; k < taps; k++) w[o * taps + k] /= sum || 1;
    }
    return { idx, w, taps };
  }
  const taps = 2;
  const idx = new Int32Array(size * taps), w = new Float32Array(size * taps);
  for (let o = 0; o < size; o++) {
    const centre = start + (o + 0.5) * scale - 0.5; // source coordinate of the output pixel centre
    const s0 = Math.floor(centre), f = centre - s0;
    idx[o * 2] = clampIdx(s0); idx[o * 2 + 1] = clampIdx(s0 + 1);
    w[o * 2] = 1 - f; w[o * 2 + 1] = f;
  }
  return { idx, w, taps };
}

/**
 * Crops the face in `box` (detector pixels; `null` = the whole image is already the face, as in FER2013),
 * expanded to a square with FACE_INPUT.margin and clamped to the image, converts to gray (BT.601) and resamples to
 * size×size (area filter when shrinking, bilinear when enlarging). Returns row-major values in [0,1].
 */
export function cropFace(
  pixels: Uint8ClampedArray | Uint8Array, width: number, height: number, box: FaceBox | null, options: CropOptions = {},
): Float32Array {
  const channels = options.channels ?? 4;
  const size = options.size ?? FACE_INPUT.size;
  if (!(width > 0 && height > 0)) throw new Error(`cropFace: empty image ${width}×${height}`);
  const region = cropRegion(width, height, box, options);
  const cols = weights1d(region.x, region.width, size, width);
  const rows = weights1d(region.y, region.height, size, height);
  // Gray only the rows the crop reads (a video frame is much larger than the face).
  const y0 = Math.max(0, Math.floor(region.y) - 1), y1 = Math.min(height, Math.ceil(region.y + region.height) + 1);
  const gray = toGray(pixels.subarray(y0 * width * channels, y1 * width * channels), width, y1 - y0, channels);
  // Horizontal pass into [rowsUsed, size], then vertical pass into [size, size].
  const tmp = new Float32Array((y1 - y0) * size);
  for (let r = 0; r < y1 - y0; r++) {
    for (let o = 0; o < size; o++) {
      let v = 0;
      for (let k = 0; k < cols.taps; k++) v += cols.w[o * cols.taps + k] * gray[r * width + cols.idx[o * cols.taps + k]];
      tmp[r * size + o] = v;
    }
  }
  const out = new Float32Array(size * size);
  for (let o = 0; o < size; o++) {
    for (let c = 0; c < size; c++) {
      let v = 0;
      for (let k = 0; k < rows.taps; k++) v += rows.w[o * rows.taps + k] * tmp[(rows.idx[o * rows.taps + k] - y0) * size + c];
      out[o * size + c] = Math.min(1, Math.max(0, v));
    }
  }
  return out;
}
