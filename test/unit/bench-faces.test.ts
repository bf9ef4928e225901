import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LABELS } from '../../src/labels.ts';
import { evaluate } from '../../src/eval/metrics.ts';
import { FACE_API_LABELS, HUMAN_LABELS, labelPermutation, toLabelsOrder } from '../../src/bench/peers.ts';
import { facesMarkdown, modelBytes, type FacesReport } from '../../tools/bench/faces-report.ts';

const packageFile = (pkg: string, path: string): string => fileURLToPath(new URL(`../../node_modules/${pkg}/${path}`, import.meta.url));

test('the peer label tables are the ones the installed packages use', () => {
  // face-api exports FACE_EXPRESSION_LABELS; its ESM build defines it as a literal array.
  const faceApi = readFileSync(packageFile('@vladmandic/face-api', 'dist/face-api.esm-nobundle.js'), 'utf8');
  assert.ok(faceApi.includes(`=${JSON.stringify(FACE_API_LABELS)}`), 'face-api FACE_EXPRESSION_LABELS');
  // Human's annotations for the 1-channel (oarriaga FER2013) emotion model.
  const human = readFileSync(packageFile('@vladmandic/human', 'src/gear/emotion.ts'), 'utf8');
  const m = human.match(/if \(!rgb\) annotations = (\[[^\]]*\])/);
  assert.ok(m, 'Human emotion.ts annotations line');
  assert.deepEqual(JSON.parse(m[1].replace(/'/g, '"')), [...HUMAN_LABELS]);
});

test('every peer label maps into LABELS, as the right permutation', () => {
  assert.deepEqual(labelPermutation(FACE_API_LABELS), [0, 1, 2, 3, 4, 5, 6]); // neutral happy sad angry fearful disgusted surprised
  assert.deepEqual(labelPermutation(HUMAN_LABELS), [3, 5, 4, 1, 2, 6, 0]); // angry disgust fear happy sad surprise neutral
  for (const peer of [FACE_API_LABELS, HUMAN_LABELS]) {
    const perm = labelPermutation(peer);
    peer.forEach((raw, i) => {
      const oneHot = new Float32Array(7); oneHot[i] = 1;
      const row = toLabelsOrder(oneHot, perm);
      assert.equal(LABELS[row.indexOf(1)], { happy: 'joy', sad: 'sadness', angry: 'anger', fearful: 'fear', disgusted: 'disgust', surprised: 'surprise' }[raw as string] ?? raw);
    });
  }
  assert.throws(() => labelPermutation(['angry', 'mad', 'fear', 'happy', 'sad', 'surprise', 'neutral']), /not a permutation/);
  assert.throws(() => labelPermutation(['angry', 'contempt', 'fear', 'happy', 'sad', 'surprise', 'neutral']), /no LABELS match/);
});

test('modelBytes sums model.json or a face-api weights manifest with its weight files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-faces-'));
  writeFileSync(join(dir, 'a.bin'), new Uint8Array(100));
  writeFileSync(join(dir, 'b.bin'), new Uint8Array(23));
  const modelJson = JSON.stringify({ format: 'layers-model', weightsManifest: [{ paths: ['a.bin', 'b.bin'], weights: [] }] });
  writeFileSync(join(dir, 'model.json'), modelJson);
  assert.equal(modelBytes(join(dir, 'model.json')), modelJson.length + 123);
  const manifest = JSON.stringify([{ paths: ['a.bin'], weights: [] }]);
  writeFileSync(join(dir, 'x-weights_manifest.json'), manifest);
  assert.equal(modelBytes(join(dir, 'x-weights_manifest.json')), manifest.length + 100);
});

test('facesMarkdown writes one row per model × backend, per-class F1 and failures', () => {
  const truth = [0, 1, 1, 2, 3, 4, 5, 6];
  const report: FacesReport = {
    date: '2026-11-22T00:00:00.000Z', machine: 'test', chromium: '1.0', dataset: 'fixture', limits: { wasm: 8, webgl: 4 },
    modelBytes: { ours: 1_220_000, human: 840_000 },
    runs: [
      { model: 'ours', backend: 'wasm', n: 8, eval: evaluate(truth, truth), timing: { batch1MedianMs: 3.456, batch1Runs: 8, batch32MsPerFace: 2.5, batch32Faces: 0, tensorsLeaked: 0 } },
      { model: 'human', backend: 'webgl', n: 4, eval: evaluate([0, 1, 1, 2], [0, 1, 2, 2]), timing: { batch1MedianMs: 187.6, batch1Runs: 4, batch32MsPerFace: 190, batch32Faces: 0, tensorsLeaked: 0 } },
      { model: 'face-api', backend: 'webgl', n: 0, error: 'boom' },
      { model: 'human', backend: 'wasm', n: 8, predictions: [0, 1, 1, 2, 3, 4, 5, 6] },
      { model: 'human', backend: 'webgl', n: 4, predictions: [0, 1, 2, 2] },
    ],
  };
  const md = facesMarkdown(report);
  const lines = md.split('\n');
  assert.ok(lines.includes('| ours | wasm | 8 | 100.0% | 100.0% | 100.0% | 3.46 | 2.50 | 1.22 MB |'), md);
  // human: 3/4 right; joy F1 = 2·1/(2+1) = 66.7, sadness F1 = 2·1/(1+2) = 66.7; sklearn weighted = (1 + 2·0.667 + 0.667)/4.
  assert.ok(lines.includes('| human | webgl | 4 | 75.0% | 75.0% | 77.8% | 188 | 190 | 0.84 MB |'), md);
  assert.ok(lines.includes(`| model | backend | ${LABELS.join(' | ')} |`));
  assert.ok(lines.includes('| ours | wasm | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 |'), md);
  assert.ok(lines.includes('| human | webgl | 100.0 | 66.7 | 66.7 | 0.0 | 0.0 | 0.0 | 0.0 |'), md);
  assert.ok(lines.includes('- face-api on webgl: boom'));
  assert.ok(md.includes('wasm 8, webgl 4'));
  assert.ok(lines.includes('- human: webgl agrees with wasm on 75.0% of 4 faces'), md);
  assert.ok(md.includes('over the first wasm 8, webgl 4 faces'), md);
});
