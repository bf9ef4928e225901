import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, chooseBackend, isBackendName } from '../../src/runtime/backend.ts';

test('falls through the order, reporting why each skipped backend could not run', async () => {
  // Node has no navigator.gpu and no canvas: webgpu and webgl are skipped with reasons, cpu runs.
  const choice = await chooseBackend({ order: ['webgpu', 'webgl', 'cpu'] });
  assert.equal(choice.backend, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.deepEqual(choice.skipped.map((s) => s.backend), ['webgpu', 'webgl']);
  assert.match(choice.skipped[0].reason, /navigator\.gpu/);
  assert.ok(choice.skipped[1].reason.length > 0);
});

test('a forced backend that cannot start is an error that says why', async () => {
  await assert.rejects(chooseBackend({ backend: 'webgpu' }), (e: Error) => e instanceof BackendUnavailableError && /"webgpu" is not available: navigator\.gpu/.test(e.message));
});

test('a forced backend that can start is used, with nothing skipped', async () => {
  const choice = await chooseBackend({ backend: 'wasm' });
  assert.deepEqual(choice, { backend: 'wasm', skipped: [] });
  assert.equal(tf.getBackend(), 'wasm');
});

test('backend names are validated', () => {
  assert.ok(isBackendName('webgpu'));
  assert.ok(!isBackendName('metal'));
  assert.ok(!isBackendName(null));
});
