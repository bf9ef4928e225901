/** The session export: JSON and CSV give back the same turns and frames; other files fail with a reason. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CSV_COLUMNS, readSessionExport, SessionFileError, sessionToCsv, sessionToJson, type SessionFrame, type SessionTurn } from '../../src/session/export.ts';
import { LABELS } from '../../src/labels.ts';

const probs = (k: number) => Object.fromEntries(LABELS.map((l, i) => [l, (i === k ? 0.4 : 0.1) + i * 1e-9])) as SessionTurn['probabilities'];
const turns: SessionTurn[] = [
  {
    index: 0, speaker: 'Ann', transcript: 'Well, "that" is\nnews, isn\'t it?', label: 'joy', confidence: 0.4, probabilities: probs(1), raw: probs(2),
    valence: 0.51234567891, arousal: -0.25, modalities: { text: probs(1), face: probs(3) }, gate: { text: 0.6, audio: 0, face: 0.4 },
    startMs: 1234.5, endMs: 4321.25, timestamp: 1765000000000, timings: { fusionMs: 1.5, textMs: 12, faceMs: 3 },
  },
  {
    index: 1, speaker: 'Bo, the second', label: 'anger', confidence: 0.4, probabilities: probs(3), valence: -0.7, arousal: 0.8,
    modalities: { audio: probs(3) }, gate: { text: 0, audio: 1, face: 0 }, startMs: 5000, endMs: 7000, timings: { fusionMs: 2, audioMs: 40 },
  },
];
const frames: SessionFrame[] = [{ trackId: 2, timestamp: 1765000000100, label: 'sadness', confidence: 0.4, probabilities: probs(2), box: { x: 10.5, y: 20, width: 100, height: 120 } }];

test('JSON round trip: the same turns and frames, schema and version stated', () => {
  const text = sessionToJson(turns, frames);
  const data = JSON.parse(text);
  assert.equal(data.schema, 'emolens-session');
  assert.equal(data.version, 1);
  assert.deepEqual(data.labels, [...LABELS]);
  const back = readSessionExport(text);
  assert.deepEqual(back.turns, turns);
  assert.deepEqual(back.frames, frames);
  assert.equal(readSessionExport(sessionToJson(turns)).frames, undefined, 'frames only when asked');
});

test('CSV round trip: one row per turn and frame, quoting that survives commas, quotes and line breaks', () => {
  const text = sessionToCsv(turns, frames);
  assert.ok(text.startsWith(`${CSV_COLUMNS.join(',')}\r\n`));
  // Records end in CRLF; the transcript's own line break stays inside its quoted field.
  assert.equal(text.split('\r\n').filter(Boolean).length, 1 + 2 + 1, 'header, two turns, a frame');
  assert.ok(text.includes('"Well, ""that"" is\nnews, isn\'t it?"'));
  const back = readSessionExport(text);
  assert.deepEqual(back.turns, turns);
  assert.deepEqual(back.frames, frames);
});

test('files that are not exports, or from a newer schema, fail with a reason', () => {
  assert.throws(() => readSessionExport('hello'), SessionFileError);
  assert.throws(() => readSessionExport('{"schema":"other"}'), /schema is "other"/);
  assert.throws(() => readSessionExport(JSON.stringify({ schema: 'emolens-session', version: 2, turns: [] })), /version 2 is newer/);
  assert.throws(() => readSessionExport(JSON.stringify({ schema: 'emolens-session', version: 1, turns: [{ speaker: 'a', label: 'bored', probabilities: probs(0) }] })), /turn 0: label "bored"/);
  assert.throws(() => readSessionExport('kind,label\r\nturn,joy\r\n'), /no "speaker" column/);
  assert.throws(() => readSessionExport(`${CSV_COLUMNS.join(',')}\r\nturn,0,,,,"open`), /not closed/);
});
