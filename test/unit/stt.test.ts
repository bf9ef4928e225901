import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTurnAudio, SpeechToTextError, STT_SAMPLE_RATE, TypedTextOnly, type TurnAudio } from '../../src/stt/speech-to-text.ts';
import {
  speechRecognitionError, WebSpeechToText,
  type SpeechRecognitionErrorEventLike, type SpeechRecognitionLike, type SpeechRecognitionResultEventLike, type SpeechRecognitionResultLike,
} from '../../src/stt/web-speech.ts';
import { type ASR_TASK, TransformersSpeechToText, type AsrCallOptions, type AsrPipeline, type AsrPipelineOptions } from '../../src/stt/transformers.ts';
import { transformersConfig } from '../../src/text/env.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const now = () => performance.now();
/** A 200 Hz tone at amplitude `a`, `seconds` long, 16 kHz. */
const tone = (seconds: number, a = 0.1) => Float32Array.from({ length: Math.round(seconds * STT_SAMPLE_RATE) }, (_, i) => a * Math.sin((2 * Math.PI * 200 * i) / STT_SAMPLE_RATE));
/** A turn whose time span matches its audio at 16 kHz, ending now. */
const turnOf = (pcm16k: Float32Array): TurnAudio => { const endMs = now(); return { pcm16k, startMs: endMs - (pcm16k.length / STT_SAMPLE_RATE) * 1000, endMs }; };
const rejectsWith = (p: Promise<unknown>, code: string, pattern?: RegExp) =>
  assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SpeechToTextError, `expected SpeechToTextError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });

// ---------------------------------------------------------------- interface, typed default

test('TypedTextOnly: on-device, never transcribes (the typed text box stays the source of text)', async () => {
  const stt = new TypedTextOnly();
  assert.equal(stt.id, 'typed');
  assert.equal(stt.onDevice, true);
  await stt.start();
  assert.equal(await stt.transcribe(turnOf(tone(1))), undefined);
  assert.equal(await stt.transcribe({ pcm16k: new Float32Array(0), startMs: 0, endMs: 3000 }), undefined);
  stt.stop();
  await stt.dispose();
});

test('checkTurnAudio accepts 16 kHz audio and rejects 48 kHz audio or a non-Float32Array', () => {
  checkTurnAudio(turnOf(tone(1)), 'x');
  checkTurnAudio({ pcm16k: new Float32Array(0), startMs: 0, endMs: 3000 }, 'x'); // typed-only turn: no audio to check
  assert.throws(() => checkTurnAudio({ pcm16k: new Float32Array(48000), startMs: 0, endMs: 1000 }, 'x'),
    (e: unknown) => e instanceof SpeechToTextError && e.code === 'bad-audio' && /48000 Hz/.test(e.message));
  assert.throws(() => checkTurnAudio({ pcm16k: [0, 0] as unknown as Float32Array, startMs: 0, endMs: 1 }, 'x'),
    (e: unknown) => e instanceof SpeechToTextError && e.code === 'bad-audio');
});

// ---------------------------------------------------------------- Transformers.js adapter (stand-in pipeline)

interface StandIn {
  factory: (task: typeof ASR_TASK, model: string, options: AsrPipelineOptions) => Promise<AsrPipeline>;
  created: { task: string; model: string; options: AsrPipelineOptions }[];
  calls: { audio: Float32Array; options?: AsrCallOptions }[];
  disposed: number;
  maxConcurrent: number;
}

/** A stand-in ASR pipeline: records how it was created and what it receives; `reply` decides the output. */
function standIn(reply: (audio: Float32Array) => unknown = () => ({ text: '  hello world  ' }), samplingRate: number | undefined = 16000, delayMs = 0): StandIn {
  const s: StandIn = { created: [], calls: [], disposed: 0, maxConcurrent: 0, factory: async () => { throw new Error('unset'); } };
  let running = 0;
  s.factory = async (task, model, options) => {
    s.created.push({ task, model, options });
    const pipe = (async (audio: Float32Array, options?: AsrCallOptions) => {
      running++; s.maxConcurrent = Math.max(s.maxConcurrent, running);
      try {
        s.calls.push({ audio, options });
        if (delayMs) await sleep(delayMs);
        const out = reply(audio);
        if (out instanceof Error) throw out;
        return out;
      } finally { running--; }
    }) as AsrPipeline;
    pipe.dispose = async () => { s.disposed++; };
    if (samplingRate !== undefined) pipe.processor = { feature_extractor: { config: { sampling_rate: samplingRate } } };
    return pipe;
  };
  return s;
}

test('Transformers adapter: creates the ASR pipeline with the model and options, passes the 16 kHz Float32Array as is, trims the text', async () => {
  const s = standIn();
  const progressCallback = () => {};
  const stt = await TransformersSpeechToText.load({ model: 'onnx-community/whisper-tiny.en', pipelineFactory: s.factory, device: 'wasm', dtype: 'q8', progressCallback });
  assert.deepEqual(s.created, [{ task: 'automatic-speech-recognition', model: 'onnx-community/whisper-tiny.en', options: { device: 'wasm', dtype: 'q8', progress_callback: progressCallback } }]);
  assert.equal(stt.id, 'transformers');
  assert.equal(stt.onDevice, true);
  assert.match(stt.label, /on-device.*whisper-tiny\.en/);
  await stt.start(); // no-op: works on the turn's audio, not the live stream
  const turn = turnOf(tone(1.5));
  assert.equal(await stt.transcribe(turn), 'hello world');
  assert.equal(s.calls.length, 1);
  assert.equal(s.calls[0].audio, turn.pcm16k, 'the same Float32Array, not a copy or a resampled one');
  assert.equal(s.calls[0].audio.length, 24000);
  // English-only models reject language/task: none is passed unless asked for.
  assert.deepEqual(s.calls[0].options, {});
  await stt.dispose();
  assert.equal(s.disposed, 1);
  await stt.dispose();
  assert.equal(s.disposed, 1, 'dispose is idempotent');
  await rejectsWith(stt.transcribe(turnOf(tone(1))), 'disposed');
});

test('Transformers adapter: language/task are passed to the pipeline; audio longer than 30 s is chunked; array output is read', async () => {
  const s = standIn(() => [{ text: ' bonjour ' }]);
  const stt = await TransformersSpeechToText.load({ model: 'whisper-base', pipelineFactory: s.factory, language: 'french', task: 'transcribe' });
  assert.equal(await stt.transcribe(turnOf(tone(2))), 'bonjour');
  assert.deepEqual(s.calls[0].options, { language: 'french', task: 'transcribe' });
  await stt.transcribe(turnOf(tone(31)));
  assert.deepEqual(s.calls[1].options, { language: 'french', task: 'transcribe', chunk_length_s: 30, stride_length_s: 5 });
});

test('Transformers adapter: silence and too-short turns return undefined without running the model', async () => {
  const s = standIn();
  const stt = await TransformersSpeechToText.load({ model: 'm', pipelineFactory: s.factory });
  assert.equal(await stt.transcribe(turnOf(new Float32Array(16000))), undefined, 'digital silence');
  assert.equal(await stt.transcribe(turnOf(tone(1, 5e-5))), undefined, 'RMS ≈ 3.5e-5 < 1e-4');
  assert.equal(await stt.transcribe(turnOf(tone(0.15))), undefined, '0.15 s < 0.2 s');
  assert.equal(await stt.transcribe({ pcm16k: new Float32Array(0), startMs: 0, endMs: 3000 }), undefined, 'typed-only turn');
  assert.equal(s.calls.length, 0);
  assert.equal(await stt.transcribe(turnOf(tone(0.25))), 'hello world', 'just above the limits: transcribed');
  assert.equal(s.calls.length, 1);
});

test('Transformers adapter: empty text and Whisper non-speech tags give undefined', async () => {
  const replies = [{ text: '   ' }, { text: ' [BLANK_AUDIO]' }, { text: '(silence) ' }, { text: '' }, { text: ' [laughs] yes ' }];
  const s = standIn(() => replies.shift());
  const stt = await TransformersSpeechToText.load({ model: 'm', pipelineFactory: s.factory });
  for (let i = 0; i < 4; i++) assert.equal(await stt.transcribe(turnOf(tone(1))), undefined);
  assert.equal(await stt.transcribe(turnOf(tone(1))), '[laughs] yes', 'a tag inside speech is kept');
});

test('Transformers adapter: pipeline errors become SpeechToTextError naming the model; later turns still work', async () => {
  const boom = new Error('ORT session failed');
  let fail = true;
  const s = standIn(() => (fail ? boom : { text: 'ok' }));
  const stt = await TransformersSpeechToText.load({ model: 'my-asr', pipelineFactory: s.factory });
  await assert.rejects(stt.transcribe(turnOf(tone(1))), (e: unknown) => {
    assert.ok(e instanceof SpeechToTextError);
    assert.equal(e.code, 'transcribe-failed');
    assert.equal(e.adapter, 'transformers');
    assert.match(e.message, /"my-asr".*ORT session failed/);
    assert.equal(e.cause, boom);
    return true;
  });
  fail = false;
  assert.equal(await stt.transcribe(turnOf(tone(1))), 'ok');
});

test('Transformers adapter: 48 kHz audio is refused, not silently mis-heard', async () => {
  const s = standIn();
  const stt = await TransformersSpeechToText.load({ model: 'm', pipelineFactory: s.factory });
  await rejectsWith(stt.transcribe({ pcm16k: new Float32Array(48000).fill(0.1), startMs: 0, endMs: 1000 }), 'bad-audio', /16 kHz/);
  assert.equal(s.calls.length, 0);
});

test('Transformers adapter: load failures name the model; a model expecting another sample rate is refused (and disposed)', async () => {
  await rejectsWith(TransformersSpeechToText.load({ model: 'missing-asr', pipelineFactory: async () => { throw new Error('file not found'); } }),
    'load-failed', /"missing-asr".*file not found/);
  await rejectsWith(TransformersSpeechToText.load({ model: '', pipelineFactory: standIn().factory }), 'load-failed', /no model/);
  const s = standIn(undefined, 8000);
  await rejectsWith(TransformersSpeechToText.load({ model: 'asr-8k', pipelineFactory: s.factory }), 'load-failed', /"asr-8k" expects 8000 Hz/);
  assert.equal(s.disposed, 1);
  // A pipeline that does not expose its processor is accepted (16 kHz assumed).
  await TransformersSpeechToText.load({ model: 'm', pipelineFactory: standIn(undefined, undefined).factory });
});

test('Transformers adapter: concurrent turns run one at a time; dispose waits for the running one', async () => {
  const s = standIn((a) => ({ text: `n${a.length}` }), 16000, 30);
  const stt = await TransformersSpeechToText.load({ model: 'm', pipelineFactory: s.factory });
  const results = Promise.all([stt.transcribe(turnOf(tone(1))), stt.transcribe(turnOf(tone(2))), stt.transcribe(turnOf(tone(3)))]);
  const disposed = stt.dispose();
  assert.deepEqual(await results, ['n16000', 'n32000', 'n48000'], 'in order');
  await disposed;
  assert.equal(s.maxConcurrent, 1);
  assert.equal(s.disposed, 1);
});

test('Transformers adapter: the default factory configures Transformers.js and reports a missing local model by name', async () => {
  // Offline by default: a folder that does not exist under public/models fails fast, without any download.
  await rejectsWith(TransformersSpeechToText.load({ model: 'no-such-asr-model' }), 'load-failed', /"no-such-asr-model"/);
  assert.ok(transformersConfig(), 'ensureTransformersConfigured() ran');
  assert.equal(transformersConfig()!.allowRemoteModels, false);
});

// ---------------------------------------------------------------- Web Speech adapter (stand-in recognition)

interface FakeRecognition extends SpeechRecognitionLike {
  starts: (MediaStreamTrack | undefined)[];
  stops: number;
  aborts: number;
  running: boolean;
  /** Delivers final phrases (and optionally one interim) as Chrome does in continuous mode: the list grows. */
  emit(finals: string[], interim?: string): void;
  end(): void;
  fail(code: string): void;
}

function fakeRecognitionClass(options: { throwOnStart?: boolean } = {}) {
  const instances: FakeRecognition[] = [];
  class Fake implements FakeRecognition {
    continuous = false; interimResults = true; maxAlternatives = 5; lang = 'xx';
    onresult: ((event: SpeechRecognitionResultEventLike) => void) | null = null;
    onerror: ((event: SpeechRecognitionErrorEventLike) => void) | null = null;
    onend: (() => void) | null = null;
    starts: (MediaStreamTrack | undefined)[] = []; stops = 0; aborts = 0; running = false;
    private results: SpeechRecognitionResultLike[] = [];
    constructor() { instances.push(this); }
    start(track?: MediaStreamTrack): void {
      if (options.throwOnStart) throw new Error('InvalidStateError: the track is not live');
      if (this.running) throw new Error('InvalidStateError: recognition has already started');
      this.running = true; this.starts.push(track); this.results = [];
    }
    stop(): void { this.stops++; }
    abort(): void { this.aborts++; this.running = false; }
    emit(finals: string[], interim?: string): void {
      const resultIndex = this.results.length;
      for (const text of finals) this.results.push({ isFinal: true, length: 1, 0: { transcript: text, confidence: 0.9 } });
      if (interim) this.results.push({ isFinal: false, length: 1, 0: { transcript: interim } });
      this.onresult?.({ resultIndex, results: this.results });
      if (interim) this.results.pop(); // an interim result is replaced by the next event
    }
    end(): void { this.running = false; this.onend?.(); }
    fail(code: string): void { this.onerror?.({ error: code, message: `detail of ${code}` }); }
  }
  return { Fake, instances };
}

const liveTrack = () => ({ kind: 'audio', readyState: 'live' }) as { kind: string; readyState: string };
const streamWith = (track: object) => ({ getAudioTracks: () => [track] }) as unknown as MediaStream;

test('Web Speech: isSupported looks for SpeechRecognition or webkitSpeechRecognition; without one the constructor explains', () => {
  const { Fake } = fakeRecognitionClass();
  assert.equal(WebSpeechToText.isSupported({}), false);
  assert.equal(WebSpeechToText.isSupported({ SpeechRecognition: Fake }), true);
  assert.equal(WebSpeechToText.isSupported({ webkitSpeechRecognition: Fake }), true);
  assert.equal(WebSpeechToText.isSupported({ SpeechRecognition: 'not a constructor' }), false);
  assert.equal(WebSpeechToText.isSupported(), false, 'Node has no Web Speech API');
  assert.throws(() => new WebSpeechToText(), (e: unknown) => e instanceof SpeechToTextError && e.code === 'unsupported' && /typed text/.test(e.message));
});

test('Web Speech: labelled not on-device; starts continuous, final results only, on the stream\'s audio track', async () => {
  const { Fake, instances } = fakeRecognitionClass();
  const stt = new WebSpeechToText({ recognitionConstructor: Fake, lang: 'en-GB' });
  assert.equal(stt.id, 'web-speech');
  assert.equal(stt.onDevice, false);
  assert.match(stt.label, /not on-device/);
  const track = liveTrack();
  await stt.start(streamWith(track));
  await stt.start(streamWith(track)); // already listening: no second start
  assert.equal(instances.length, 1);
  const rec = instances[0];
  assert.equal(rec.continuous, true);
  assert.equal(rec.interimResults, false);
  assert.equal(rec.maxAlternatives, 1);
  assert.equal(rec.lang, 'en-GB');
  assert.deepEqual(rec.starts, [track]);
  await stt.dispose();
  const noTrack = new WebSpeechToText({ recognitionConstructor: Fake, useStreamTrack: false });
  await noTrack.start(streamWith(liveTrack()));
  assert.deepEqual(instances[1].starts, [undefined]);
  await noTrack.dispose();
});

test('Web Speech: a turn gets the final phrases that arrived in [start, end + grace], once, in order', async () => {
  const { Fake, instances } = fakeRecognitionClass();
  const graceMs = 40;
  const stt = new WebSpeechToText({ recognitionConstructor: Fake, graceMs, settleMs: Infinity });
  await stt.start();
  const rec = instances[0];
  rec.emit(['stale phrase']);
  await sleep(10);
  const startMs = now();
  rec.emit([' hello there '], 'interim words');
  await sleep(10);
  rec.emit(['how are you']);
  const endMs = now();
  await sleep(15);
  rec.emit(['late but in grace']); // ≥ 15 ms after the end, and (most likely) < 40 ms
  const inGraceBy = now() - endMs;
  await sleep(graceMs + 30);
  const nextStart = now();
  rec.emit(['next turn']); // > end + grace: not this turn's
  const turn = { pcm16k: new Float32Array(0), startMs, endMs };
  const expected = inGraceBy <= graceMs ? 'hello there how are you late but in grace' : 'hello there how are you';
  assert.equal(await stt.transcribe(turn), expected);
  assert.equal(await stt.transcribe(turn), undefined, 'phrases are removed once used');
  assert.equal(await stt.transcribe({ pcm16k: new Float32Array(0), startMs: nextStart, endMs: now() }), 'next turn');
  await stt.dispose();
});

test('Web Speech: waits up to the grace period for a late phrase', async () => {
  const { Fake, instances } = fakeRecognitionClass();
  // settleMs Infinity: always waits the whole grace period.
  const full = new WebSpeechToText({ recognitionConstructor: Fake, graceMs: 500, settleMs: Infinity });
  await full.start();
  let t0 = now();
  setTimeout(() => instances[0].emit(['arrived late']), 30);
  assert.equal(await full.transcribe({ pcm16k: new Float32Array(0), startMs: t0 - 1000, endMs: t0 }), 'arrived late');
  assert.ok(now() - t0 >= 495, `waited the full grace (${(now() - t0).toFixed(0)} ms)`);
  await full.dispose();

  // Default settle: returns soon after a phrase arrives past the turn's end, not at the end of a long grace.
  const quick = new WebSpeechToText({ recognitionConstructor: Fake, graceMs: 10_000 });
  await quick.start();
  t0 = now();
  setTimeout(() => instances[1].emit(['soon']), 30);
  assert.equal(await quick.transcribe({ pcm16k: new Float32Array(0), startMs: t0 - 1000, endMs: t0 }), 'soon');
  assert.ok(now() - t0 < 5000, `returned early (${(now() - t0).toFixed(0)} ms)`);

  // Nothing said: undefined once the grace has passed.
  t0 = now();
  const empty = new WebSpeechToText({ recognitionConstructor: Fake, graceMs: 80 });
  await empty.start();
  assert.equal(await empty.transcribe({ pcm16k: new Float32Array(0), startMs: t0 - 1000, endMs: t0 }), undefined);
  assert.ok(now() - t0 >= 75);
  await quick.dispose(); await empty.dispose();
});

test('Web Speech: stop() lets the last phrase arrive, then pending turns return without waiting out the grace', async () => {
  const { Fake, instances } = fakeRecognitionClass();
  const stt = new WebSpeechToText({ recognitionConstructor: Fake, graceMs: 10_000, settleMs: Infinity });
  await stt.start();
  const rec = instances[0];
  const t0 = now();
  const pending = stt.transcribe({ pcm16k: new Float32Array(0), startMs: t0 - 1000, endMs: t0 });
  stt.stop();
  assert.equal(rec.stops, 1, 'stop(), not abort(): the phrase in progress is still delivered');
  assert.equal(rec.aborts, 0);
  rec.emit(['last words']);
  rec.end();
  assert.equal(await pending, 'last words');
  assert.ok(now() - t0 < 5000);
  await sleep(20);
  assert.equal(rec.starts.length, 1, 'no restart after stop()');
  // Not listening: a new turn returns at once.
  const t1 = now();
  assert.equal(await stt.transcribe({ pcm16k: new Float32Array(0), startMs: t1 - 500, endMs: t1 }), undefined);
  assert.ok(now() - t1 < 5000);
  // And it can be started again.
  await stt.start();
  assert.equal(rec.starts.length, 2);
  await stt.dispose();
});

test('Web Speech: restarts when the browser ends recognition on its own (Chrome after a silence), spaced by minRestartIntervalMs', async () => {
  const { Fake, instances } = fakeRecognitionClass();
  const stt = new WebSpeechToText({ recognitionConstructor: Fake, minRestartIntervalMs: 0, graceMs: 50 });
  const track = liveTrack();
  await stt.start(streamWith(track));
  const rec = instances[0];
  rec.end();
  await sleep(10);
  assert.deepEqual(rec.starts, [track, track], 'restarted on the same track');
  // Phrases after the restart are still collected.
  const t0 = now();
  rec.emit(['after restart']);
  assert.equal(await stt.transcribe({ pcm16k: new Float32Array(0), startMs: t0, endMs: now() + 1 }), 'after restart');
  // The app stopped its tracks: no restart (and no fallback to the browser opening a mic by itself).
  track.readyState = 'ended';
  rec.end();
  await sleep(10);
  assert.equal(rec.starts.length, 2);
  await stt.dispose();

  const spaced = new WebSpeechToText({ recognitionConstructor: Fake, minRestartIntervalMs: 150 });
  await spaced.start();
  const rec2 = instances[1];
  rec2.end(); // right after starting: the restart waits
  await sleep(20);
  assert.equal(rec2.starts.length, 1, 'not restarted at once');
  await sleep(250);
  assert.equal(rec2.starts.length, 2, 'restarted after the interval');
  await spaced.dispose();
});

test('Web Speech: error codes map to clear messages; fatal ones stop listening and make transcribe throw', async () => {
  const cases: [string, string, boolean, RegExp][] = [
    ['not-allowed', 'not-allowed', false, /permission/],
    ['service-not-allowed', 'service-not-allowed', false, /does not allow/],
    ['network', 'network', false, /vendor's servers.*network connection/],
    ['no-speech', 'no-speech', true, /still listening/],
    ['audio-capture', 'audio-capture', false, /no microphone/],
    ['language-not-supported', 'language-not-supported', false, /"de-AT"/],
    ['something-new', 'unknown', true, /something-new.*the detail/],
  ];
  for (const [raw, code, recoverable, pattern] of cases) {
    const e = speechRecognitionError(raw, 'the detail', 'de-AT');
    assert.equal(e.code, code, raw);
    assert.equal(e.recoverable, recoverable, raw);
    assert.equal(e.adapter, 'web-speech');
    assert.match(e.message, pattern, raw);
  }

  const { Fake, instances } = fakeRecognitionClass();
  const reported: SpeechToTextError[] = [];
  const stt = new WebSpeechToText({ recognitionConstructor: Fake, minRestartIntervalMs: 0, onError: (e) => reported.push(e) });
  await stt.start();
  const rec = instances[0];
  rec.fail('aborted'); // caused by stop/abort: not reported
  rec.fail('no-speech');
  rec.end();
  await sleep(10);
  assert.equal(rec.starts.length, 2, 'no-speech is recoverable: restarted');
  assert.deepEqual(reported.map((e) => [e.code, e.recoverable]), [['no-speech', true]]);

  const t0 = now();
  const pending = stt.transcribe({ pcm16k: new Float32Array(0), startMs: t0 - 1000, endMs: t0 });
  rec.fail('not-allowed');
  rec.end();
  assert.equal(await pending, undefined, 'a turn already waiting returns what it has');
  await sleep(10);
  assert.equal(rec.starts.length, 2, 'not restarted after a fatal error');
  assert.deepEqual(reported.map((e) => e.code), ['no-speech', 'not-allowed']);
  await rejectsWith(stt.transcribe({ pcm16k: new Float32Array(0), startMs: now(), endMs: now() }), 'not-allowed', /permission/);
  // start() again clears the failure and retries.
  await stt.start();
  assert.equal(rec.starts.length, 3);
  await stt.dispose();
});

test('Web Speech: a failing start() and dispose()', async () => {
  const { Fake: Throwing } = fakeRecognitionClass({ throwOnStart: true });
  const broken = new WebSpeechToText({ recognitionConstructor: Throwing });
  await rejectsWith(broken.start(), 'start-failed', /not live/);

  const { Fake, instances } = fakeRecognitionClass();
  const stt = new WebSpeechToText({ recognitionConstructor: Fake, graceMs: 10_000 });
  await stt.start();
  const rec = instances[0];
  const t0 = now();
  rec.emit(['kept']);
  const pending = stt.transcribe({ pcm16k: new Float32Array(0), startMs: t0, endMs: now() + 1 });
  await stt.dispose();
  assert.equal(await pending, 'kept', 'a pending turn returns what it has');
  assert.equal(rec.aborts, 1);
  assert.equal(rec.onresult, null);
  assert.equal(rec.onend, null);
  await rejectsWith(stt.transcribe({ pcm16k: new Float32Array(0), startMs: 0, endMs: 1 }), 'disposed');
  await rejectsWith(stt.start(), 'disposed');
});
