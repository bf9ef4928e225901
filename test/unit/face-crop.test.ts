import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropFace, cropRegion, FACE_INPUT, toGray } from '../../src/video/face-crop.ts';

const S = FACE_INPUT.size;

/** RGBA image filled with `rgb`, with an optional axis-aligned rectangle of another colour. */
function rgba(width: number, height: number, rgb: [number, number, number], rect?: { x: number; y: number; w: number; h: number; rgb: [number, number, number] }): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = rect && x >= rect.x && x < rect.x + rect.w && y >= rect.y && y < rect.y + rect.h;
      const c = inside ? rect!.rgb : rgb;
      out.set([c[0], c[1], c[2], 255], (y * width + x) * 4);
    }
  }
  return out;
}

function centroid(img: Float32Array, size = S): { x: number; y: number; mass: number } {
  let mass = 0, x = 0, y = 0;
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) { const v = img[r * size + c]; mass += v; x += v * (c + 0.5); y += v * (r + 0.5); }
  return { x: x / mass, y: y / mass, mass };
}

test('a bright square inside the detector box lands centred in the crop', () => {
  const img = rgba(200, 120, [0, 0, 0], { x: 120, y: 50, w: 40, h: 40, rgb: [255, 255, 255] });
  const crop = cropFace(img, 200, 120, { x: 120, y: 50, width: 40, height: 40 }, { margin: 1.5, shiftY: 0 });
  assert.equal(crop.length, S * S);
  const c = centroid(crop);
  assert.ok(Math.abs(c.x - S / 2) < 0.5 && Math.abs(c.y - S / 2) < 0.5, `centroid ${c.x},${c.y}`);
  // The square covers the middle 2/3 of the crop: bright centre, dark corners, area ≈ (2/3)² of the crop.
  assert.ok(crop[(S / 2) * S + S / 2] > 0.99);
  assert.ok(crop[0] < 0.01 && crop[S * S - 1] < 0.01);
  assert.ok(Math.abs(c.mass / (S * S) - 4 / 9) < 0.02, `bright fraction ${c.mass / (S * S)}`);
});

test('the default margin and shift are applied around the box', () => {
  const region = cropRegion(1000, 1000, { x: 400, y: 400, width: 200, height: 100 });
  assert.equal(region.width, 200 * FACE_INPUT.margin);
  assert.equal(region.height, region.width);
  assert.ok(Math.abs(region.x + region.width / 2 - 500) < 1e-9);
  assert.ok(Math.abs(region.y + region.height / 2 - (450 + FACE_INPUT.shiftY * 100)) < 1e-9);
});

test('gray conversion uses BT.601 luma for pure red, green and blue', () => {
  for (const [rgb, expected] of [[[255, 0, 0], 0.299], [[0, 255, 0], 0.587], [[0, 0, 255], 0.114], [[255, 255, 255], 1]] as const) {
    const crop = cropFace(rgba(8, 8, [...rgb]), 8, 8, null);
    for (const v of crop) assert.ok(Math.abs(v - expected) < 1e-6, `${rgb} → ${v}`);
  }
  assert.deepEqual(Array.from(toGray(new Uint8Array([0, 51, 255]), 3, 1, 1)), [0, Math.fround(0.2), 1]);
});

test('a 48×48 image with box = null is returned unchanged (FER2013 case), gray or RGBA', () => {
  const gray = new Uint8Array(S * S).map((_, i) => (i * 37 + 11) % 256);
  const crop = cropFace(gray, S, S, null, { channels: 1 });
  gray.forEach((v, i) => assert.ok(Math.abs(crop[i] - v / 255) < 1e-6, `pixel ${i}`));
  const rgbaImg = new Uint8ClampedArray(S * S * 4);
  gray.forEach((v, i) => rgbaImg.set([v, v, v, 255], i * 4));
  const crop4 = cropFace(rgbaImg, S, S, null);
  gray.forEach((v, i) => assert.ok(Math.abs(crop4[i] - v / 255) < 1e-6));
});

test('downscaling averages areas instead of aliasing', () => {
  // A 1-pixel checkerboard shrunk 10×: point sampling would give 0s and 1s, area filtering gives ~0.5 everywhere.
  const n = S * 10;
  const board = new Uint8Array(n * n).map((_, i) => ((i % n) + Math.floor(i / n)) % 2 ? 255 : 0);
  const crop = cropFace(board, n, n, null, { channels: 1 });
  for (const v of crop) assert.ok(Math.abs(v - 0.5) < 0.01, `${v}`);
  // Non-integer ratio too (shrink 467 → 48).
  const odd = 467;
  const board2 = new Uint8Array(odd * odd).map((_, i) => ((i % odd) + Math.floor(i / odd)) % 2 ? 255 : 0);
  for (const v of cropFace(board2, odd, odd, null, { channels: 1 })) assert.ok(Math.abs(v - 0.5) < 0.02, `${v}`);
});

test('boxes at or beyond the borders are clamped into the image, keeping a square', () => {
  const W = 100, H = 80;
  for (const box of [
    { x: -10, y: -10, width: 30, height: 30 }, { x: 85, y: 70, width: 30, height: 30 },
    { x: -500, y: -500, width: 2000, height: 2000 }, { x: 50, y: -40, width: 20, height: 60 },
  ]) {
    const r = cropRegion(W, H, box);
    assert.ok(r.x >= 0 && r.y >= 0 && r.x + r.width <= W + 1e-9 && r.y + r.height <= H + 1e-9, JSON.stringify(r));
    assert.equal(r.width, r.height);
    assert.ok(r.width <= Math.min(W, H));
  }
  // A bright top-left corner stays in the top-left of a crop clamped there.
  const img = rgba(W, H, [0, 0, 0], { x: 0, y: 0, w: 10, h: 10, rgb: [255, 255, 255] });
  const crop = cropFace(img, W, H, { x: -10, y: -10, width: 30, height: 30 }, { margin: 1, shiftY: 0 });
  assert.ok(crop[0] > 0.99 && crop[S * S - 1] < 0.01);
  const c = centroid(crop);
  assert.ok(c.x < S / 2 && c.y < S / 2);
});

test('no NaN and values stay in [0,1] for odd boxes, sizes and channels', () => {
  let seed = 7;
  const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  for (let k = 0; k < 40; k++) {
    const W = 1 + Math.floor(rand() * 300), H = 1 + Math.floor(rand() * 300);
    const channels = ([1, 3, 4] as const)[k % 3];
    const pixels = new Uint8Array(W * H * channels).map(() => Math.floor(rand() * 256));
    const box = k % 5 === 0 ? null : { x: rand() * W * 1.2 - W * 0.1, y: rand() * H * 1.2 - H * 0.1, width: rand() * W + 0.01, height: rand() * H + 0.01 };
    const crop = cropFace(pixels, W, H, box, { channels });
    assert.equal(crop.length, S * S);
    for (const v of crop) assert.ok(Number.isFinite(v) && v >= 0 && v <= 1, `W=${W} H=${H} ch=${channels} box=${JSON.stringify(box)} v=${v}`);
  }
});
