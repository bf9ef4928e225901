/** Track ids of faces over frames: stable while in view, kept through a crossing and a missed frame, new after leaving. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaceTracks, iou } from '../../src/video/face-tracks.ts';

const box = (x: number, y = 100, size = 80) => ({ x, y, width: size, height: size });

test('iou of boxes', () => {
  assert.equal(iou(box(0), box(0)), 1);
  assert.equal(iou(box(0), box(200)), 0);
  // Half overlapping: 40×80 shared of 2·6400 − 3200.
  assert.ok(Math.abs(iou(box(0), box(40)) - 3200 / 9600) < 1e-12);
});

test('two faces that walk past each other keep their ids, in either order of the boxes', () => {
  const tracks = new FaceTracks();
  // 10 fps; A walks right, B walks left, 12 px a frame each: they overlap fully at frame 20 and swap sides.
  let a = 0, b = 0;
  for (let f = 0; f <= 40; f++) {
    const ax = 40 + 12 * f, bx = 520 - 12 * f;
    // The detector lists faces largest first, which says nothing about who is who: alternate the order.
    const boxes = f % 2 ? [box(ax), box(bx)] : [box(bx), box(ax)];
    const ids = tracks.update(boxes, f * 100);
    const [idA, idB] = f % 2 ? ids : [ids[1], ids[0]];
    if (f === 0) { a = idA; b = idB; assert.notEqual(a, b); continue; }
    // At the crossing the two boxes are the same box: either id is right there.
    if (ax === bx) continue;
    assert.deepEqual([idA, idB], [a, b], `frame ${f}: A at ${ax}, B at ${bx}`);
  }
  assert.deepEqual(tracks.ids.sort(), [a, b].sort());
});

test('a face missed for a few frames keeps its id; one gone longer than maxMissedMs comes back with a new one', () => {
  const tracks = new FaceTracks({ maxMissedMs: 1000 });
  const [first] = tracks.update([box(100)], 0);
  assert.deepEqual(tracks.update([box(102)], 100), [first]);
  assert.deepEqual(tracks.update([], 200), []);
  assert.deepEqual(tracks.update([], 300), []);
  assert.deepEqual(tracks.update([box(104)], 400), [first], 'back after two missed frames');
  assert.deepEqual(tracks.update([], 1000), []);
  const [later] = tracks.update([box(104)], 1500);
  assert.notEqual(later, first, 'gone for 1.1 s: a new track');
  assert.deepEqual(tracks.ids, [later]);
});

test('a new face beside a followed one gets its own id; the followed one keeps its', () => {
  const tracks = new FaceTracks();
  const [one] = tracks.update([box(100)], 0);
  const ids = tracks.update([box(400), box(101)], 100);
  assert.equal(ids[1], one);
  assert.ok(ids[0] > one);
  assert.deepEqual(tracks.update([box(402), box(102)], 200), ids);
});

test('when two overlapping faces could be either, the embeddings decide', () => {
  const tracks = new FaceTracks();
  const e1 = Float32Array.from([1, 0, 0]), e2 = Float32Array.from([0, 1, 0]);
  const [id1, id2] = tracks.update([box(100), box(150)], 0, [e1, e2]);
  // Both now stand at 125: the boxes alone cannot tell who is who.
  const swapped = tracks.update([box(125), box(125)], 100, [e2, e1]);
  assert.deepEqual(swapped, [id2, id1]);
});
