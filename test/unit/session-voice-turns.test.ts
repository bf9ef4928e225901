/**
 * VoiceTurns (src/session/voice-turns.ts) with fake engines: Silero's probabilities come from the engine, one call
 * per chunk; an engine without Silero gives the energy VAD and a fallback reason; a Silero failure mid-stream hands
 * over to the energy VAD once, and its turns stay on the stream's clock; a Worker being restarted is not a failure:
 * the chunk goes again and Silero stays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VoiceTurns } from '../../src/session/voice-turns.ts';
import type { TurnEngine } from '../../src/session/results.ts';
import { WorkerError } from '../../src/runtime/worker-rpc.ts';

const RATE = 16000;
/** 0.3-amplitude 200 Hz tone from `from` to `to` seconds, silence elsewhere, `seconds` long. */
function tone(seconds: number, spans: [number, number][]): Float32Array {
  return Float32Array.from({ length: seconds * RATE }, (_, i) => (spans.some(([a, b]) => i >= a * RATE && i < b * RATE) ? 0.3 * Math.sin((2 * Math.PI * 200 * i) / RATE) : 0));
}
/**
 * A fake engine whose "Silero" says speech where the frame is loud; after `failAfter` calls, it throws `error` (every
 * call, or only once when `once`).
 */
function engine(failAfter = Infinity, error: Error = new Error('the model file was refused'), once = false): { engine: TurnEngine; calls: string[] } {
  const calls: string[] = [];
  let n = 0;
  const voiceActivity = async (stream: string, frames: Float32Array | null): Promise<number[]> => {
    calls.push(frames ? `${stream}:${frames.length / 512}` : `${stream}:end`);
    if (frames && ++n > failAfter && (!once || n === failAfter + 1)) throw error;
    if (!frames) return [];
    return Array.from({ length: frames.length / 512 }, (_, k) => (Math.abs(frames[k * 512 + 100]) > 0.01 || Math.abs(frames[k * 512 + 300]) > 0.01 ? 0.9 : 0.05));
  };
  return { engine: { voiceActivity } as unknown as TurnEngine, calls };
}

async function run(v: VoiceTurns, pcm: Float32Array, chunk = 1600) {
  const turns = [];
  for (let i = 0; i < pcm.length; i += chunk) turns.push(...(await v.push(pcm.subarray(i, i + chunk))));
  turns.push(...(await v.flush()));
  return turns.map((t) => [t.startSample / RATE, t.endSample / RATE]);
}

test('Silero turns come from the engine, one call per chunk, and the stream is forgotten at the end', async () => {
  const { engine: e, calls } = engine();
  const reasons: string[] = [];
  const v = new VoiceTurns(e, 'silero', (r) => reasons.push(r));
  assert.equal(v.kind, 'silero');
  const turns = await run(v, tone(6, [[1, 2.5], [4, 5]]));
  assert.equal(turns.length, 2);
  assert.ok(Math.abs(turns[0][1] - 2.5) < 0.05 && Math.abs(turns[1][1] - 5) < 0.05, JSON.stringify(turns));
  assert.equal(calls.filter((c) => !c.endsWith(':end')).length, 60, 'one call per 100 ms chunk');
  assert.ok(calls.at(-1)!.endsWith(':end'));
  assert.deepEqual(reasons, []);
});

test('an engine without Silero, or vad: energy, gives the energy VAD (the first says why)', async () => {
  const reasons: string[] = [];
  const none = new VoiceTurns({} as TurnEngine, 'silero', (r) => reasons.push(r));
  assert.equal(none.kind, 'energy');
  await Promise.resolve();
  assert.deepEqual(reasons, ['this engine has no Silero model']);
  const { engine: e, calls } = engine();
  const energy = new VoiceTurns(e, 'energy', () => assert.fail('no fallback when energy was asked for'));
  assert.equal((await run(energy, tone(4, [[1, 2.5]]))).length, 1);
  assert.deepEqual(calls, []);
});

test('a Silero failure mid-stream hands over to the energy VAD once; no turn is lost and times stay on the stream clock', async () => {
  const { engine: e } = engine(35); // fails at 3.6 s
  const reasons: string[] = [];
  const v = new VoiceTurns(e, 'silero', (r) => reasons.push(r));
  const turns = await run(v, tone(9, [[1, 2.5], [5, 6.5]]));
  assert.deepEqual(reasons, ['the model file was refused']);
  assert.equal(v.kind, 'energy');
  assert.equal(turns.length, 2, JSON.stringify(turns));
  assert.ok(Math.abs(turns[1][0] - 5) < 0.3 && Math.abs(turns[1][1] - 6.5) < 0.05, `the energy turn is at 5–6.5 s of the stream: ${JSON.stringify(turns[1])}`);
});

test('a Worker that died or hung mid-stream is not a Silero failure: the chunk goes again and the turns are the same', async () => {
  const clean = await run(new VoiceTurns(engine().engine, 'silero', () => assert.fail('no fallback')), tone(9, [[1, 2.5], [5, 6.5]]));
  for (const kind of ['died', 'hung'] as const) {
    const { engine: e, calls } = engine(22, new WorkerError('inference worker', 'The inference worker stopped. Restarting it.', kind), true); // at 2.2 s, mid-turn
    const reasons: string[] = [];
    const v = new VoiceTurns(e, 'silero', (r) => reasons.push(r));
    assert.deepEqual(await run(v, tone(9, [[1, 2.5], [5, 6.5]])), clean, kind);
    assert.deepEqual(reasons, [], kind);
    assert.equal(v.kind, 'silero');
    assert.equal(calls.filter((c) => !c.endsWith(':end')).length, 91, 'the failed chunk was sent once more');
  }
  // A Worker that could not be started again is a failure that stays: the energy VAD takes over.
  const { engine: e } = engine(35, new WorkerError('inference worker', 'The inference worker could not be started again', 'failed'));
  const reasons: string[] = [];
  const v = new VoiceTurns(e, 'silero', (r) => reasons.push(r));
  assert.equal((await run(v, tone(9, [[1, 2.5], [5, 6.5]]))).length, 2);
  assert.deepEqual(reasons, ['The inference worker could not be started again']);
  assert.equal(v.kind, 'energy');
});
