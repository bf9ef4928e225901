// The turn policy shared by the library, live sessions and file mode (src/session/turn.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FACE_WINDOW, facesInTurn, meanFace, speakerFaces, toProbabilities } from '../../src/session/turn.ts';
import { LABELS } from '../../src/labels.ts';

const face = (t: number, v: number) => ({ t, embedding: new Float32Array([v, 2 * v]), ms: v });

test('a turn takes the faces from 500 ms before it starts to 100 ms after it ends, and averages them', () => {
  assert.deepEqual(DEFAULT_FACE_WINDOW, { beforeMs: 500, afterMs: 100 });
  const faces = [face(400, 1), face(500, 2), face(1500, 3), face(2100, 4), face(2101, 5)];
  const inTurn = facesInTurn(faces, 1000, 2000);
  assert.deepEqual(inTurn.map((f) => f.t), [500, 1500, 2100]);
  const mean = meanFace(inTurn);
  assert.deepEqual(Array.from(mean.embedding!), [3, 6]);
  assert.equal(mean.ms, 3);
  assert.deepEqual(facesInTurn(faces, 1000, 2000, { beforeMs: 0, afterMs: 0 }).map((f) => f.t), [1500]);
  assert.deepEqual(meanFace([]), {});
});

test('model outputs in label order become a label-keyed result', () => {
  const p = toProbabilities(Float32Array.from(LABELS, (_, i) => i / 10));
  assert.deepEqual(Object.keys(p), [...LABELS]);
  assert.equal(p.surprise, Math.fround(0.6));
});

test('a turn with several faces takes one person\'s: the chosen track while seen, else the largest face', () => {
  const e = (v: number) => Float32Array.from([v, v]);
  const faces = [
    { t: 0, embedding: e(1), ms: 1, trackId: 1, area: 100 }, { t: 0, embedding: e(2), ms: 1, trackId: 2, area: 900 },
    { t: 100, embedding: e(1), ms: 1, trackId: 1, area: 120 }, { t: 100, embedding: e(3), ms: 1, trackId: 2, area: 800 },
  ];
  assert.deepEqual(speakerFaces(faces).map((f) => f.trackId), [2, 2], 'the largest face');
  assert.deepEqual(Array.from(meanFace(speakerFaces(faces)).embedding!), [2.5, 2.5]);
  assert.deepEqual(speakerFaces(faces, 1).map((f) => f.embedding[0]), [1, 1], 'the chosen one');
  assert.deepEqual(speakerFaces(faces, 7).map((f) => f.trackId), [2, 2], 'a chosen track not in the turn: the largest');
  // Faces without tracks (one face per frame, file mode) are all kept.
  const untracked = [{ t: 0, embedding: e(1), ms: 1 }, { t: 1, embedding: e(2), ms: 1 }];
  assert.equal(speakerFaces(untracked).length, 2);
  assert.deepEqual(speakerFaces([]), []);
});
