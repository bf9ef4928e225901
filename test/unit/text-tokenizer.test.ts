import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configureTransformers } from '../../src/text/env.ts';
import { CONTEXT_TURNS, TextTokenizer, formatTurnWithContext, formatUtterance, withDialogueContext } from '../../src/text/tokenizer.ts';

configureTransformers({ localModelPath: 'public/models', allowRemoteModels: false });
const tokenizer = await TextTokenizer.load('text-encoder-compact');

test('known ids: "hello world" → [CLS] hello world [SEP]', () => {
  assert.deepEqual(tokenizer.encode('hello world'), [101, 7592, 2088, 102]);
  assert.deepEqual(tokenizer.encode('Hello World'), [101, 7592, 2088, 102]); // uncased
});

test('round trip: decode(encode(x)) equals lower-cased x (punctuation re-spaced by BERT decode rules)', () => {
  for (const x of ['I cannot believe it', 'We were on a break', 'Pivot pivot PIVOT']) {
    assert.equal(tokenizer.decode(tokenizer.encode(x)), x.toLowerCase());
  }
  assert.equal(tokenizer.decode(tokenizer.encode("Oh my God, it's you!")), "oh my god, it's you!");
});

test('tokenize: fixed length, padding, attention mask, truncation as the page pipeline does it', () => {
  const long = Array.from({ length: 100 }, () => 'word').join(' ');
  const b = tokenizer.tokenize(['hello world', long], 8);
  assert.equal(b.batch, 2);
  assert.equal(b.length, 8);
  assert.deepEqual([...b.inputIds.subarray(0, 8)], [101, 7592, 2088, 102, 0, 0, 0, 0]);
  assert.deepEqual([...b.attentionMask.subarray(0, 8)], [1, 1, 1, 1, 0, 0, 0, 0]);
  assert.equal(b.inputIds[8], 101);
  assert.equal(b.inputIds[15], 2773); // "word": the first 8 ids, as Transformers.js truncates (no [SEP] re-added)
  assert.deepEqual([...b.attentionMask.subarray(8, 16)], [1, 1, 1, 1, 1, 1, 1, 1]);
  assert.ok(b.tokenTypeIds.every((v) => v === 0));
});

test('formatUtterance: "<speaker>: <text>", bare text without a speaker', () => {
  assert.equal(formatUtterance('Ross', ' We were on a break! '), 'Ross: We were on a break!');
  assert.equal(formatUtterance('', 'hi'), 'hi');
  assert.equal(formatUtterance(undefined, 'hi'), 'hi');
  assert.deepEqual(tokenizer.encode(formatUtterance('Ross', 'hi')), [101, 5811, 1024, 7632, 102]);
});

test('dialogue context: the turn first, then up to CONTEXT_TURNS past turns, most recent first, after [SEP]', () => {
  assert.equal(CONTEXT_TURNS, 2);
  const past = [{ speaker: 'Ross', text: 'Hi.' }, { speaker: 'Rachel', text: '' }, { speaker: 'Monica', text: 'Who is it?' }, { speaker: 'Joey', text: 'Pizza!' }];
  assert.equal(formatTurnWithContext('Ross', 'We were on a break!', past), 'Ross: We were on a break! [SEP] Joey: Pizza! [SEP] Monica: Who is it?');
  assert.equal(formatTurnWithContext(undefined, 'hello', []), 'hello');
  assert.equal(formatTurnWithContext('A', 'x', past.slice(0, 2)), 'A: x [SEP] Ross: Hi.', 'empty past texts are skipped');
  // [SEP] in the input is the tokenizer's separator id, and truncation cuts the oldest context, not the turn.
  const ids = tokenizer.encode(formatTurnWithContext('Ross', 'hello world', [{ speaker: 'Joey', text: 'one two three four five six' }]), 8);
  assert.deepEqual(ids.slice(0, 6), [101, 5811, 1024, 7592, 2088, 102]);
  assert.equal(ids.length, 8);
});

test('withDialogueContext: context restarts with each dialogue; items without a dialogue id get none', () => {
  const inputs = withDialogueContext([
    { dialogueId: 'd1', speaker: 'A', text: 'one' }, { dialogueId: 'd1', speaker: 'B', text: 'two' }, { dialogueId: 'd1', speaker: 'A', text: 'three' },
    { dialogueId: 'd2', speaker: 'C', text: 'four' }, { speaker: 'D', text: 'five' }, { speaker: 'E', text: 'six' },
  ]);
  assert.deepEqual(inputs, ['A: one', 'B: two [SEP] A: one', 'A: three [SEP] B: two [SEP] A: one', 'C: four', 'D: five', 'E: six']);
});
