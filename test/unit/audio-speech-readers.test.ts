import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classesOf, parseRavdessName, readLabelFolders, readRavdessFolder, readSpeechCorpora, readSpeechFolder, readTessFolder, speechSplit, tessWord } from '../../tools/data/speech.ts';
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
    assert.deepEqual(items.map(speechSplit), ['train', 'train', 'train', 'dev', 'dev']);
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
    assert.equal(speechSplit(items[1]), speechSplit(items[2]));
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
  const dev = words.filter((w) => speechSplit({ path: `/t/OAF_angry/OAF_${w}_angry.ogg`, label: 3, speaker: 'OAF', corpus: 'tess' }) === 'dev').length;
  assert.ok(dev > 30 && dev < 95, `${dev}/400 in dev`);
});

test('every speech corpus in ../shared/data/audio is read whole, with its classes and a speaker-disjoint dev split', () => {
  const items = readSpeechCorpora('../shared/data/audio');
  // Counts and classes as each corpus's README states them.
  const expected: Record<string, { n: number; missing: string[] }> = {
    ravdess: { n: 1200, missing: [] }, tess: { n: 2800, missing: [] }, 'crema-d': { n: 5966, missing: ['surprise'] },
    savee: { n: 480, missing: [] }, esd: { n: 1652, missing: ['fear', 'disgust'] }, emovo: { n: 490, missing: [] },
    nemo: { n: 3493, missing: ['disgust'] }, urdu: { n: 310, missing: ['fear', 'disgust', 'surprise'] },
  };
  for (const [corpus, want] of Object.entries(expected)) {
    const mine = items.filter((i) => i.corpus === corpus);
    assert.equal(mine.length, want.n, corpus);
    assert.deepEqual(LABELS.filter((_, l) => !classesOf(mine).includes(l)), want.missing, `${corpus} classes`);
    const dev = mine.filter((i) => speechSplit(i) === 'dev');
    assert.ok(dev.length > 0.1 * mine.length && dev.length < 0.35 * mine.length, `${corpus}: ${dev.length} dev clips`);
    const trainSpeakers = new Set(mine.filter((i) => speechSplit(i) === 'train').map((i) => i.speaker));
    const shared = [...new Set(dev.map((i) => i.speaker))].filter((s) => trainSpeakers.has(s));
    if (corpus === 'tess' || corpus === 'esd') {
      // Too few speakers: split by what is said instead, and no word or sentence is on both sides.
      const trainGroups = new Set(mine.filter((i) => speechSplit(i) === 'train').map((i) => i.group));
      assert.ok(dev.every((i) => i.group && !trainGroups.has(i.group)), `${corpus}: a group on both sides`);
    } else {
      assert.deepEqual(shared, [], `${corpus}: speakers on both sides`);
    }
  }
  // The held-back speakers are not here (so never in a split).
  assert.ok(!items.some((i) => (i.corpus === 'emovo' && i.speaker === 'm3') || (i.corpus === 'nemo' && ['MK0', 'SM0'].includes(i.speaker))));
});
