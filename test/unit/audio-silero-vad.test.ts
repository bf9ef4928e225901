/**
 * Silero VAD (src/audio/silero-vad.ts) run by onnxruntime-node on the model file the page serves: its frame
 * contract, probabilities that tell speech from silence, and, on a made scene (tools/bench/vad-scene.ts: unseen
 * speakers between music, typing and silence), turns that never lie over music or typing alone, where the energy
 * VAD's do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { SILERO_FRAME, SileroTurnSegmenter, SileroVad, type OrtRuntime } from '../../src/audio/silero-vad.ts';
import { TurnSegmenter } from '../../src/audio/vad.ts';
import { makeScene, scoreTurns, silence } from '../../tools/bench/vad-scene.ts';
import { SILERO_MODEL, runSegmenters, sceneSpeech } from '../../tools/bench/vad.ts';
import { mulberry32 } from '../../tools/train/augment.ts';

const load = () => SileroVad.load(ort as unknown as OrtRuntime, readFileSync(SILERO_MODEL));

test('frames are 512 samples; silence is not speech, a voice is; reset forgets the stream', async () => {
  const model = await load();
  const vad = model.stream();
  await assert.rejects(vad.probability(new Float32Array(160)), /a frame is 512 samples, got 160/);
  const quiet = silence(1, mulberry32(1));
  const pQuiet: number[] = [];
  for (let i = 0; i + SILERO_FRAME <= quiet.length; i += SILERO_FRAME) pQuiet.push(await vad.probability(quiet.slice(i, i + SILERO_FRAME)));
  assert.ok(Math.max(...pQuiet) < 0.2, `silence max p ${Math.max(...pQuiet).toFixed(3)}`);
  const [voice] = await sceneSpeech('../shared/data/audio', 1);
  vad.reset();
  const pVoice: number[] = [];
  for (let i = 0; i + SILERO_FRAME <= voice.length; i += SILERO_FRAME) pVoice.push(await vad.probability(voice.slice(i, i + SILERO_FRAME)));
  const voiced = pVoice.filter((p) => p >= 0.5).length / pVoice.length;
  assert.ok(voiced > 0.6, `${(100 * voiced).toFixed(0)} % of a trimmed speech clip's frames are speech`);
  // The same frames after reset give the same probabilities: the state is the stream's, nothing else.
  vad.reset();
  assert.equal(await vad.probability(voice.slice(0, SILERO_FRAME)), pVoice[0]);
  // Two streams of one model do not share state.
  vad.reset();
  const other = model.stream();
  await other.probabilities(voice.slice(0, 8 * SILERO_FRAME));
  assert.equal(await vad.probability(voice.slice(0, SILERO_FRAME)), pVoice[0]);
  await assert.rejects(vad.probabilities(new Float32Array(700)), /not a whole number/);
  await model.dispose();
});

test('TurnSegmenter.pushFrame takes decided frames of its own length only', () => {
  const seg = new TurnSegmenter({ frameSamples: 512 });
  assert.throws(() => seg.pushFrame(new Float32Array(100), true), /a frame is 512 samples, got 100/);
  const turns = [];
  for (let k = 0; k < 40; k++) turns.push(...seg.pushFrame(new Float32Array(512).fill(0.1), k >= 5 && k < 25));
  turns.push(...seg.flush());
  assert.equal(turns.length, 1);
  assert.equal(turns[0].endSample, 25 * 512);
  // Doubtful frames (speech, not confident) keep a turn open but never make one: 40 of them make no turn.
  const doubtful = new TurnSegmenter({ frameSamples: 512 });
  const none = [];
  for (let k = 0; k < 40; k++) none.push(...doubtful.pushFrame(new Float32Array(512).fill(0.1), true, k % 10 === 0));
  none.push(...doubtful.flush());
  assert.deepEqual(none, [], '4 confident frames (128 ms) are under the 250 ms minimum');
  const mixed = new TurnSegmenter({ frameSamples: 512 });
  mixed.push(new Float32Array(100));
  assert.throws(() => mixed.pushFrame(new Float32Array(512), true), /partial frame/);
});

test('on a made scene, Silero turns lie over speech only, and it beats the energy VAD there', async () => {
  const vad = await load();
  const scene = makeScene(await sceneSpeech('../shared/data/audio', 4), 1);
  const turns = await runSegmenters(scene.pcm, vad);
  const silero = scoreTurns(turns.silero, scene.segments), energy = scoreTurns(turns.energy, scene.segments);
  assert.deepEqual(silero.falseTurns, [], 'no Silero turn lies mostly over music, typing or silence');
  assert.equal(silero.precision, 1);
  assert.ok(silero.recall >= 0.75, `Silero recall ${silero.recall}`);
  assert.ok(energy.precision < silero.precision, `energy VAD precision ${energy.precision.toFixed(3)}`);
  // Streaming in other chunk sizes gives the same turns (frames, not chunks, decide).
  const seg = new SileroTurnSegmenter(vad.stream()), again = [];
  for (let i = 0; i < scene.pcm.length; i += 777) again.push(...(await seg.push(scene.pcm.subarray(i, i + 777))));
  again.push(...seg.flush());
  assert.deepEqual(again.map((t) => [t.startSample, t.endSample]), turns.silero.map((t) => [t.startSample, t.endSample]));
  await vad.dispose();
});

test('a turn whose speaking frames average under 0.65 is dropped as doubtful; a confident one is kept', async () => {
  // A scorer that plays back given probabilities, one per 512-sample frame.
  const scripted = (ps: number[]) => {
    let at = 0;
    return { probabilities: async (frames: Float32Array) => Array.from({ length: frames.length / SILERO_FRAME }, () => ps[at++] ?? 0), reset: () => { at = 0; } };
  };
  const second = Math.round(16000 / SILERO_FRAME);
  // 1 s of silence, 1.2 s hovering at 0.55 (37 confident frames: over the 400 ms minimum), 1 s of silence.
  const hovering = [...Array(second).fill(0.02), ...Array(Math.round(1.2 * second)).fill(0.55), ...Array(second).fill(0.02)];
  const music = new SileroTurnSegmenter(scripted(hovering));
  const none = [...(await music.push(new Float32Array(hovering.length * SILERO_FRAME))), ...music.flush()];
  assert.deepEqual(none, []);
  assert.equal(music.doubtful.length, 1);
  assert.ok(Math.abs(music.doubtful[0].meanProbability - 0.55) < 1e-6, `mean ${music.doubtful[0].meanProbability}`);
  // The same shape at 0.9 is a turn, and its mean is what the segmenter reports.
  const voice = hovering.map((p) => (p > 0.5 ? 0.9 : p));
  const speech = new SileroTurnSegmenter(scripted(voice));
  const turns = [...(await speech.push(new Float32Array(voice.length * SILERO_FRAME))), ...speech.flush()];
  assert.equal(turns.length, 1);
  assert.ok(Math.abs(speech.meanProbability(turns[0]) - 0.9) < 1e-6);
  assert.deepEqual(speech.doubtful, []);
  // The rule can be changed: at 0.5 the hovering turn is kept.
  const lenient = new SileroTurnSegmenter(scripted(hovering), { minMeanProbability: 0.5 });
  assert.equal([...(await lenient.push(new Float32Array(hovering.length * SILERO_FRAME))), ...lenient.flush()].length, 1);
});
