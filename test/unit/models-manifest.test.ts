import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildManifest } from '../../tools/write-manifest.ts';

test('public/models/manifest.json matches the model files (run `npx tsx tools/write-manifest.ts` after changing a model)', () => {
  const committed = JSON.parse(readFileSync('public/models/manifest.json', 'utf8'));
  assert.deepEqual(committed, buildManifest('public/models'));
  for (const required of ['text-encoder/onnx/model.onnx', 'text-head/model.json', 'audio-encoder/model.json', 'face-encoder/model.json', 'fusion/model.json']) {
    assert.ok(committed.files[required], `${required} is in the manifest`);
  }
});
