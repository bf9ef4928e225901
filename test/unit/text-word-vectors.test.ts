import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configureTransformers } from '../../src/text/env.ts';
import { TextTokenizer } from '../../src/text/tokenizer.ts';
import { buildWordTable, vocabularyOf } from '../../tools/train/prepare-word-vectors.ts';

configureTransformers({ localModelPath: 'public/models', allowRemoteModels: false });
const tokenizer = await TextTokenizer.load('text-encoder-compact');

test('vocabularyOf: dense id order, the same ids the page tokenizer emits', () => {
  const vocab = vocabularyOf(tokenizer);
  assert.equal(vocab.length, 30522);
  const [cls, hello, world, sep] = tokenizer.encode('hello world');
  assert.deepEqual([vocab[cls], vocab[hello], vocab[world], vocab[sep]], ['[CLS]', 'hello', 'world', '[SEP]']);
});

test('buildWordTable: whole words get their vector, pieces / special / unknown entries get none', () => {
  const vocab = ['[PAD]', '[unused0]', 'happy', '##ing', 'sad', 'zzqx', 'constructor'];
  const vectors = { happy: [1, 2, 3], sad: [-1, 0, 0.5], ing: [9, 9, 9], '[PAD]': [7, 7, 7] };
  const { table, found, hits, dimensions } = buildWordTable(vocab, vectors, 3);
  assert.equal(dimensions, 3);
  assert.equal(hits, 2);
  assert.deepEqual([...found], [0, 0, 1, 0, 1, 0, 0]); // 'constructor' is not an own property: not a word vector
  assert.deepEqual([...table.subarray(6, 9)], [1, 2, 3]);
  assert.deepEqual([...table.subarray(12, 15)], [-1, 0, 0.5]);
  assert.deepEqual([...table.subarray(9, 12)], [0, 0, 0]); // '##ing' does not borrow 'ing'
});
