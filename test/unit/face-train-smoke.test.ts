/**
 * The whole face pipeline on a tiny generated FER-style tree with FER+ votes: prepare-faces (TypeScript cropFace,
 * vote distributions, webcam-degraded copies) → train_face.py --smoke (2 PyTorch steps on labels, votes and
 * degraded copies) → export-face (tfjs
 * LayersModel) → FaceEncoder in tfjs: shapes, softmax, parity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { readTensor } from '../../tools/train/store.ts';
import { diskLoader } from '../../tools/train/tfjs-disk.ts';
import { prepareFaces, writeCameraCopies } from '../../tools/train/prepare-faces.ts';
import { exportFace } from '../../tools/train/export-face.ts';
import { FaceEncoder } from '../../src/video/face-encoder.ts';

const FER_FOLDERS = ['angry', 'disgust', 'fear', 'happy', 'neutral', 'sad', 'surprise'];

test('prepare → train (2 steps) → export → tfjs encoder', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'face-smoke-'));
  try {
    // 3 train + 1 validation 48×48 gray JPEGs per label; each label its own brightness pattern.
    let seed = 1;
    const rand = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
    for (const [split, n] of [['train', 3], ['validation', 1]] as const) {
      for (const [k, folder] of FER_FOLDERS.entries()) {
        mkdirSync(join(root, 'fer', split, folder), { recursive: true });
        for (let i = 0; i < n; i++) {
          const px = Buffer.from(Array.from({ length: 48 * 48 }, (_, p) => Math.floor(30 * k + 40 * rand() + (p % 48) * 2)));
          await sharp(px, { raw: { width: 48, height: 48, channels: 1 } }).toColourspace('b-w').jpeg().toFile(join(root, 'fer', split, folder, `${i}.jpg`));
        }
      }
      // FER+ votes for every face but the first of each train folder: 8 for its own class, 2 for neutral; the
      // first angry train face is voted "not a face" and gets no target.
      const columns = ['neutral', 'happiness', 'surprise', 'sadness', 'anger', 'disgust', 'fear', 'contempt', 'unknown', 'NF'];
      const rows = FER_FOLDERS.flatMap((folder) => Array.from({ length: n }, (_, i) => {
        if (split === 'train' && i === 0 && folder !== 'angry') return [];
        const votes = columns.map(() => 0);
        if (split === 'train' && i === 0) votes[9] = 10;
        else { votes[columns.indexOf({ angry: 'anger', happy: 'happiness', sad: 'sadness' }[folder] ?? folder)] += 8; votes[0] += 2; }
        return [`${folder}/${i}.jpg,${votes.join(',')},fer0.png,0.999`];
      }).flat());
      writeFileSync(join(root, 'fer', split, 'ferplus-votes.csv'), [`image,${columns.join(',')},ferplus_image,match`, ...rows].join('\n'));
    }
    const counts = await prepareFaces(join(root, 'fer'), join(root, 'cache'));
    assert.deepEqual(counts, { train: 21, val: 7 });
    const x = readTensor(join(root, 'cache', 'train_x'));
    const y = readTensor(join(root, 'cache', 'train_y'));
    assert.deepEqual(x.shape, [21, 48, 48]);
    assert.equal(x.dtype, 'uint8');
    assert.deepEqual([...new Set(y.data)].sort(), [0, 1, 2, 3, 4, 5, 6]);
    const soft = readTensor(join(root, 'cache', 'train_soft'));
    assert.deepEqual(soft.shape, [21, 7]);
    const rowOf = (i: number) => Array.from((soft.data as Float32Array).subarray(i * 7, i * 7 + 7)).map((v) => +v.toFixed(6));
    // Items are sorted by folder then file: 0.jpg of angry is row 0 (no target), 1.jpg row 1 (anger 0.8, neutral 0.2).
    assert.deepEqual(rowOf(0), [0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(rowOf(1), [0.2, 0, 0, 0.8, 0, 0, 0]);
    assert.equal(soft.meta.faces, 21 - 7);
    // Two webcam-degraded copies of the training crops, repeatable, and not the crops themselves.
    await writeCameraCopies(join(root, 'cache'), 2);
    const cam = readTensor(join(root, 'cache', 'train_cam1_x'));
    assert.deepEqual(cam.shape, [21, 48, 48]);
    const changed = (cam.data as Uint8Array).filter((v, i) => Math.abs(v - (x.data as Uint8Array)[i]) > 8).length;
    assert.ok(changed > cam.data.length * 0.05, `${changed} of ${cam.data.length} pixels changed`);
    const first = Uint8Array.from(cam.data as Uint8Array);
    await writeCameraCopies(join(root, 'cache'), 2);
    assert.deepEqual(readTensor(join(root, 'cache', 'train_cam1_x')).data, first, 'seeded: the same copies again');

    const py = spawnSync('/usr/bin/python3', [
      'tools/train/python/train_face.py', '--data', join(root, 'cache'), '--work', join(root, 'work'), '--out', join(root, 'out'),
      '--smoke', '--batch', '8', '--soft-weight', '0.5', '--select', 'ferplus', '--camera-prob', '0.5',
    ], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr + py.stdout);
    assert.ok(existsSync(join(root, 'work', 'state.bin')) && existsSync(join(root, 'out', 'metrics.json')));
    // Scored against both label sets: every validation face has a unique FER+ plurality here.
    assert.match(py.stdout, /\(FER2013 labels\), [0-9.]+ \(FER\+ plurality, 7 faces\)/);
    const plus = JSON.parse(readFileSync(join(root, 'out', 'metrics_ferplus.json'), 'utf8')) as { faces: number; accuracy: number };
    assert.equal(plus.faces, 7);
    assert.ok(plus.accuracy >= 0 && plus.accuracy <= 1);

    // A run stopped by its time limit exits 75 (a release installs nothing) and leaves one checkpoint file; a new work
    // folder started from that file goes on where it stopped.
    const trainArgs = (work: string) => ['tools/train/python/train_face.py', '--data', join(root, 'cache'), '--work', join(root, work), '--out', join(root, `${work}-out`), '--batch', '8', '--epochs', '2', '--require-finished'];
    const cut = spawnSync('/usr/bin/python3', [...trainArgs('cut'), '--minutes', '0.0001'], { encoding: 'utf8' });
    assert.equal(cut.status, 75, cut.stderr + cut.stdout);
    assert.match(cut.stdout, /min are up after epoch 1/);
    const resumed = spawnSync('/usr/bin/python3', [...trainArgs('next'), '--resume', '--resume-from', join(root, 'cut', 'ckpt.pt')], { encoding: 'utf8' });
    assert.equal(resumed.status, 0, resumed.stderr + resumed.stdout);
    assert.match(resumed.stdout, /resumed from epoch 1 /);
    assert.match(resumed.stdout, /\nepoch 2 /);
    assert.doesNotMatch(resumed.stdout, /\nepoch 1 /);

    await tf.setBackend('cpu');
    const model = await exportFace(join(root, 'work', 'state'), join(root, 'model'));
    model.dispose();
    const encoder = await FaceEncoder.load(diskLoader(join(root, 'model')), { flipAverage: false }); // compared with PyTorch below
    assert.deepEqual(encoder.model.outputNames, ['embedding', 'logits']);
    const input = readTensor(join(root, 'out', 'parity', 'input'));
    const refLogits = readTensor(join(root, 'out', 'parity', 'logits'));
    const n = input.shape[0];
    const crops = Array.from({ length: n }, (_, i) => (input.data as Float32Array).slice(i * 2304, (i + 1) * 2304));
    const out = await encoder.embed(crops);
    assert.equal(out.length, n);
    for (const [i, o] of out.entries()) {
      assert.equal(o.embedding.length, 64);
      assert.equal(o.probs.length, 7);
      assert.ok(Math.abs(o.probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      const ref = Array.from((refLogits.data as Float32Array).subarray(i * 7, (i + 1) * 7));
      const mx = Math.max(...ref), ex = ref.map((v) => Math.exp(v - mx)), sum = ex.reduce((a, b) => a + b, 0);
      ex.forEach((v, c) => assert.ok(Math.abs(o.probs[c] - v / sum) < 1e-5, `probs ${i},${c}`));
    }
    encoder.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
