import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { LABELS } from '../../src/labels.ts';
import { ferPlusTarget, loadFaceImage, readFerPlusVotes, readLabelFolders } from '../../tools/data/faces.ts';

async function png(path: string, width: number, height: number, channels: 1 | 3, fill: number[]): Promise<void> {
  const data = Buffer.alloc(width * height * channels);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < channels; c++) data[i * channels + c] = fill[c];
  let image = sharp(data, { raw: { width, height, channels } });
  if (channels === 1) image = image.toColourspace('b-w'); // sharp writes RGB otherwise
  await (path.endsWith('.png') ? image.png() : image.jpeg({ quality: 100 })).toFile(path);
}

test('readLabelFolders maps FER2013 and CK+ folder names, skips unknown labels and non-images', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'faces-'));
  try {
    const files: [string, string][] = [
      ['Angry', 'a1.png'], ['Angry', 'a2.PNG'], ['happy', 'h1.jpg'], ['sadness', 's1.jpeg'], ['surprise', 'x.png'],
      ['contempt', 'c1.png'], ['neutral', 'n1.png'],
    ];
    for (const [folder, file] of files) {
      mkdirSync(join(dir, folder), { recursive: true });
      await png(join(dir, folder, file), 6, 4, 1, [100]);
    }
    writeFileSync(join(dir, 'happy', 'notes.txt'), 'not an image');
    writeFileSync(join(dir, 'README.md'), 'a file at the top');
    const items = readLabelFolders(dir);
    const byLabel = (l: string) => items.filter((it) => LABELS[it.label] === l).length;
    assert.equal(items.length, 6);
    assert.equal(byLabel('anger'), 2);
    assert.equal(byLabel('joy'), 1);
    assert.equal(byLabel('sadness'), 1);
    assert.equal(byLabel('surprise'), 1);
    assert.equal(byLabel('neutral'), 1);
    assert.ok(items.every((it) => !it.path.includes('contempt') && !it.path.endsWith('.txt')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadFaceImage keeps gray images 1-channel and turns colour into RGBA', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'faces-'));
  try {
    await png(join(dir, 'g.png'), 5, 3, 1, [77]);
    await png(join(dir, 'c.png'), 4, 2, 3, [200, 10, 30]);
    const g = await loadFaceImage(join(dir, 'g.png'));
    assert.deepEqual([g.width, g.height, g.channels, g.data.length], [5, 3, 1, 15]);
    assert.ok(g.data.every((v) => v === 77));
    const c = await loadFaceImage(join(dir, 'c.png'));
    assert.deepEqual([c.width, c.height, c.channels, c.data.length], [4, 2, 4, 32]);
    assert.deepEqual(Array.from(c.data.subarray(0, 4)), [200, 10, 30, 255]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FER+ votes of the FER2013 train split: read by column name onto the seven labels, "not a face" gives no target', () => {
  const dir = '../shared/data/faces/fer2013/train';
  const votes = readFerPlusVotes(dir);
  // 28,525 of the 28,709 train faces have a FER+ twin (the data README).
  assert.equal(votes.size, 28_525);
  // angry/Training_10118481.jpg: neutral 2, sadness 1, anger 7.
  const first = votes.get('angry/Training_10118481.jpg')!;
  assert.deepEqual(Array.from(ferPlusTarget(first)!).map((v) => +v.toFixed(6)), LABELS.map((l) => ({ neutral: 0.2, sadness: 0.1, anger: 0.7 } as Record<string, number>)[l] ?? 0));
  // sad/Training_45577250.jpg: all ten annotators said "not a face".
  const notAFace = votes.get('sad/Training_45577250.jpg')!;
  assert.equal(notAFace.other, 10);
  assert.equal(ferPlusTarget(notAFace), null);
  // Every face's votes are ten, or close (FER+ drops a few).
  let usable = 0;
  for (const v of votes.values()) {
    const total = v.votes.reduce((a, x) => a + x, 0) + v.other;
    assert.ok(total >= 9 && total <= 11, `votes ${total}`);
    if (ferPlusTarget(v)) usable++;
  }
  assert.ok(usable > 27_000 && usable < votes.size, `usable targets ${usable}`);
  assert.equal(readFerPlusVotes('../shared/data/faces/fer2013').size, 0, 'a folder without a votes file: no votes');
});
