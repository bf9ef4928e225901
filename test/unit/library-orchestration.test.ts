/**
 * The library's orchestration with a fake engine (any TurnEngine will do): what reaches the engine, in which order,
 * and what never does. The real models and Workers are exercised end to end in e2e/; here the seams are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmoLensRecognizer, InputError, type RecognizerEngine, type WorkerStatus } from '../../src/index.ts';
import { LiveSession, type Notice } from '../../src/session/live.ts';
import { LABELS } from '../../src/labels.ts';
import type { ModalityEmbedding, TurnEmbeddings, TurnResult } from '../../src/session/results.ts';
import type { FaceTracker } from '../../src/video/face-tracker.ts';

const probs = (hot: number): Float32Array => Float32Array.from(LABELS, (_, i) => (i === hot ? 0.7 : 0.05));

/** Records every call; `delays` (ms, by call order) make earlier text calls slower to check ordering. */
function fakeEngine(delays: number[] = []) {
  const calls: string[] = [];
  const turns: TurnEmbeddings[] = [];
  const statusListeners: ((s: WorkerStatus) => void)[] = [];
  let textCalls = 0, disposed = 0;
  const embedding = (ms: number): ModalityEmbedding => ({ embedding: new Float32Array(64).fill(0.1), probs: probs(1), ms });
  const engine: RecognizerEngine = {
    backend: { backend: 'cpu', skipped: [] },
    async embedText(text) {
      const delay = delays[textCalls++] ?? 0;
      calls.push(`text:${text}`);
      await new Promise((r) => setTimeout(r, delay));
      if (text === 'explode') throw new Error('the engine failed');
      return embedding(delay);
    },
    async embedAudio(pcm) { calls.push(`audio:${pcm.length}`); return embedding(1); },
    async embedFaces(crops) { calls.push(`faces:${crops.length}`); return crops.map(() => embedding(1)); },
    async addTurn(turn): Promise<TurnResult> {
      calls.push(`addTurn:${turn.transcript ?? '-'}`);
      turns.push(turn);
      const p = Object.fromEntries(LABELS.map((l, i) => [l, i === turns.length % 7 ? 0.7 : 0.05])) as TurnResult['probabilities'];
      return { index: turns.length - 1, speaker: turn.speaker, transcript: turn.transcript, label: 'joy', confidence: 0.7, probabilities: p, valence: 0, arousal: 0, modalities: {}, gate: { text: 1, audio: 0, face: 0 }, startMs: turn.startMs, endMs: turn.endMs, timings: { fusionMs: 1 } };
    },
    async fuseTurn(inputs) {
      // The same steps as the real engine, each recorded.
      const [t, a, f] = await Promise.all([
        inputs.text ? engine.embedText(inputs.text) : undefined, inputs.pcm16k ? engine.embedAudio(inputs.pcm16k) : undefined,
        inputs.faceCrops ? engine.embedFaces(inputs.faceCrops) : undefined,
      ]);
      const turn = { speaker: inputs.speaker, transcript: inputs.text, text: t?.embedding, audio: a?.embedding, face: inputs.face ?? f?.[0]?.embedding, startMs: inputs.startMs, endMs: inputs.endMs };
      return { result: await engine.addTurn(turn), turn };
    },
    reset() { calls.push('reset'); },
    tensors: () => 0,
    dispose() { disposed++; },
    onStatus(listener) { statusListeners.push(listener); return () => {}; },
  };
  return { engine, calls, turns, emitStatus: (s: WorkerStatus) => statusListeners.forEach((l) => l(s)), disposed: () => disposed };
}

const refusedAs = (argument: string) => (e: unknown) => e instanceof InputError && e.argument === argument;

test('refused input never reaches the engine, and the next turn is numbered on', async () => {
  const fake = fakeEngine();
  const r = EmoLensRecognizer.fromEngine(fake.engine);
  await r.analyzeText('Hello there.');
  await assert.rejects(r.analyzeText(123 as unknown as string), refusedAs('text'));
  await assert.rejects(r.analyzeText('x'.repeat(1 << 20)), refusedAs('text'));
  await assert.rejects(r.analyzeText('hi', { speakr: 'Ann' } as never), refusedAs('options.speakr'));
  await assert.rejects(r.analyzeAudio({ pcm: new Float32Array(24000).fill(Infinity), sampleRate: 16000 }), refusedAs('audio.pcm'));
  await assert.rejects(r.analyzeAudio({ pcm: [new Float32Array(16000).fill(0.2), new Float32Array(100).fill(0.2)], sampleRate: 16000 }), refusedAs('audio.pcm[1]'));
  await assert.rejects(r.analyzeAudio({ pcm: new Float32Array(16000), sampleRate: 16000 }), (e: unknown) => e instanceof InputError && /silent/.test(e.message));
  await assert.rejects(r.analyzeTurn({}), refusedAs('input'));
  await assert.rejects(r.analyzeTurn({ frames: 'a frame' as never }), refusedAs('frames'));
  assert.deepEqual(fake.calls, ['text:Hello there.', 'addTurn:Hello there.'], 'nothing refused reached the engine');
  const next = await r.analyzeText('And again.');
  assert.equal(next.index, 1);
  // Audio at another rate and with two channels reaches the engine as 16 kHz mono.
  const left = new Float32Array(44100).map((_, i) => 0.3 * Math.sin(i / 7)), right = left.map((v) => -v / 3);
  await r.analyzeAudio({ pcm: [left, right], sampleRate: 44100 });
  assert.ok(fake.calls.includes('audio:16000'), fake.calls.join(' '));
});

test('turns reach the engine in call order, even when an earlier one is slower', async () => {
  const fake = fakeEngine([60, 0, 20]);
  const r = EmoLensRecognizer.fromEngine(fake.engine);
  const results = await Promise.all(['first', 'second', 'third'].map((t) => r.analyzeText(t)));
  assert.deepEqual(results.map((x) => x.transcript), ['first', 'second', 'third']);
  assert.deepEqual(fake.calls.filter((c) => c.startsWith('addTurn')), ['addTurn:first', 'addTurn:second', 'addTurn:third']);
  // A failing turn rejects alone; the ones after it still run.
  const [failed, after] = await Promise.allSettled([r.analyzeText('explode'), r.analyzeText('after')]);
  assert.equal(failed.status, 'rejected');
  assert.equal(after.status === 'fulfilled' && after.value.transcript, 'after');
});

test('smoothing averages turns while raw keeps the engine\'s answer; reset starts again', async () => {
  const fake = fakeEngine();
  const r = EmoLensRecognizer.fromEngine(fake.engine, { smoothing: 0.5 });
  const a = await r.analyzeText('one');
  const b = await r.analyzeText('two');
  // Both raw distributions sum to 1, so the mean needs no renormalising.
  for (const l of LABELS) assert.ok(Math.abs(b.probabilities[l] - (0.5 * a.raw[l] + 0.5 * b.raw[l])) < 1e-9, l);
  assert.notDeepEqual(b.probabilities, b.raw);
  await r.reset();
  assert.ok(fake.calls.includes('reset'));
  const c = await r.analyzeText('three');
  assert.deepEqual(c.probabilities, c.raw, 'no state carried over the reset');
});

test('a worker dying and restarting reaches on("notice"); dispose frees the engine once and refuses later calls', async () => {
  const fake = fakeEngine();
  const r = EmoLensRecognizer.fromEngine(fake.engine);
  const notices: Notice[] = [];
  r.on('notice', (n) => notices.push(n));
  assert.throws(() => r.on('turn' as 'notice', () => {}), refusedAs('event'));
  fake.emitStatus({ type: 'died', worker: 'inference worker', reason: 'it did not answer for 15 s' });
  fake.emitStatus({ type: 'restarted', worker: 'inference worker' });
  assert.deepEqual(notices.map((n) => [n.kind, n.code]), [['error', 'worker-died'], ['info', 'worker-restarted']]);
  assert.match(notices[0].text, /inference worker stopped \(it did not answer for 15 s\)/);
  await r.dispose();
  await r.dispose();
  assert.equal(fake.disposed(), 1);
  await assert.rejects(r.analyzeText('late'), /disposed/);
  assert.throws(() => r.setOptions({ smoothing: 0.2 }), /disposed/);
});

test('a live session without devices: typed turns in order, failures as notices, nothing after stop()', async () => {
  const fake = fakeEngine([30, 0]);
  const turns: TurnResult[] = [];
  const notices: Notice[] = [];
  const session = await LiveSession.start({ recognizer: fake.engine, tracker: undefined as unknown as FaceTracker, speaker: () => 'Ann' }, (s) => {
    s.on('turn', (t) => turns.push(t));
    s.on('notice', (n) => notices.push(n));
  });
  session.addTypedTurn('slow first');
  session.addTypedTurn('quick second');
  session.addTypedTurn('explode');
  assert.throws(() => session.addTypedTurn('y'.repeat(6000)), refusedAs('text'));
  await session.stop();
  assert.deepEqual(turns.map((t) => t.transcript), ['slow first', 'quick second']);
  assert.deepEqual(turns.map((t) => t.speaker), ['Ann', 'Ann']);
  assert.deepEqual(notices.map((n) => n.code), ['turn-failed']);
  assert.match(notices[0].text, /Turn failed: the engine failed/);
  assert.throws(() => session.addTypedTurn('too late'), /stopped/);
  assert.equal(fake.turns.length, 2);
});
