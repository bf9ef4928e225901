/**
 * The shipped text model (public/models/text-encoder: Universal Sentence Encoder lite fine-tuned by
 * train_use_text.py, int8 ONNX) against its references:
 * - tokenizer.json gives the ids of USE's own SentencePiece tokenizer (stored by tools/train/use-reference.ts);
 * - Transformers.js feature-extraction + mean pooling = PyTorch's sentence vector within 1e-4 (batched: padding
 *   must not leak into the vector), and the tfjs head = PyTorch's head within 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pipeline } from '@huggingface/transformers';
import { configureTransformers } from '../../src/text/env.ts';
import { TextEmotionEncoder } from '../../src/text/encoder.ts';
import { TextTokenizer } from '../../src/text/tokenizer.ts';
import { readTensor } from '../../tools/train/store.ts';
import { diskLoader } from '../../tools/train/tfjs-disk.ts';
import { maxAbsDiff } from '../helpers/compare.ts';

// EMOLENS_MODELS names another models folder (the release checks its staged export this way).
const MODELS = process.env.EMOLENS_MODELS ?? 'public/models';
const PARITY = `${MODELS}/text-encoder/parity`;
configureTransformers({ localModelPath: MODELS, allowRemoteModels: false });
const pooled = readTensor<{ texts: string[]; ids: number[][]; referenceIds: number[][] }>(`${PARITY}/pooled`);
const { texts, referenceIds } = pooled.meta;
const embedding = readTensor(`${PARITY}/embedding`);
const logits = readTensor(`${PARITY}/logits`);

test('tokenizer.json reproduces the USE SentencePiece tokenizer (no special tokens) and decodes back', async () => {
  const tok = await TextTokenizer.load('text-encoder');
  assert.equal(referenceIds.length, texts.length);
  texts.forEach((t, i) => assert.deepEqual(tok.encode(t, 128), referenceIds[i], t));
  for (const x of ['We were on a break!', 'hello world', "I'm so sorry... I didn't mean to hurt you."]) {
    assert.equal(tok.decode(tok.encode(x, 128)), x);
  }
  assert.deepEqual(tok.encode('', 128), []);
});

test('Transformers.js mean-pooled output = PyTorch sentence vector within 1e-4, unit length', async () => {
  const extractor = await pipeline('feature-extraction', 'text-encoder');
  const out = await extractor(texts, { pooling: 'mean', normalize: false });
  assert.deepEqual(out.dims, pooled.shape);
  const diff = maxAbsDiff(out.data as Float32Array, pooled.data as Float32Array);
  assert.ok(diff < 1e-4, `max |diff| ${diff}`);
  const v = (out.data as Float32Array).subarray(0, pooled.shape[1]);
  assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-4);
  await extractor.dispose();
});

test('TextEmotionEncoder reads the turn alone and its head matches PyTorch (embedding, logits) within 1e-4', async () => {
  const encoder = await TextEmotionEncoder.load({ model: 'text-encoder', head: diskLoader(`${MODELS}/text-head`) });
  assert.equal(encoder.inputForm, 'turn');
  assert.equal(encoder.formatTurn('Ross', '  We were on a break! ', [{ speaker: 'Rachel', text: 'You slept with her.' }]), 'We were on a break!');
  assert.deepEqual(encoder.formatDialogue([{ speaker: 'A', text: 'hi', dialogueId: '1' }, { speaker: 'B', text: ' yes ', dialogueId: '1' }]), ['hi', 'yes']);
  const preds = await encoder.classify(texts);
  const d = embedding.shape[1], k = logits.shape[1];
  preds.forEach((p, i) => {
    assert.ok(maxAbsDiff(p.embedding, (embedding.data as Float32Array).subarray(i * d, (i + 1) * d)) < 1e-4);
    assert.ok(maxAbsDiff(p.logits, (logits.data as Float32Array).subarray(i * k, (i + 1) * k)) < 1e-4);
    assert.ok(Math.abs(p.probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  });
  await encoder.dispose();
});
