/**
 * Smoke run of the whole text pipeline on a tiny MELD-format fixture: prepare (TS tokenizer) → 2 PyTorch steps →
 * ONNX + head export → load with Transformers.js + tfjs → shapes, softmax sums, and PyTorch parity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureTransformers } from '../../src/text/env.ts';
import { TextEmotionEncoder } from '../../src/text/encoder.ts';
import { prepareText } from '../../tools/train/prepare-text.ts';
import { exportTextHead } from '../../tools/train/export-text.ts';
import { readTensor } from '../../tools/train/store.ts';
import { diskLoader } from '../../tools/train/tfjs-disk.ts';

const LINES = [
  ['Oh my God, this is amazing!', 'Rachel', 'joy'], ['I hate you.', 'Ross', 'anger'], ['Okay.', 'Joey', 'neutral'],
  ["I'm so sad, he left.", 'Monica', 'sadness'], ['What?! Really?', 'Chandler', 'surprise'], ['Ew, gross.', 'Phoebe', 'disgust'],
  ["I'm scared of the dark.", 'Joey', 'fear'], ['Sure, why not.', 'Ross', 'neutral'],
];

function meldCsv(n: number): string {
  let csv = 'Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID,Season,Episode,StartTime,EndTime\n';
  for (let i = 0; i < n; i++) {
    const [text, speaker, emotion] = LINES[i % LINES.length];
    csv += `${i + 1},"${text}",${speaker},${emotion},neutral,${Math.floor(i / 4)},${i % 4},1,1,"00:00:01,000","00:00:02,000"\n`;
  }
  return csv;
}

test('text smoke: prepare → train 2 steps → export → Transformers.js + tfjs', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emolens-text-smoke-'));
  writeFileSync(join(dir, 'train.csv'), meldCsv(24));
  writeFileSync(join(dir, 'dev.csv'), meldCsv(8));
  configureTransformers({ localModelPath: 'public/models', allowRemoteModels: false });
  const cache = join(dir, 'cache');
  const summary = await prepareText({ meldTrain: join(dir, 'train.csv'), meldDev: join(dir, 'dev.csv') }, cache, 32, 'text-encoder-compact');
  assert.equal((summary.train as { rows: number }).rows, 24);
  assert.deepEqual(readTensor(join(cache, 'train.ids')).shape, [24, 32]);

  const models = join(dir, 'models');
  execFileSync('/usr/bin/python3', ['tools/train/python/train_text.py', '--smoke', '--batch', '8', '--mlm-minutes', '0.005', '--data', cache,
    '--run', join(dir, 'run'), '--out', join(models, 'enc'), '--tokenizer-dir', 'public/models/text-encoder-compact'], { stdio: 'pipe' });
  const log = readFileSync(join(models, 'enc', 'train.log'), 'utf8');
  assert.match(log, /MLM done: [1-9]\d* steps/);
  assert.match(log, /epoch 1 done: 16 rows/);
  assert.ok(existsSync(join(models, 'enc', 'onnx', 'model.onnx')));
  assert.ok(statSync(join(models, 'enc', 'onnx', 'model.onnx')).size < 10 * 1024 * 1024);
  const config = JSON.parse(readFileSync(join(models, 'enc', 'config.json'), 'utf8'));
  assert.equal(config.model_type, 'bert');
  assert.equal(config.emolens.word_embedding, 'int8 per-row');

  await exportTextHead(join(dir, 'run', 'head'), join(models, 'head'));
  configureTransformers({ localModelPath: models, allowRemoteModels: false });
  const encoder = await TextEmotionEncoder.load({ model: 'enc', head: diskLoader(join(models, 'head')) });
  const texts = ['Rachel: Oh my God!', 'hello world', 'Ross: We were on a break and I am not sorry at all.'];
  const pooled = await encoder.embedPooled(texts);
  assert.deepEqual(pooled.map((p) => p.length), [128, 128, 128]);
  const preds = await encoder.classify(texts);
  assert.equal(preds.length, 3);
  for (const p of preds) {
    assert.equal(p.embedding.length, 64);
    assert.equal(p.probs.length, 7);
    assert.ok(Math.abs(p.probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.ok(p.embedding.every((v) => v > -1 && v < 1)); // tanh
  }
  // The exported pair reproduces the freshly trained PyTorch model on its parity sentences.
  const ref = readTensor<{ texts: string[] }>(join(models, 'enc', 'parity', 'ids'));
  const refLogits = readTensor(join(models, 'enc', 'parity', 'logits')).data as Float32Array;
  const got = await encoder.classify(ref.meta.texts);
  got.forEach((p, i) => p.logits.forEach((v, k) => assert.ok(Math.abs(v - refLogits[i * 7 + k]) < 1e-4, `row ${i} class ${k}`)));
  await encoder.dispose();
});
