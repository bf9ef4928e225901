/**
 * BlazeFace (Human's models/blazeface.json) in Node on the WASM backend, on face-api's demo photos.
 * sample1.jpg (1920×1280): three people; BlazeFace finds all three, the woman on the right among them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { twoPeopleFrame as twoPeople } from '../helpers/two-people.ts';
import * as tf from '@tensorflow/tfjs';
import { BlazeFaceDetector, blazeFaceAnchors, type BlazeFaceDetection } from '../../src/video/blazeface.ts';

const pkg = dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json'));


const centre = (d: BlazeFaceDetection) => ({ x: d.box.x + d.box.width / 2, y: d.box.y + d.box.height / 2 });
const inside = (p: { x: number; y: number }, d: BlazeFaceDetection) =>
  p.x >= d.box.x && p.x <= d.box.x + d.box.width && p.y >= d.box.y && p.y <= d.box.y + d.box.height;

test('anchors: 16×16×2 then 8×8×6 centres for the 256 input', () => {
  const a = blazeFaceAnchors(256);
  assert.equal(a.length, 896 * 2);
  assert.deepEqual([a[0], a[1], a[2], a[3], a[4]], [8, 8, 8, 8, 24]); // two anchors per stride-16 cell
  assert.deepEqual([a[512 * 2], a[512 * 2 + 1]], [16, 16]); // first stride-32 cell
});

test('BlazeFace finds the right-hand face in sample1.jpg, from pixels and from a tensor; nothing in black', async () => {
  const detector = await BlazeFaceDetector.loadFromDisk();
  assert.equal(tf.getBackend(), 'wasm');
  const { data, info } = await sharp(join(pkg, 'demo', 'sample1.jpg')).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [1920, 1280]);
  const before = tf.memory().numTensors;
  const all = await detector.detectAll({ data, width: info.width, height: info.height });
  assert.equal(tf.memory().numTensors, before, 'detectAll() leaks no tensors');
  // All three people of the photo; the woman on the right: centre around (1560, 320).
  assert.equal(all.length, 3, JSON.stringify(all.map((d) => d.box)));
  const right = all.find((d) => Math.abs(centre(d).x - 1560) < 120 && Math.abs(centre(d).y - 320) < 120);
  assert.ok(right, JSON.stringify(all.map((d) => d.box)));
  assert.ok(right.score >= 0.5 && right.score <= 1, `score ${right.score}`);
  // BlazeFace's box is tight (brows to chin): about 150 px here, where face-api's tiny detector gives ~360.
  assert.ok(right.box.width > 100 && right.box.width < 400 && right.box.height > 100 && right.box.height < 400, JSON.stringify(right.box));
  for (const d of all) {
    assert.equal(d.landmarks.length, 6);
    assert.ok(d.box.x >= 0 && d.box.y >= 0 && d.box.x + d.box.width <= info.width && d.box.y + d.box.height <= info.height);
  }
  const areas = all.map((d) => d.box.width * d.box.height);
  assert.deepEqual(areas, [...areas].sort((p, q) => q - p), 'largest first');

  // Same result from an int32 RGB tensor.
  const tensor = tf.tidy(() => tf.tensor3d(new Uint8Array(data.buffer, data.byteOffset, data.length), [info.height, info.width, 4], 'int32').slice([0, 0, 0], [info.height, info.width, 3]) as tf.Tensor3D);
  const again = await detector.detectAll(tensor);
  tensor.dispose();
  assert.equal(again.length, all.length);
  for (const [i, d] of again.entries()) assert.ok(Math.abs(d.box.x - all[i].box.x) < 1e-3 && Math.abs(d.score - all[i].score) < 1e-5);
  assert.deepEqual(await detector.detect({ data, width: info.width, height: info.height }), all[0]);

  const black = new Uint8Array(640 * 480 * 4);
  assert.deepEqual(await detector.detectAll({ data: black, width: 640, height: 480 }), []);
  assert.equal(await detector.detect({ data: black, width: 640, height: 480 }), null);
  assert.equal(tf.memory().numTensors, before);
  detector.dispose();
});

test('BlazeFace finds both people of a two-person frame; eyes inside the box, in its upper half', async () => {
  const detector = await BlazeFaceDetector.loadFromDisk();
  const image = await twoPeople();
  const before = tf.memory().numTensors;
  const all = await detector.detectAll(image);
  assert.equal(tf.memory().numTensors, before, 'detectAll() leaks no tensors');
  assert.equal(all.length, 2, JSON.stringify(all.map((d) => d.box)));
  const [left, right] = [...all].sort((p, q) => centre(p).x - centre(q).x);
  assert.ok(centre(left).x < 320 && centre(right).x > 320, 'one face in each half');
  for (const d of all) {
    const [rightEye, leftEye] = d.landmarks;
    assert.ok(inside(rightEye, d) && inside(leftEye, d), JSON.stringify(d));
    // The subject's right eye is on the image's left.
    assert.ok(rightEye.x < leftEye.x, JSON.stringify(d.landmarks));
    // sample1's woman tilts her head by ~40°, so only the point between the eyes is above the box's middle there.
    assert.ok((rightEye.y + leftEye.y) / 2 < centre(d).y, JSON.stringify(d));
  }
  // sample3's woman (right half) holds her head upright: both eyes in the upper half.
  assert.ok(right.landmarks[0].y < centre(right).y && right.landmarks[1].y < centre(right).y, JSON.stringify(right));
  assert.equal((await detector.detectAll(image, 1)).length, 1);
  detector.dispose();
});
