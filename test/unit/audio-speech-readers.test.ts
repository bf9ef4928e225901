import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRavdessName, readLabelFolders, readRavdessFolder, readSpeechFolder, readTessFolder, tessWord } from '../../tools/data/speech.ts';
import { splitOf } from '../../tools/train/prepare-audio.ts';
import { LABELS } from '../../src/labels.ts';

function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'emolens-speech-'));
  for (const f of files) { mkdirSync(join(root, f, '..'), { recursive: true }); writeFileSync(join(root, f), ''); }
  return root;
}
const label = (i: number) => LABELS[i];

test('RAVDESS: names anywhere below the folder, emotion codes mapped (calm → neutral), actor as speaker', () => {
  const root = tree([
    'Actor_01/03-01-01-01-01-01-01.wav', 'Actor_01/03-01-02-01-01-01-01.ogg', 'Actor_01/03-01-03-02-01-01-01.wav',
    'deep/x/Actor_18/03-01-08-01-02-02-18.ogg', 'Actor_18/03-01-07-01-01-01-18.wav', 'Actor_18/notes.txt', 'Actor_18/03-01-05-01-01-01-18.txt',
  ]);
  try {
    const items = readRavdessFolder(root);
    assert.deepEqual(items.map((i) => [label(i.label), i.speaker, i.corpus]), [
      ['neutral', 'actor_01', 'ravdess'], ['neutral', 'actor_01', 'ravdess'], ['joy', 'actor_01', 'ravdess'],
      ['disgust', 'actor_18', 'ravdess'], ['surprise', 'actor_18', 'ravdess'],
    ]);
    assert.deepEqual(readSpeechFolder(root).length, 5);
    assert.deepEqual(items.map(splitOf), ['train', 'train', 'train', 'dev', 'dev']);
    assert.equal(parseRavdessName('03-01-04-01-01-01-16.wav')?.label, LABELS.indexOf('sadness'));
    assert.equal(parseRavdessName('03-01-09-01-01-01-16.wav'), undefined);
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('TESS: <OAF|YAF>_<emotion> folders, pleasant_surprise → surprise, words split cleanly', () => {
  const root = tree(['OAF_angry/OAF_back_angry.ogg', 'YAF_pleasant_surprise/YAF_back_ps.ogg', 'OAF_Fear/OAF_dog_fear.wav', 'YAF_sad/readme.md', 'other/x.wav']);
  try {
    const items = readTessFolder(root);
    assert.deepEqual(items.map((i) => [label(i.label), i.speaker, tessWord(i.path)]), [
      ['fear', 'OAF', 'dog'], ['anger', 'OAF', 'back'], ['surprise', 'YAF', 'back'],
    ]);
    assert.equal(readSpeechFolder(root)[0].corpus, 'tess');
    // The same word always lands in the same split.
    assert.equal(splitOf(items[1]), splitOf(items[2]));
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('generic <label>/ folders via toLabel, unknown folders skipped; auto-detected', () => {
  const root = tree(['happy/a.wav', 'Angry/b.mp3', 'calm/c.flac', 'contempt/d.wav', 'happy/e.txt']);
  try {
    const items = readLabelFolders(root);
    assert.deepEqual(items.map((i) => label(i.label)).sort(), ['anger', 'joy', 'neutral']);
    assert.deepEqual(readSpeechFolder(root).map((i) => i.corpus), ['folder', 'folder', 'folder']);
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('TESS word split puts roughly 15% of words in dev', () => {
  const words = Array.from({ length: 400 }, (_, i) => `w${i}x`);
  const dev = words.filter((w) => splitOf({ path: `/t/OAF_angry/OAF_${w}_angry.ogg`, label: 3, speaker: 'OAF', corpus: 'tess' }) === 'dev').length;
  assert.ok(dev > 30 && dev < 95, `${dev}/400 in dev`);
});
