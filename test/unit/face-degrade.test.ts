import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FACE_DEGRADATIONS, blur, faceDegradation, jpeg, lowLight, occlude, rotate, smallFace, webcamDegrade } from '../../tools/train/face-degrade.ts';
import { mulberry32 } from '../../tools/train/random.ts';

const S = 48;
const image = (f: (x: number, y: number) => number) => Float32Array.from({ length: S * S }, (_, i) => f(i % S, Math.floor(i / S)));
const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
const std = (a: Float32Array) => { const m = mean(a); return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length); };
const checker = image((x, y) => ((x + y) % 2 ? 1 : 0));
const gradient = image((x) => x / (S - 1));

test('blur keeps a flat image, keeps the mean and removes pixel-level detail', () => {
  const flat = image(() => 0.4);
  assert.ok(blur(flat, 1.2).every((v) => Math.abs(v - 0.4) < 1e-6));
  const b = blur(checker, 1.5);
  assert.ok(Math.abs(mean(b) - mean(checker)) < 0.01);
  assert.ok(std(b) < 0.05 && std(checker) > 0.49, `std ${std(b)}`);
});

test('low light: gamma darkens the mid-tones and the gain multiplies the sensor noise', () => {
  const out = lowLight(image(() => 0.5), 0.25, 0.01, 1.3, mulberry32(3));
  // 0.5^1.3 = 0.406; noise σ 0.01 / 0.25 = 0.04 before gamma, × d(x^1.3)/dx at 0.5 = 1.06 after.
  assert.ok(Math.abs(mean(out) - 0.5 ** 1.3) < 0.01, `mean ${mean(out)}`);
  assert.ok(std(out) > 0.03 && std(out) < 0.055, `std ${std(out)}`);
});

test('a small face loses detail but keeps flat regions; rotation by 0 is the identity, by 90° turns a gradient', () => {
  assert.ok(std(smallFace(checker, 16)) < 0.06, "a 1-pixel pattern does not survive 16 pixels");
  assert.ok(smallFace(image(() => 0.7), 12).every((v) => Math.abs(v - 0.7) < 1e-6));
  assert.ok(rotate(gradient, 0).every((v, i) => Math.abs(v - gradient[i]) < 1e-6));
  const turned = rotate(gradient, 90);
  // After a quarter turn the values change along y and not along x (away from the clamped edges).
  const at = (x: number, y: number) => turned[y * S + x];
  assert.ok(Math.abs(at(10, 24) - at(30, 24)) < 0.02, 'constant along a row');
  assert.ok(Math.abs(at(24, 10) - at(24, 30)) > 0.3, 'varies along a column');
});

test('JPEG at quality 30 keeps a smooth image close; occluders cover their region only and are seeded', async () => {
  const j = await jpeg(gradient, 30);
  assert.equal(j.length, S * S);
  assert.ok(mean(j.map((v, i) => Math.abs(v - gradient[i]))) < 0.03);
  const a = occlude(gradient, 'hand', mulberry32(1)), b = occlude(gradient, 'hand', mulberry32(1));
  assert.deepEqual(a, b);
  const changed = a.reduce((n, v, i) => n + (Math.abs(v - gradient[i]) > 1e-6 ? 1 : 0), 0);
  assert.ok(changed > 100 && changed < S * S * 0.35, `${changed} pixels covered`);
  const topHalfChanged = a.subarray(0, (S * S) / 2).some((v, i) => Math.abs(v - gradient[i]) > 1e-6);
  assert.equal(topHalfChanged, false, 'a hand covers the lower face');
  const g = occlude(gradient, 'glasses', mulberry32(2));
  assert.ok(mean(g.subarray(14 * S, 26 * S)) < mean(gradient.subarray(14 * S, 26 * S)) - 0.05, 'glasses darken the eye rows');
});

test('named conditions are seeded and change the crop; unknown names are refused; the random webcam is seeded', async () => {
  const face = image((x, y) => 0.3 + 0.4 * Math.sin(x / 5) * Math.cos(y / 7));
  for (const [name, d] of Object.entries(FACE_DEGRADATIONS)) {
    const [x, y] = [await d.apply(face, 9), await d.apply(face, 9)];
    assert.deepEqual(x, y, `${name} is deterministic`);
    assert.equal(x.length, S * S);
    if (name !== 'none') assert.ok(mean(x.map((v, i) => Math.abs(v - face[i]))) > 0.005, `${name} changes the crop`);
  }
  assert.throws(() => faceDegradation('fog'), /unknown face --degrade "fog": one of none, dim, blur/);
  const [u, v, w] = [await webcamDegrade(face, mulberry32(4)), await webcamDegrade(face, mulberry32(4)), await webcamDegrade(face, mulberry32(5))];
  assert.deepEqual(u, v);
  assert.notDeepEqual(u, w);
});
