import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenarios, turnFeatures, type EmbeddingPool, type FusionSplit } from '../../tools/train/fusion/data.ts';
import type { AlignedDialogue } from '../../tools/train/fusion/pseudo-align.ts';

const pool = (rows: number[][], labels: number[]): EmbeddingPool => ({ dim: rows[0].length, data: Float32Array.from(rows.flat()), labels });
const split: FusionSplit = {
  text: pool([[1, 1], [2, 2]], [0, 1]), dialogues: [],
  audio: pool([[10, 10], [11, 11]], [0, 1]), face: pool([[20, 20], [21, 21]], [0, 1]),
  audioDegraded: pool([[-10, -10], [-11, -11]], [0, 1]), faceDegraded: pool([[-20, -20], [-21, -21], [-22, -22]], [0, 1, 1]),
};
const dialogue: AlignedDialogue = {
  id: 'd', turns: [
    { label: 0, speakerSlot: 0, textIndex: 0, audioIndex: 0, faceIndex: 1 },
    { label: 1, speakerSlot: 1, textIndex: 1, audioIndex: 1, faceIndex: 2, faceDegraded: true },
  ],
};

test('turnFeatures reads a flagged turn from the degraded pool, and a forced scenario every clip from its twin', () => {
  const clean = turnFeatures(dialogue, split);
  assert.deepEqual(Array.from(clean[0].audio!), [10, 10]);
  assert.deepEqual(Array.from(clean[1].face!), [-22, -22], 'the pairing flagged this face as degraded');
  const forced = turnFeatures(dialogue, split, 'no-text', { audio: true });
  assert.equal(forced[0].text, undefined);
  assert.deepEqual(forced.map((t) => Array.from(t.audio!)), [[-10, -10], [-11, -11]]);
  // The face pool does not mirror the clean one (3 rows vs 2): forcing it is refused rather than misread.
  assert.throws(() => turnFeatures(dialogue, split, 'fused', { face: true }), /every face degraded needs a degraded pool that mirrors the clean one/);
});

test('scenarios: degraded ones only where the split has the pools', () => {
  assert.ok('fused, degraded audio' in scenarios(split) && 'face, degraded' in scenarios(split));
  const cleanOnly = scenarios({ ...split, audioDegraded: undefined, faceDegraded: undefined });
  assert.deepEqual(Object.keys(cleanOnly), ['fused', 'text', 'audio', 'face', 'no-text', 'no-audio', 'no-face']);
  assert.ok(!('fused, degraded audio' in scenarios({ ...split, audioDegraded: undefined })));
  assert.ok('fused, degraded face' in scenarios({ ...split, audioDegraded: undefined }));
});
