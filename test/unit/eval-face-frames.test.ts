import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { embedFaceImages, loadFaceEncoder } from '../../tools/node/models.ts';

test('full frames (CK+ style) are cropped around the detected face; frames without a face are counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emolens-frames-'));
  const photo = 'node_modules/@vladmandic/face-api/demo/sample1.jpg'; // 1920×1280, the detector finds a face
  const blank = join(dir, 'blank.png');
  await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toFile(blank);
  const small = join(dir, 'small.png'); // FER-sized: taken whole, no detection
  await sharp({ create: { width: 48, height: 48, channels: 3, background: { r: 90, g: 90, b: 90 } } }).grayscale().png().toFile(small);
  const encoder = await loadFaceEncoder();
  const out = await embedFaceImages(encoder, [photo, blank, small]);
  encoder.dispose();
  assert.equal(out.embeddings.length, 3);
  assert.equal(out.facesNotFound, 1, 'only the blank frame has no face');
  for (const p of out.probs) assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-4);
});
