import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pseudoAlign, type Dialogue } from '../../tools/train/fusion/pseudo-align.ts';

const audioLabels = [0, 0, 1, 1, 2, 3, 4, 5, 6, 6];
const faceLabels = [6, 5, 4, 3, 2, 1, 0, 0, 1, 2];
const dialogues: Dialogue[] = [
  { id: 'd1', turns: [{ speaker: 'Ross', label: 1, textIndex: 0 }, { speaker: 'Rachel', label: 3, textIndex: 1 }, { speaker: 'Ross', label: -1, textIndex: 2 }] },
  { id: 'd2', turns: Array.from({ length: 40 }, (_, i) => ({ speaker: `s${i % 3}`, label: i % 7, textIndex: 3 + i })) },
];

test('without noise every clip and image carries the turn label; speakers get stable slots', () => {
  const out = pseudoAlign(dialogues, audioLabels, faceLabels, { seed: 3 });
  for (const [d, dialogue] of out.entries()) for (const [t, turn] of dialogue.turns.entries()) {
    const label = dialogues[d].turns[t].label;
    if (label < 0) { assert.equal(turn.audioIndex, -1); assert.equal(turn.faceIndex, -1); continue; }
    assert.equal(audioLabels[turn.audioIndex], label);
    assert.equal(faceLabels[turn.faceIndex], label);
  }
  assert.deepEqual(out[0].turns.map((t) => t.speakerSlot), [0, 1, 0]);
});

test('the same seed gives the same conversations; another seed differs', () => {
  const a = pseudoAlign(dialogues, audioLabels, faceLabels, { seed: 5, conflict: 0.3 });
  assert.deepEqual(a, pseudoAlign(dialogues, audioLabels, faceLabels, { seed: 5, conflict: 0.3 }));
  assert.notDeepEqual(a, pseudoAlign(dialogues, audioLabels, faceLabels, { seed: 6, conflict: 0.3 }));
});

test('conflict noise and dropout happen at about the configured rates, never dropping all modalities', () => {
  const many: Dialogue[] = [{ id: 'x', turns: Array.from({ length: 4000 }, (_, i) => ({ speaker: 'a', label: i % 7, textIndex: i })) }];
  const out = pseudoAlign(many, audioLabels, faceLabels, { seed: 9, conflict: 0.5, dropout: { text: 0.3, audio: 0.3, face: 0.3 } })[0].turns;
  const kept = out.filter((t) => t.audioIndex >= 0);
  const mismatched = kept.filter((t) => audioLabels[t.audioIndex] !== t.label).length / kept.length;
  // conflict 0.5 draws a uniformly random label, which is the true one 1/7 of the time: expect 0.5·6/7 ≈ 0.43.
  assert.ok(Math.abs(mismatched - 0.43) < 0.05, `mismatch rate ${mismatched}`);
  const dropped = out.filter((t) => t.textIndex < 0).length / out.length;
  assert.ok(Math.abs(dropped - 0.3) < 0.04, `text dropout ${dropped}`);
  assert.ok(out.every((t) => t.textIndex >= 0 || t.audioIndex >= 0 || t.faceIndex >= 0));
});

test('degradation: turns draw from the degraded pools at the configured rates; without a rate the pairing is unchanged', () => {
  const many: Dialogue[] = [{ id: 'x', turns: Array.from({ length: 4000 }, (_, i) => ({ speaker: 'a', label: i % 7, textIndex: i })) }];
  const degradedAudio = [3, 3, 0, 1, 2, 4, 5, 6], degradedFace = [0, 1, 2, 3, 4, 5, 6];
  const plain = pseudoAlign(many, audioLabels, faceLabels, { seed: 2 });
  assert.deepEqual(pseudoAlign(many, audioLabels, faceLabels, { seed: 2, degrade: { audio: 0, face: 0 } }, { audio: degradedAudio, face: degradedFace }), plain);
  const turns = pseudoAlign(many, audioLabels, faceLabels, { seed: 2, degrade: { audio: 0.5, face: 0.25 } }, { audio: degradedAudio, face: degradedFace })[0].turns;
  const rate = (f: (t: (typeof turns)[number]) => boolean) => turns.filter(f).length / turns.length;
  assert.ok(Math.abs(rate((t) => t.audioDegraded === true) - 0.5) < 0.03);
  assert.ok(Math.abs(rate((t) => t.faceDegraded === true) - 0.25) < 0.03);
  // A degraded turn's index is into the degraded pool and carries the turn's label there.
  for (const t of turns) {
    assert.equal((t.audioDegraded ? degradedAudio : audioLabels)[t.audioIndex], t.label);
    assert.equal((t.faceDegraded ? degradedFace : faceLabels)[t.faceIndex], t.label);
  }
});
