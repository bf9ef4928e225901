import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LABELS, toLabel, toLabelIndex, valenceArousal } from '../../src/labels.ts';

test('the label order is MELD\'s seven classes', () => {
  assert.deepEqual([...LABELS], ['neutral', 'joy', 'sadness', 'anger', 'fear', 'disgust', 'surprise']);
});

test('every dataset spelling the readers meet maps into the seven labels', () => {
  const cases: Record<string, string> = {
    calm: 'neutral', Neutral: 'neutral', none: 'neutral',
    happy: 'joy', happiness: 'joy', Joyful: 'joy', joy: 'joy',
    sad: 'sadness', Sadness: 'sadness',
    angry: 'anger', Mad: 'anger', anger: 'anger',
    fearful: 'fear', Scared: 'fear', fear: 'fear',
    disgusted: 'disgust', disgust: 'disgust',
    surprised: 'surprise', pleasant_surprise: 'surprise', ' Surprise ': 'surprise',
  };
  for (const [raw, label] of Object.entries(cases)) assert.equal(toLabel(raw), label, raw);
  assert.equal(toLabelIndex('pleasant_surprise'), 6);
  assert.equal(toLabelIndex('calm'), 0);
});

test('labels without a match are dropped, not guessed', () => {
  for (const raw of ['Peaceful', 'Powerful', 'contempt', '', 'love']) {
    assert.equal(toLabel(raw), undefined, raw);
    assert.equal(toLabelIndex(raw), -1, raw);
  }
});

test('valence/arousal is the probability-weighted circumplex position', () => {
  assert.deepEqual(valenceArousal([1, 0, 0, 0, 0, 0, 0]), { valence: 0, arousal: 0 });
  const joy = valenceArousal([0, 1, 0, 0, 0, 0, 0]);
  assert.ok(joy.valence > 0.5 && joy.arousal > 0);
  const mix = valenceArousal([0, 0.5, 0.5, 0, 0, 0, 0]);
  assert.ok(Math.abs(mix.valence - (0.8 - 0.7) / 2) < 1e-9);
});
