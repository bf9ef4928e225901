/**
 * Bad input is refused before it reaches a model, with an InputError naming the argument; and a conversation never
 * takes a turn whose embedding or fused result is not finite (it stays as it was, and the next turn is clean).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { InputError, LIMITS, checkAudio, checkOptions, checkSpeaker, checkText } from '../../src/validate.ts';
import { DEFAULT_FUSION_CONFIG, initFusionParams, type FusionConfig } from '../../src/fusion/model.ts';
import { disposeParams } from '../../src/fusion/weights.ts';
import { Conversation } from '../../src/session/conversation.ts';
import { emptyConversation, recordTurn } from '../../src/session/conversation-state.ts';

await tf.setBackend('cpu');

function refused(fn: () => unknown, argument: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof InputError && e.name === 'InputError' && e.argument === argument && message.test(e.message), `expected InputError(${argument}) ${message}`);
}

test('text: a string, not blank, at most LIMITS.textChars characters (returned trimmed)', () => {
  assert.equal(checkText('  hello there  '), 'hello there');
  assert.equal(checkText('x'.repeat(LIMITS.textChars)).length, LIMITS.textChars);
  refused(() => checkText(123), 'text', /must be a string, got a number/);
  refused(() => checkText(null), 'text', /got null/);
  refused(() => checkText(['a']), 'text', /got an array/);
  refused(() => checkText(' \n\t '), 'text', /empty/);
  refused(() => checkText('a'.repeat(1_048_576)), 'text', /1048576 characters; one turn takes at most 5000/);
  refused(() => checkSpeaker(''), 'speaker', /empty/);
  refused(() => checkSpeaker(7), 'speaker', /must be a string/);
  assert.equal(checkSpeaker(undefined), undefined);
});

test('audio: finite samples, channels of one length, a real sample rate, a bounded duration', () => {
  const ok = new Float32Array(1600).fill(0.1);
  assert.equal(checkAudio({ pcm: ok, sampleRate: 16000 }).channels.length, 1);
  assert.equal(checkAudio({ pcm: [ok, ok], sampleRate: 16000 }).channels.length, 2);
  refused(() => checkAudio({ pcm: new Float32Array(24000).fill(Infinity), sampleRate: 16000 }), 'audio.pcm', /sample 0 is Infinity/);
  const nan = new Float32Array(100); nan[57] = NaN;
  refused(() => checkAudio({ pcm: [ok, nan], sampleRate: 16000 }), 'audio.pcm[1]', /channels must have the same length/);
  refused(() => checkAudio({ pcm: [ok, Float32Array.from(ok).fill(NaN, 10, 11)], sampleRate: 16000 }), 'audio.pcm[1]', /sample 10 is NaN/);
  refused(() => checkAudio({ pcm: [ok, new Float32Array(800)], sampleRate: 16000 }), 'audio.pcm[1]', /800 samples, channel 0 has 1600/);
  refused(() => checkAudio({ pcm: ok, sampleRate: NaN }), 'audio.sampleRate', /finite/);
  refused(() => checkAudio({ pcm: ok, sampleRate: 100 }), 'audio.sampleRate', /100 Hz/);
  refused(() => checkAudio({ pcm: ok, sampleRate: '16000' }), 'audio.sampleRate', /finite number/);
  refused(() => checkAudio({ pcm: [1, 2, 3], sampleRate: 16000 }), 'audio.pcm[0]', /Float32Array, got a number/);
  refused(() => checkAudio({ pcm: new Float64Array(16), sampleRate: 16000 }), 'audio.pcm', /Float32Array, got Float64Array/);
  refused(() => checkAudio({ pcm: new Float32Array(0), sampleRate: 16000 }), 'audio.pcm', /empty/);
  refused(() => checkAudio({ pcm: [], sampleRate: 16000 }), 'audio.pcm[0]', /no channels/);
  refused(() => checkAudio({ pcm: new Float32Array(16000 * (LIMITS.audioSeconds + 1)), sampleRate: 16000 }), 'audio', /121\.0 s long/);
  refused(() => checkAudio('a.wav'), 'audio', /AudioBuffer or \{ pcm, sampleRate \}/);
  refused(() => checkAudio({ samples: ok }), 'audio', /neither getChannelData nor pcm/);
});

test('options: unknown keys and non-objects are refused by name', () => {
  assert.deepEqual(checkOptions(undefined, ['speaker']), {});
  refused(() => checkOptions({ speakr: 'Ann' }, ['speaker']), 'options.speakr', /not an option here \(known: speaker\)/);
  refused(() => checkOptions('Ann', ['speaker']), 'options', /must be an object, got a string/);
});

test('a non-finite embedding is refused and leaves the conversation as it was; the next turn is finite', async () => {
  const config: FusionConfig = { ...DEFAULT_FUSION_CONFIG, inputDims: [4, 4, 4], dim: 8, expertHidden: 8, experts: 2, topK: 1, contextHeads: 2, crossHeads: 2, maxTurns: 4, maxSpeakers: 3 };
  const params = initFusionParams(config, 5);
  const conversation = new Conversation(params, config);
  const before = tf.memory().numTensors;
  const good = (v: number) => ({ speaker: 'Ann', text: new Float32Array(4).fill(v), startMs: 0, endMs: 1 });
  const first = await conversation.addTurn(good(0.5));
  assert.equal(first.index, 0);
  await assert.rejects(conversation.addTurn({ speaker: 'Bob', audio: new Float32Array([1, NaN, 0, 0]), startMs: 0, endMs: 1 }), /audio embedding has a non-finite value \(NaN at 1\).*conversation left unchanged/);
  await assert.rejects(conversation.addTurn({ speaker: 'Bob', text: new Float32Array(4).fill(Infinity), startMs: 0, endMs: 1 }), /non-finite/);
  assert.equal(conversation.length, 1);
  const next = await conversation.addTurn(good(-0.25));
  assert.equal(next.index, 1, 'refused turns took no index');
  for (const p of Object.values(next.probabilities)) assert.ok(Number.isFinite(p));
  assert.ok(Math.abs(Object.values(next.probabilities).reduce((a, b) => a + b, 0) - 1) < 1e-5);
  // Refused turns left no speaker slot behind: Bob was never added.
  assert.deepEqual(conversation.snapshot().speakers, ['Ann']);
  assert.equal(tf.memory().numTensors, before, 'no tensor left by refused turns');
  disposeParams(params);
});

test('a conversation restored from the page-side copy gives the same next result as the original', async () => {
  const config: FusionConfig = { ...DEFAULT_FUSION_CONFIG, inputDims: [4, 4, 4], dim: 8, expertHidden: 8, experts: 2, topK: 1, contextHeads: 2, crossHeads: 2, maxTurns: 4, maxSpeakers: 3 };
  const params = initFusionParams(config, 9);
  const original = new Conversation(params, config);
  const pageCopy = emptyConversation();
  const turns = Array.from({ length: 7 }, (_, i) => ({ speaker: ['Ann', 'Bob', 'Cy', 'Dee', 'Eve'][i % 5], transcript: `turn ${i}`, text: new Float32Array(4).map((_, k) => Math.sin(i + k)), face: i % 2 ? new Float32Array(4).fill(i / 10) : undefined, startMs: i, endMs: i + 1 }));
  for (const t of turns) recordTurn(pageCopy, t, await original.addTurn(t), config);
  // Bounded: the fusion's window of turns, and speakers up to the slots there are.
  assert.equal(pageCopy.turns.length, config.maxTurns);
  assert.deepEqual(pageCopy.speakers, ['Ann', 'Bob', 'Cy']);
  assert.deepEqual(pageCopy, original.snapshot(), 'the page builds the same state as the engine');
  const restored = new Conversation(params, config);
  restored.restore(pageCopy);
  const last = { speaker: 'Bob', text: new Float32Array(4).fill(0.3), startMs: 9, endMs: 10 };
  const [a, b] = [await original.addTurn(last), await restored.addTurn(last)];
  assert.equal(b.index, 7);
  for (const l of Object.keys(a.probabilities) as (keyof typeof a.probabilities)[]) assert.ok(Math.abs(a.probabilities[l] - b.probabilities[l]) < 1e-6);
  assert.deepEqual(restored.results.map((r) => r.transcript).slice(-2), ['turn 6', undefined]);
  disposeParams(params);
});
