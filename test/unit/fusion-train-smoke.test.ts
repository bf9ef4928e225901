import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeTensor } from '../../tools/train/store.ts';
import { loadFusionParams } from '../../src/fusion/weights.ts';
import { diskLoader } from '../../tools/train/tfjs-disk.ts';
import { rng, type Dialogue } from '../../tools/train/fusion/pseudo-align.ts';

/** Tiny pools where each embedding is its label's one-hot plus noise, so a few epochs can learn something. */
function writePools(dir: string, split: string, dialogues: number, seed: number, textDim = 8): void {
  const random = rng(seed);
  const embed = (label: number, dim: number): number[] => Array.from({ length: dim }, (_, k) => (k === label ? 2 : 0) + random() - 0.5);
  const ds: Dialogue[] = [];
  const text: number[] = [];
  for (let d = 0; d < dialogues; d++) {
    const turns = Array.from({ length: 3 + (d % 5) }, (_, t) => { const label = Math.floor(random() * 7); text.push(...embed(label, textDim)); return { speaker: `s${t % 2}`, label, textIndex: text.length / textDim - 1 }; });
    ds.push({ id: `d${d}`, turns });
  }
  writeTensor(join(dir, `text_${split}`), new Float32Array(text), [text.length / textDim, textDim], { dialogues: ds });
  for (const [name, dim] of [['audio', 6], ['face', 5]] as const) {
    const labels = Array.from({ length: 70 }, (_, i) => i % 7);
    writeTensor(join(dir, `${name}_${split}`), new Float32Array(labels.flatMap((l) => embed(l, dim))), [70, dim], { labels });
  }
}

test('the fusion trainer runs end to end on tiny pools and writes a loadable model with metrics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emolens-fusion-'));
  writePools(join(dir, 'data'), 'train', 40, 1);
  writePools(join(dir, 'data'), 'dev', 10, 2);
  const out = join(dir, 'model');
  execFileSync(process.execPath, ['--import', 'tsx', 'tools/train/fusion/train.ts', '--data', join(dir, 'data'), '--out', out, '--epochs', '3', '--batch', '8'], { stdio: 'pipe', timeout: 120_000 });
  assert.ok(existsSync(join(out, 'model.json')) && existsSync(join(out, 'weights.bin')));
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  for (const condition of ['fused', 'text', 'audio', 'face', 'no-text', 'no-audio', 'no-face']) {
    assert.ok(metrics[condition].n > 0, condition);
    assert.ok(metrics[condition].weightedF1 >= 0 && metrics[condition].weightedF1 <= 1);
  }
  assert.match(readFileSync(join(out, 'train.log'), 'utf8'), /epoch 3\/3/);
  return loadFusionParams(diskLoader(out)).then(({ params, config }) => {
    assert.deepEqual(config.inputDims, [8, 6, 5]);
    assert.ok(Object.keys(params).length > 10);
    tf.dispose(Object.values(params));
  });
});

test('the ablation runner trains with MAGTKD stage 1, IKD (the shipped text head as teacher) and teacher → student compression', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emolens-ablation-'));
  // 64-d text pools: the text teacher is the shipped text head's classifier (64 → 7).
  writePools(join(dir, 'data'), 'train', 24, 3, 64);
  writePools(join(dir, 'data'), 'dev', 8, 4, 64);
  const work = join(dir, 'work'), out = join(dir, 'out');
  execFileSync(process.execPath, ['--import', 'tsx', 'tools/train/fusion/ablate.ts', '--data', join(dir, 'data'), '--work', work, '--out', out,
    '--epochs', '1', '--batch', '8', '--only', 'teacher,student'], { stdio: 'pipe', timeout: 300_000 });
  const log = readFileSync(join(work, 'ablation.log'), 'utf8');
  assert.match(log, /\[teacher\] epoch 1\/4 \(MAGTKD stage 1\)/);
  assert.match(log, /\[teacher\] .*"ikd":\{"tau":2,"kappaKl":0.5,"kappaLatent":0.1\}/);
  // No tensor leaks per batch: the count after each MAGTKD stage-1 epoch (same optimizer, same graph) is the same.
  const counts = [...log.matchAll(/\[teacher\] epoch [123]\/4 \(MAGTKD stage 1\).*, (\d+) tensors\)/g)].map((m) => Number(m[1]));
  assert.equal(counts.length, 3);
  assert.ok(counts.every((n) => n === counts[0]), `tensors after each stage-1 epoch: ${counts.join(', ')}`);
  assert.match(log, /\[student\] .*"compress":\{"teacherDir":"[^"]*teacher","tau":2,"weight":1\}/);
  const table = JSON.parse(readFileSync(join(out, 'ablation.json'), 'utf8'));
  assert.deepEqual(table.rows.map((r: { name: string }) => r.name), ['teacher', 'student']);
  const [teacher, student] = table.rows;
  assert.ok(student.parameters * 4 <= teacher.parameters, `student ${student.parameters} vs teacher ${teacher.parameters}`);
  for (const row of table.rows) for (const c of ['fused', 'text', 'audio', 'face']) assert.ok(row.metrics[c].weightedF1 >= 0 && row.metrics[c].weightedF1 <= 1);
  assert.match(readFileSync(join(out, 'ablation.md'), 'utf8'), /\| teacher: .* \| \*\*\d+\.\d\*\* \|/);
});
