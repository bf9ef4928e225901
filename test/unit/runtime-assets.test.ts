import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { AssetError, AssetLoader, type AssetCache, type ProgressEvent } from '../../src/runtime/assets.ts';
import { writeManifest } from '../../tools/write-manifest.ts';
import { diskSaver } from '../../tools/train/tfjs-disk.ts';

let server: Server, base: string;
const root = mkdtempSync(join(tmpdir(), 'emolens-assets-'));

before(async () => {
  await tf.setBackend('cpu');
  mkdirSync(join(root, 'tiny'), { recursive: true });
  const input = tf.input({ shape: [3] });
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, kernelInitializer: 'ones' }).apply(input) as tf.SymbolicTensor });
  await model.save(diskSaver(join(root, 'tiny')));
  writeFileSync(join(root, 'a.bin'), Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251)));
  writeFileSync(join(root, 'b.bin'), Buffer.from('hello world'));
  writeFileSync(join(root, 'c.bin'), Buffer.from('0123456789'));
  writeFileSync(join(root, 'gone.bin'), Buffer.from('soon missing'));
  writeManifest(root);
  // After the manifest: damage b (same size, other bytes), truncate c, delete gone, add an unlisted file.
  writeFileSync(join(root, 'b.bin'), Buffer.from('hellO world'));
  writeFileSync(join(root, 'c.bin'), Buffer.from('01234'));
  writeFileSync(join(root, 'gone.bin'), '');
  server = createServer((req, res) => {
    const file = join(root, decodeURIComponent(req.url!.replace(/^\/models\//, '')));
    if (req.url!.includes('gone') || !existsSync(file)) { res.statusCode = 404; res.end(); return; }
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/models/`;
});
after(() => server.close());

test('a listed, intact file loads with progress events', async () => {
  const events: ProgressEvent[] = [];
  const loader = new AssetLoader(base, (e) => events.push(e));
  const bytes = new Uint8Array(await loader.fetchVerified('a.bin'));
  assert.equal(bytes.length, 5000);
  assert.equal(bytes[260], 260 % 251);
  assert.equal(events[0].status, 'initiate');
  assert.equal(events.at(-1)!.status, 'done');
  assert.equal(events.at(-1)!.loaded, 5000);
});

test('corrupt, truncated, missing and unlisted files fail with errors naming the file', async () => {
  const loader = new AssetLoader(base);
  await assert.rejects(loader.fetchVerified('b.bin'), (e: Error) => e instanceof AssetError && /"b\.bin".*corrupt/.test(e.message));
  await assert.rejects(loader.fetchVerified('c.bin'), (e: Error) => /"c\.bin" is 5 bytes, the manifest expects 10/.test(e.message));
  await assert.rejects(loader.fetchVerified('gone.bin'), (e: Error) => /"gone\.bin" is missing \(HTTP 404/.test(e.message));
  await assert.rejects(loader.fetchVerified('other.bin'), (e: Error) => /"other\.bin" is not listed in manifest\.json/.test(e.message));
  await assert.rejects(new AssetLoader(base.replace('/models/', '/nothing/')).loadManifest(), /manifest\.json/);
});

test('a tfjs model loads through the verifying handler', async () => {
  const model = await tf.loadLayersModel(new AssetLoader(base).layersModelHandler('tiny'));
  const y = model.predict(tf.tensor2d([[1, 2, 3]])) as tf.Tensor;
  assert.deepEqual(Array.from(await y.data()), [6, 6]);
});

test('the Transformers.js fetch verifies model files and refuses other origins', async () => {
  const loader = new AssetLoader(base);
  const ok = await loader.verifiedFetch(`${base}a.bin`);
  assert.equal((await ok.arrayBuffer()).byteLength, 5000);
  assert.equal((await loader.verifiedFetch(`${base}not-there.json`)).status, 404);
  await assert.rejects(loader.verifiedFetch(`${base}b.bin`), /corrupt/);
  await assert.rejects(loader.verifiedFetch('https://huggingface.co/x/config.json'), /another origin/);
});

test('the onnxruntime-web WASM binary the page checks is the one Transformers.js\'s web build loads', async () => {
  const { readFileSync } = await import('node:fs');
  const { ORT_WASM_FILE } = await import('../../src/text/env.ts');
  const transformers = readFileSync('node_modules/@huggingface/transformers/dist/transformers.web.js', 'utf8');
  assert.match(transformers, /from "onnxruntime-web\/webgpu"/);
  const ort = readFileSync('node_modules/onnxruntime-web/dist/ort.webgpu.bundle.min.mjs', 'utf8');
  assert.ok(ort.includes(ORT_WASM_FILE), `${ORT_WASM_FILE} is named in ort.webgpu.bundle.min.mjs`);
});

test('Node loads the shipped models through the same checks: a corrupt weight file on disk is refused by name', async () => {
  const { cpSync } = await import('node:fs');
  const { loadAudioEncoder } = await import('../../tools/node/models.ts');
  const dir = mkdtempSync(join(tmpdir(), 'emolens-models-'));
  cpSync('public/models/audio-encoder', join(dir, 'audio-encoder'), { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), readFileSync('public/models/manifest.json'));
  const encoder = await loadAudioEncoder(dir);
  assert.equal(encoder.dim, 64);
  encoder.dispose();
  const weights = readFileSync(join(dir, 'audio-encoder/weights.bin'));
  weights[100] ^= 0xff;
  const damaged = mkdtempSync(join(tmpdir(), 'emolens-models-'));
  cpSync(dir, damaged, { recursive: true });
  writeFileSync(join(damaged, 'audio-encoder/weights.bin'), weights);
  await assert.rejects(loadAudioEncoder(damaged), (e: unknown) => e instanceof AssetError && /Model file "audio-encoder\/weights.bin" is corrupt/.test(e.message));
});

test('model bundles: each text encoder names its head and fusion, and a wrong pairing fails at load, by name', async () => {
  const { modelsLoader } = await import('../../tools/node/models.ts');
  const { readBundle } = await import('../../src/runtime/bundles.ts');
  const { TextEmotionEncoder } = await import('../../src/text/encoder.ts');
  const { configureTransformers } = await import('../../src/text/env.ts');
  const loader = modelsLoader('public/models');
  assert.deepEqual(await readBundle(loader, 'text-encoder', { fusion: true }), { text: 'text-encoder', head: 'text-head', fusion: 'fusion', audio: 'audio-encoder', face: 'face-encoder' });
  assert.equal((await readBundle(loader, 'text-encoder-compact', { fusion: false })).head, 'text-head-compact');
  await assert.rejects(readBundle(loader, 'text-encoder-compact', { fusion: true }), /no fusion in this build was trained on its embeddings/);
  await assert.rejects(readBundle(loader, 'Xenova/all-MiniLM-L6-v2', { fusion: false }), /"Xenova\/all-MiniLM-L6-v2" is not in bundles.json \(known: text-encoder, text-encoder-compact\)/);
  // The compact encoder's head on the shipped encoder: refused when it loads, not as NaN in a turn.
  configureTransformers({ localModelPath: 'public/models/' });
  await assert.rejects(TextEmotionEncoder.load({ model: 'text-encoder', head: loader.layersModelHandler('text-head-compact') }), /the head reads \d+-d pooled features, encoder "text-encoder" gives 512-d/);
});

test('the cache: a verified file is kept under its hash and read back without a request; a damaged copy is fetched again and replaced', async () => {
  // The Cache API is the browser's (e2e/cache.spec.ts); here the same AssetCache contract over a Map.
  const store = new Map<string, ArrayBuffer>();
  const cache: AssetCache = { get: async (k) => store.get(k), put: async (k, b) => { store.set(k, b.slice(0)); }, delete: async (k) => { store.delete(k); } };
  let requests = 0;
  const counting: typeof fetch = (...args) => { requests++; return fetch(...args); };
  const first = new AssetLoader(base, undefined, counting, undefined, cache);
  const bytes = new Uint8Array(await first.fetchVerified('a.bin'));
  const manifestRequests = requests; // manifest.json + a.bin
  assert.equal(store.size, 1);
  const sha = [...store.keys()][0];
  assert.equal(sha, (await first.loadManifest()).files['a.bin'].sha256);

  const second = new AssetLoader(base, undefined, counting, undefined, cache);
  assert.deepEqual(new Uint8Array(await second.fetchVerified('a.bin')), bytes);
  assert.equal(requests, manifestRequests + 1, 'only the manifest was fetched again');
  assert.deepEqual(second.cacheStats, { hits: 1, misses: 0, replaced: 0, files: { 'a.bin': 'cache' } });

  // Damaged in the cache (same length, other bytes): dropped, fetched, cached right again.
  store.set(sha, new Uint8Array(bytes.length).fill(1).buffer);
  const third = new AssetLoader(base, undefined, counting, undefined, cache);
  assert.deepEqual(new Uint8Array(await third.fetchVerified('a.bin')), bytes);
  assert.deepEqual(third.cacheStats, { hits: 0, misses: 1, replaced: 1, files: { 'a.bin': 'network' } });
  assert.deepEqual(new Uint8Array(store.get(sha)!), bytes);

  // A corrupt download is never cached; a cache that cannot store (quota) does not fail the load.
  await assert.rejects(third.fetchVerified('b.bin'), AssetError);
  assert.equal(store.size, 1);
  const full: AssetCache = { ...cache, put: async () => { throw new DOMException('quota', 'QuotaExceededError'); } };
  assert.equal((await new AssetLoader(base, undefined, undefined, undefined, full).fetchVerified('tiny/model.json')).byteLength > 0, true);
});
