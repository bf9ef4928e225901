/**
 * face-api's tiny face detector in Node (WASM backend) on a demo photo of the package, then our crop.
 * sample1.jpg (1920×1280): three people; only the woman on the right scores above 0.4 at input size 224.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { twoPeopleFrame as twoPeople } from '../helpers/two-people.ts';
import * as tf from '@tensorflow/tfjs';
import { FaceDetector } from '../../src/video/face-detector.ts';
import { cropFace, FACE_INPUT } from '../../src/video/face-crop.ts';

const pkg = dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json'));

test('tiny face detector finds the face in sample1.jpg and cropFace cuts it out', async () => {
  const detector = await FaceDetector.loadFromDisk();
  assert.equal(tf.getBackend(), 'wasm');
  const { data, info } = await sharp(join(pkg, 'demo', 'sample1.jpg')).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [1920, 1280]);
  const before = tf.memory().numTensors;
  const found = await detector.detect({ data, width: info.width, height: info.height });
  assert.equal(tf.memory().numTensors, before, 'detect() leaks no tensors');
  assert.ok(found, 'a face');
  assert.ok(found.score >= 0.4 && found.score <= 1, `score ${found.score}`);
  const { x, y, width, height } = found.box;
  // The right-hand face: centre around (1560, 320) in the full image, about 360 px wide.
  assert.ok(Math.abs(x + width / 2 - 1560) < 120 && Math.abs(y + height / 2 - 320) < 120, JSON.stringify(found.box));
  assert.ok(width > 200 && width < 600 && height > 200 && height < 600, JSON.stringify(found.box));

  // Same result from a tensor input (the int32 RGB layout face-api's readers produce).
  const tensor = tf.tidy(() => tf.tensor3d(new Uint8Array(data.buffer, data.byteOffset, data.length), [info.height, info.width, 4], 'int32').slice([0, 0, 0], [info.height, info.width, 3]) as tf.Tensor3D);
  const again = await detector.detect(tensor);
  tensor.dispose();
  assert.ok(again && Math.abs(again.box.x - x) < 1e-3 && Math.abs(again.score - found.score) < 1e-6);

  const crop = cropFace(data, info.width, info.height, found.box);
  assert.equal(crop.length, FACE_INPUT.size ** 2);
  let mean = 0;
  for (const v of crop) { assert.ok(Number.isFinite(v) && v >= 0 && v <= 1); mean += v / crop.length; }
  let variance = 0;
  for (const v of crop) variance += (v - mean) ** 2 / crop.length;
  // A face with hair and background: mid-gray on average, clearly textured (not a flat patch).
  assert.ok(mean > 0.15 && mean < 0.85, `mean ${mean}`);
  assert.ok(Math.sqrt(variance) > 0.05, `std ${Math.sqrt(variance)}`);

  // An empty (black) image has no face.
  const black = new Uint8Array(320 * 240 * 4);
  assert.equal(await detector.detect({ data: black, width: 320, height: 240 }), null);
  detector.dispose();
});


test('detectAll finds both people of a two-person frame, largest first; detect is its first', async () => {
  const detector = await FaceDetector.loadFromDisk();
  const image = await twoPeople();
  const before = tf.memory().numTensors;
  const all = await detector.detectAll(image);
  assert.equal(tf.memory().numTensors, before, 'detectAll() leaks no tensors');
  assert.equal(all.length, 2, JSON.stringify(all));
  const area = (d: (typeof all)[number]) => d.box.width * d.box.height;
  assert.ok(area(all[0]) >= area(all[1]));
  const centres = all.map((d) => d.box.x + d.box.width / 2).sort((p, q) => p - q);
  assert.ok(centres[0] < 320 && centres[1] > 320, `one face in each half: ${centres}`);
  const main = await detector.detect(image);
  assert.deepEqual(main, all[0]);
  assert.equal((await detector.detectAll(image, 1)).length, 1);
  detector.dispose();
});
