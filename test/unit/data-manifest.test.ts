import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest } from '../../tools/data/manifest.ts';
import { LABELS } from '../../src/labels.ts';

const L = (name: string) => LABELS.indexOf(name as (typeof LABELS)[number]);

test('readManifest: resolves paths, maps synonyms, skips unknown labels, numbers turns per dialogue', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emolens-manifest-'));
  const csv = join(dir, 'm.csv');
  writeFileSync(csv,
    'path_or_text,label,speaker,dialogue_id\r\n' +
    'clips/a.wav,happy,Ann,d1\r\n' +
    '/abs/b.wav,Angry,Bob,d1\r\n' +
    '"Well, hello",calm,Ann,d2\r\n' +
    'c.wav,bored,Ann,d1\r\n' +
    'd.wav,pleasant_surprise,,\r\n');
  const { rows, skipped } = readManifest(csv);
  assert.deepEqual(skipped.map((s) => [s.line, s.label]), [[5, 'bored']]);
  assert.deepEqual(rows.map((r) => r.label), [L('joy'), L('anger'), L('neutral'), L('surprise')]);
  assert.equal(rows[0].path, join(dir, 'clips', 'a.wav'));
  assert.equal(rows[1].path, '/abs/b.wav');
  assert.equal(rows[2].pathOrText, 'Well, hello');
  assert.deepEqual(rows.map((r) => [r.dialogueId, r.turn]), [['d1', 0], ['d1', 1], ['d2', 0], ['row6', 0]]);
  assert.deepEqual(rows.map((r) => r.speaker), ['Ann', 'Bob', 'Ann', '']);
});

test('readManifest: minimal header and a wrong header', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emolens-manifest-'));
  writeFileSync(join(dir, 'min.csv'), 'path_or_text,label\nI am so scared,fearful\n');
  const { rows } = readManifest(join(dir, 'min.csv'));
  assert.equal(rows.length, 1);
  assert.equal(rows[0].label, L('fear'));
  assert.equal(rows[0].speaker, '');
  writeFileSync(join(dir, 'bad.csv'), 'file,emotion\na.wav,happy\n');
  assert.throws(() => readManifest(join(dir, 'bad.csv')), /path_or_text,label/);
});
