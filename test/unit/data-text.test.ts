import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTextRobust, parseCsv, readTextFileRobust } from '../../tools/data/csv.ts';
import {
  type DailyDialogReport, detokenize, groupDialogues, parseSpeakerList, readDailyDialog, readEmoryNlpCsv,
  readGoEmotionsEkman, readMeldCsv,
} from '../../tools/data/text.ts';
import { LABELS } from '../../src/labels.ts';

const dir = mkdtempSync(join(tmpdir(), 'emolens-data-text-'));
const L = (name: string) => LABELS.indexOf(name as (typeof LABELS)[number]);

test('parseCsv: quotes, doubled quotes, embedded commas and newlines, CRLF', () => {
  const rows = parseCsv('a,b,c\r\n"x, y","say ""hi""","line1\nline2"\r\n1,,3\n');
  assert.deepEqual(rows, [['a', 'b', 'c'], ['x, y', 'say "hi"', 'line1\nline2'], ['1', '', '3']]);
  assert.deepEqual(parseCsv('a,b'), [['a', 'b']]);
});

test('decodeTextRobust: UTF-8 kept, cp1252 bytes mapped, curly quotes normalised', () => {
  assert.equal(decodeTextRobust(Buffer.from('don\u2019t \u201cgo\u201d caf\u00e9', 'utf8')), 'don\'t "go" caf\u00e9');
  // "don" 0x92 "t" + 0x93 "x" 0x94 + 0xE9 (é in cp1252): invalid UTF-8 → cp1252
  const bytes = Uint8Array.from([0x64, 0x6f, 0x6e, 0x92, 0x74, 0x20, 0x93, 0x78, 0x94, 0x20, 0xe9, 0x85]);
  assert.equal(decodeTextRobust(bytes), 'don\'t "x" \u00e9...');
  assert.equal(decodeTextRobust(Uint8Array.from([0xef, 0xbb, 0xbf, 0x41])), 'A');
});

test('readMeldCsv: cp1252 apostrophe, quoted commas, dialogue order', () => {
  const header = 'Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID,Season,Episode,StartTime,EndTime\r\n';
  const body =
    '1,"Oh, no",Ross,sadness,negative,1,1,1,1,"00:00:01,000","00:00:02,000"\r\n' +
    '2,Hi,Rachel,joy,positive,0,0,1,1,"00:00:01,000","00:00:02,000"\r\n' +
    '3,"I don\x92t know, ok?",Ross,Neutral,neutral,1,0,1,1,"00:00:01,000","00:00:02,000"\r\n' +
    '4,Whatever,Joey,unknownlabel,neutral,1,2,1,1,"00:00:01,000","00:00:02,000"\r\n';
  const path = join(dir, 'meld.csv');
  writeFileSync(path, Buffer.from(header + body, 'latin1'));
  assert.match(readTextFileRobust(path), /I don't know, ok\?/);
  const rows = readMeldCsv(path);
  assert.equal(rows.length, 4);
  // dialogues in first-appearance order (1 then 0), turns sorted within each
  assert.deepEqual(rows.map((r) => [r.dialogueId, r.turn]), [['1', 0], ['1', 1], ['1', 2], ['0', 0]]);
  assert.deepEqual(rows[0], { text: "I don't know, ok?", label: L('neutral'), speaker: 'Ross', dialogueId: '1', turn: 0, corpus: 'meld' });
  assert.equal(rows[1].text, 'Oh, no');
  assert.equal(rows[1].label, L('sadness'));
  assert.equal(rows[2].label, -1);
  assert.equal(rows[3].label, L('joy'));
  assert.equal(groupDialogues(rows).length, 2);
});

test('readEmoryNlpCsv: speaker lists, label mapping, scene ids per episode', () => {
  assert.equal(parseSpeakerList("['Rachel Green']"), 'Rachel Green');
  assert.equal(parseSpeakerList("['Monica Geller', 'Phoebe Buffay']"), 'Monica Geller & Phoebe Buffay');
  assert.equal(parseSpeakerList('Joey'), 'Joey');
  const path = join(dir, 'emory.csv');
  writeFileSync(path,
    'Utterance,Speaker,Emotion,Scene_ID,Utterance_ID,Season,Episode,Start_Time,End_Time\n' +
    '"Yeah, right!",[\'Joey Tribbiani\'],Joyful,1,1,1,2,00:00:02.877,00:00:07.548\n' +
    'Ugh.,"[\'Monica Geller\', \'Phoebe Buffay\']",Mad,1,2,1,2,0,0\n' +
    'Calm down.,[\'Ross Geller\'],Peaceful,1,3,1,2,0,0\n' +
    'Help!,[\'Ross Geller\'],Scared,1,1,1,3,0,0\n' +
    'No...,[\'Ross Geller\'],Sad,1,2,1,3,0,0\n' +
    'Big.,[\'Ross Geller\'],Powerful,1,3,1,3,0,0\n' +
    'Ok.,[\'Ross Geller\'],Neutral,1,4,1,3,0,0\n');
  const rows = readEmoryNlpCsv(path);
  assert.deepEqual(rows.map((r) => r.label), [L('joy'), L('anger'), -1, L('fear'), L('sadness'), -1, L('neutral')]);
  assert.equal(rows[0].text, 'Yeah, right!');
  assert.equal(rows[1].speaker, 'Monica Geller & Phoebe Buffay');
  assert.deepEqual([...new Set(rows.map((r) => r.dialogueId))], ['s1e2c1', 's1e3c1']);
  assert.equal(rows[0].corpus, 'emorynlp');
});

test('readDailyDialog: turns aligned with emotion ids, alternating speakers, misaligned dialogues skipped', () => {
  const split = join(dir, 'dd', 'validation');
  mkdirSync(split, { recursive: true });
  writeFileSync(join(split, 'dialogues_validation.txt'),
    'Say , Jim , how about a beer ? __eou__ You know that is tempting . __eou__ Great ! __eou__\n' +
    'One . __eou__ Two . __eou__\n' +
    'I didn \u2019 t see it . __eou__ Really ? __eou__\n');
  writeFileSync(join(split, 'dialogues_emotion_validation.txt'), '0 3 4 \n1 2 6 \n5 6 \n');
  const report: DailyDialogReport = { dialogues: 0, skippedMisaligned: 0 };
  const rows = readDailyDialog(join(dir, 'dd'), 'validation', report);
  assert.deepEqual(report, { dialogues: 2, skippedMisaligned: 1 });
  assert.deepEqual(rows.map((r) => r.text), ['Say, Jim, how about a beer?', 'You know that is tempting.', 'Great!', "I didn't see it.", 'Really?']);
  assert.deepEqual(rows.map((r) => r.label), [L('neutral'), L('fear'), L('joy'), L('sadness'), L('surprise')]);
  assert.deepEqual(rows.map((r) => r.speaker), ['A', 'B', 'A', 'A', 'B']);
  assert.deepEqual(rows.map((r) => `${r.dialogueId}:${r.turn}`), ['0:0', '0:1', '0:2', '2:0', '2:1']);
  assert.equal(detokenize("it ' s fine , isn't it ?"), "it's fine, isn't it?");
});

test('readGoEmotionsEkman: single-label rows by default, first label on request', () => {
  const ge = join(dir, 'ge');
  mkdirSync(ge, { recursive: true });
  writeFileSync(join(ge, 'labels.txt'), 'anger\ndisgust\nfear\njoy\nneutral\nsadness\nsurprise\n');
  writeFileSync(join(ge, 'train.tsv'), 'So happy!\t3\tid1\nWHAT\t6,0\tid2\nmeh\t4\tid3\nugh\t1\tid4\n');
  const single = readGoEmotionsEkman(join(ge, 'train.tsv'));
  assert.deepEqual(single.map((r) => [r.text, r.label, r.dialogueId]), [['So happy!', L('joy'), 'id1'], ['meh', L('neutral'), 'id3'], ['ugh', L('disgust'), 'id4']]);
  const first = readGoEmotionsEkman(join(ge, 'train.tsv'), { multiLabel: 'first' });
  assert.equal(first.length, 4);
  assert.equal(first[1].label, L('surprise'));
  assert.equal(first[0].corpus, 'goemotions');
});
