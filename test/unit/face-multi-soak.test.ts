/**
 * Two people for 2,000 frames through the page's per-frame face path in Node (tiny face detector on WASM, cropFace,
 * the shipped face encoder, FaceTracks): the tensor count stays flat and the two people keep their two ids.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { FaceDetector } from '../../src/video/face-detector.ts';
import { cropFace } from '../../src/video/face-crop.ts';
import { FaceTracks } from '../../src/video/face-tracks.ts';
import { loadFaceEncoder } from '../../tools/node/models.ts';
import { twoPeopleFrame } from '../helpers/two-people.ts';

const FRAMES = 2000;

test(`${FRAMES} two-person frames: flat tensor count, two stable track ids`, { timeout: 600_000 }, async () => {
  const detector = await FaceDetector.loadFromDisk();
  const encoder = await loadFaceEncoder();
  const { data, ...info } = await twoPeopleFrame();
  // A little sensor noise, different in successive frames, so the detector does not see the very same pixels each time.
  const noisy = [0, 1, 2, 3].map((k) => Uint8Array.from(data, (v, i) => (i % 4 === 3 ? v : Math.max(0, Math.min(255, v + ((k * 31 + i) % 7) - 3)))));
  const tracks = new FaceTracks();
  const ids = new Set<number>();
  let before = 0, twoFaces = 0;
  const started = performance.now();
  for (let f = 0; f < FRAMES; f++) {
    const frame = noisy[f % noisy.length];
    const found = await detector.detectAll({ data: frame, width: info.width, height: info.height }, 4);
    const embedded = await encoder.embed(found.map((d) => cropFace(frame, info.width, info.height, d.box)));
    for (const id of tracks.update(found.map((d) => d.box), f * 100, embedded.map((e) => e.embedding))) ids.add(id);
    if (found.length === 2) twoFaces++;
    // Counted from the tenth frame: the first ones allocate what lives as long as the models do.
    if (f === 9) before = tf.memory().numTensors;
  }
  const after = tf.memory().numTensors;
  console.log(`${FRAMES} frames in ${((performance.now() - started) / 1000).toFixed(0)} s; both faces in ${twoFaces}; ids ${[...ids]}; tensors ${before} -> ${after}`);
  assert.equal(after, before, 'no tensor left behind by the frames');
  assert.ok(twoFaces >= FRAMES * 0.95, `both faces found in ${twoFaces} of ${FRAMES} frames`);
  assert.equal(ids.size, 2, `track ids ${[...ids]}`);
  encoder.dispose();
  detector.dispose();
});
