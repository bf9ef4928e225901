/**
 * What a real webcam does to a face crop: low light (a dim scene brightened by the camera's gain, which brings up
 * sensor noise), defocus blur, JPEG compression, a small face (few pixels, upscaled), a tilted head, and a hand or
 * glasses in front of the face. Crops are the encoder's 48×48 gray input, values 0..1 (cropFace's output).
 *
 * `FACE_DEGRADATIONS` are fixed, named settings for evaluation; `webcamDegrade` draws a random mix of them (seeded)
 * for training material. Node only (JPEG goes through sharp).
 */
import sharp from 'sharp';
import { gauss, uniform } from './augment.ts';
import { mulberry32, type Rng } from './random.ts';

export const CROP_SIDE = 48;
const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/**
 * A scene `level` times as bright as normal, brightened back by the camera's gain: the signal comes back, the
 * sensor's read noise (σ, in units of full scale before the gain) is multiplied by 1/level, and gamma darkens the
 * mid-tones the gain does not fully restore.
 */
export function lowLight(crop: Float32Array, level: number, noiseStd: number, gamma: number, rng: Rng): Float32Array {
  return crop.map((v) => clamp01((Math.round(255 * clamp01(v * level + noiseStd * gauss(rng))) / 255 / level) ** gamma));
}

/** Separable Gaussian blur (σ in pixels), edges clamped. */
export function blur(crop: Float32Array, sigma: number, side = CROP_SIDE): Float32Array {
  if (sigma <= 0) return crop.slice();
  const radius = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)));
  const sum = kernel.reduce((a, b) => a + b, 0);
  const pass = (src: Float32Array, horizontal: boolean): Float32Array => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) {
        const xx = horizontal ? Math.min(side - 1, Math.max(0, x + k)) : x, yy = horizontal ? y : Math.min(side - 1, Math.max(0, y + k));
        acc += src[yy * side + xx] * kernel[k + radius];
      }
      out[y * side + x] = acc / sum;
    }
    return out;
  };
  return pass(pass(crop, true), false);
}

/** Bilinear sample of a side×side image at (x, y), edges clamped. */
function sample(src: Float32Array, x: number, y: number, side: number): number {
  const cx = Math.min(side - 1, Math.max(0, x)), cy = Math.min(side - 1, Math.max(0, y));
  const x0 = Math.floor(cx), y0 = Math.floor(cy), x1 = Math.min(side - 1, x0 + 1), y1 = Math.min(side - 1, y0 + 1);
  const fx = cx - x0, fy = cy - y0;
  return (src[y0 * side + x0] * (1 - fx) + src[y0 * side + x1] * fx) * (1 - fy) + (src[y1 * side + x0] * (1 - fx) + src[y1 * side + x1] * fx) * fy;
}

/** A face `pixels` wide in the camera image: box-averaged down to pixels×pixels, then bilinearly back to 48×48. */
export function smallFace(crop: Float32Array, pixels: number, side = CROP_SIDE): Float32Array {
  const small = new Float32Array(pixels * pixels);
  const scale = side / pixels;
  for (let y = 0; y < pixels; y++) for (let x = 0; x < pixels; x++) {
    let acc = 0, n = 0;
    for (let yy = Math.floor(y * scale); yy < Math.min(side, Math.ceil((y + 1) * scale)); yy++) {
      for (let xx = Math.floor(x * scale); xx < Math.min(side, Math.ceil((x + 1) * scale)); xx++) { acc += crop[yy * side + xx]; n++; }
    }
    small[y * pixels + x] = acc / n;
  }
  const out = new Float32Array(side * side);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) out[y * side + x] = sample(small, (x + 0.5) / scale - 0.5, (y + 0.5) / scale - 0.5, pixels);
  return out;
}

/** The crop rotated by `degrees` about its centre (bilinear, edges clamped): a tilted head. */
export function rotate(crop: Float32Array, degrees: number, side = CROP_SIDE): Float32Array {
  const a = (degrees * Math.PI) / 180, cos = Math.cos(a), sin = Math.sin(a), c = (side - 1) / 2;
  const out = new Float32Array(side * side);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) {
    const dx = x - c, dy = y - c;
    out[y * side + x] = sample(crop, c + cos * dx + sin * dy, c - sin * dx + cos * dy, side);
  }
  return out;
}

/**
 * Something in front of the face: 'hand' is a skin-gray blob over the lower face (mouth or chin), 'glasses' a dark
 * band with two lenses over the eyes.
 */
export function occlude(crop: Float32Array, kind: 'hand' | 'glasses', rng: Rng, side = CROP_SIDE): Float32Array {
  const out = crop.slice();
  if (kind === 'glasses') {
    const row = Math.round(side * uniform(rng, 0.36, 0.44)), tone = uniform(rng, 0.05, 0.25);
    for (const cx of [side * 0.32, side * 0.68]) {
      for (let y = row - 5; y <= row + 5; y++) for (let x = Math.round(cx - 8); x <= Math.round(cx + 8); x++) {
        if (((x - cx) / 8) ** 2 + ((y - row) / 5) ** 2 <= 1) out[y * side + x] = tone + 0.3 * out[y * side + x];
      }
    }
    for (let x = Math.round(side * 0.32); x <= Math.round(side * 0.68); x++) out[(row - 3) * side + x] = tone;
    return out;
  }
  const cx = side * uniform(rng, 0.3, 0.7), cy = side * uniform(rng, 0.7, 0.9), rx = side * uniform(rng, 0.18, 0.3), ry = side * uniform(rng, 0.12, 0.2);
  const tone = uniform(rng, 0.45, 0.8);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) {
    if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) out[y * side + x] = clamp01(tone + 0.03 * gauss(rng));
  }
  return out;
}

/** JPEG round trip at `quality` (1–100), as a webcam stream or a video call compresses frames. */
export async function jpeg(crop: Float32Array, quality: number, side = CROP_SIDE): Promise<Float32Array> {
  const raw = Buffer.from(Uint8Array.from(crop, (v) => Math.round(255 * clamp01(v))));
  const encoded = await sharp(raw, { raw: { width: side, height: side, channels: 1 } }).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
  const { data } = await sharp(encoded).greyscale().raw().toBuffer({ resolveWithObject: true });
  return Float32Array.from(data.subarray(0, side * side), (v) => v / 255);
}

export interface FaceDegradation {
  about: string;
  apply: (crop: Float32Array, seed: number) => Promise<Float32Array>;
}

/** Named camera conditions (fixed settings; the seed only draws the noise and where an occluder sits). */
export const FACE_DEGRADATIONS: Record<string, FaceDegradation> = {
  none: { about: 'the crop as it is', apply: async (crop) => crop },
  dim: {
    about: 'a dim, noisy webcam: a scene at 25 % light brought up by gain (sensor noise σ 0.01), gamma 1.3, blur σ 0.8 px, JPEG quality 30',
    apply: async (crop, seed) => jpeg(blur(lowLight(crop, 0.25, 0.01, 1.3, mulberry32(seed)), 0.8), 30),
  },
  blur: { about: 'out of focus: Gaussian blur σ 1.5 px', apply: async (crop) => blur(crop, 1.5) },
  small: { about: 'a face 16 pixels wide in the camera image, upscaled', apply: async (crop) => smallFace(crop, 16) },
  tilted: { about: 'the head tilted by 20°', apply: async (crop) => rotate(crop, 20) },
  hand: { about: 'a hand over the mouth or chin', apply: async (crop, seed) => occlude(crop, 'hand', mulberry32(seed)) },
  glasses: { about: 'dark glasses', apply: async (crop, seed) => occlude(crop, 'glasses', mulberry32(seed)) },
};

export function faceDegradation(name: string): FaceDegradation {
  const d = Object.hasOwn(FACE_DEGRADATIONS, name) ? FACE_DEGRADATIONS[name] : undefined;
  if (!d) throw new Error(`unknown face --degrade "${name}": one of ${Object.keys(FACE_DEGRADATIONS).join(', ')}`);
  return d;
}

/**
 * A random webcam (training material): each effect on with some probability and a random strength, so that crops
 * range from mildly to badly degraded; at least one effect always applies.
 */
export async function webcamDegrade(crop: Float32Array, rng: Rng): Promise<Float32Array> {
  let x = crop;
  const effects = [rng() < 0.6, rng() < 0.5, rng() < 0.3, rng() < 0.3, rng() < 0.25, rng() < 0.6];
  if (!effects.some(Boolean)) effects[Math.floor(rng() * effects.length)] = true;
  const [dark, soft, small, tilt, cover, compress] = effects;
  if (dark) x = lowLight(x, uniform(rng, 0.15, 0.6), uniform(rng, 0.004, 0.015), uniform(rng, 1, 1.5), rng);
  if (small) x = smallFace(x, Math.round(uniform(rng, 12, 24)));
  if (tilt) x = rotate(x, uniform(rng, -20, 20));
  if (soft) x = blur(x, uniform(rng, 0.5, 1.6));
  if (cover) x = occlude(x, rng() < 0.6 ? 'hand' : 'glasses', rng);
  if (compress) x = await jpeg(x, Math.round(uniform(rng, 15, 50)));
  return x;
}
