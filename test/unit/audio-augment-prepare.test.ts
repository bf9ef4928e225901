/**
 * prepare-audio --augment K on a tiny synthetic RAVDESS-named folder: K seeded copies per TRAIN clip only, decoded
 * once and cached as PCM, reproducible from the cache; train_audio.py --extra picks exactly those copies up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareAudio } from '../../tools/train/prepare-audio.ts';
import { readTensor } from '../../tools/train/store.ts';
import { normalizeSpeakers } from '../../tools/train/normalize-speakers.ts';
import { exportAudio } from '../../tools/train/export-audio.ts';
import { nodeBackend } from '../../tools/node/backend.ts';
import { SpeakerNormalizer, encoderInput, extractAudioFeatures } from '../../src/audio/features.ts';
import { AudioEncoder } from '../../src/audio/encoder.ts';
import { diskLoader } from '../../tools/train/tfjs-disk.ts';
import { embedAudioFiles } from '../../tools/node/models.ts';
import { readSpeechFolder } from '../../tools/data/speech.ts';
import { decodeAudioFile } from '../../tools/data/audio-decode.ts';
import { wav } from '../helpers/wav.ts';


test('prepare-audio --augment: copies of train clips only, seeded, PCM cache, consumed by train_audio --extra', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'emolens-audio-aug-'));
  try {
    const data = join(root, 'ravdess');
    for (const actor of [1, 17]) {
      const dir = join(data, `Actor_${String(actor).padStart(2, '0')}`);
      mkdirSync(dir, { recursive: true });
      for (let e = 1; e <= 4; e++) {
        const f0 = 120 + 30 * e;
        const x = Float32Array.from({ length: 16000 }, (_, i) => (i > 3000 && i < 13000 ? 0.2 * Math.sin((2 * Math.PI * f0 * i) / 16000) : 0));
        writeFileSync(join(dir, `03-01-0${e}-01-01-01-${String(actor).padStart(2, '0')}.wav`), wav(x, 16000));
      }
    }
    const pcm = join(root, 'pcm');
    const a = join(root, 'a'), b = join(root, 'b');
    assert.deepEqual(await prepareAudio({ ravdess: data, out: a, quiet: true, augment: 2, seed: 3, pcmCache: pcm }), { n: 16, train: 12, dev: 4 });
    assert.equal(readdirSync(pcm).length, 8); // every file decoded once
    await prepareAudio({ ravdess: data, out: b, quiet: true, augment: 2, seed: 3, pcmCache: pcm }); // from the cache
    const meta = readTensor(join(a, 'meta'));
    const augmentOf: number[] = (meta.meta as { augmentOf: number[] }).augmentOf;
    const split = meta.data, labels = readTensor(join(a, 'labels')).data;
    assert.deepEqual(augmentOf.slice(0, 8), Array(8).fill(-1));
    for (let r = 8; r < 16; r++) {
      const src = augmentOf[r];
      assert.ok(src >= 0 && split[src] === 0, `copy ${r} of a train clip`);
      assert.equal(labels[r], labels[src]);
      assert.equal(split[r], 0);
    }
    const melA = readTensor(join(a, 'mel')).data, melB = readTensor(join(b, 'mel')).data;
    assert.deepEqual(melA, melB); // same seed + cached PCM → identical copies
    const T = 300 * 64, row = (r: number) => melA.subarray(r * T, (r + 1) * T);
    const first = augmentOf.indexOf(augmentOf[8]);
    assert.notDeepEqual(row(8), row(augmentOf[8]));
    assert.notDeepEqual(row(first), row(first + 1)); // the two copies of one clip differ

    const py = spawnSync('/usr/bin/python3', ['tools/train/python/train_audio.py', '--data', a, '--extra', b, '--out', join(root, 'm'),
      '--max-steps', '1', '--batch', '8', '--parity-frames', '20'], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    assert.match(py.stdout, /augmented train copies/);
    assert.match(py.stdout, /data: 24 clips, train 20, dev 4/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('prepare-audio --corpora with room copies: every corpus, seeded copies, a corpus left out; the trainer balances, masks and holds a corpus out; the leave-one-corpus-out table', { timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'emolens-audio-room-'));
  try {
    const a = join(root, 'a'), b = join(root, 'b'), pcm = join(root, 'pcm');
    const common = { corpora: '../shared/data/audio', limit: 3, quiet: true, augment: 1, seed: 2, augmentKind: 'room' as const, pcmCache: pcm };
    const made = await prepareAudio({ ...common, out: a });
    await prepareAudio({ ...common, out: b });
    const meta = readTensor(join(a, 'meta')).meta as { corpus: string[]; languages: string[]; augment: { kind: string; babblePool: number } };
    assert.deepEqual([...new Set(meta.corpus)].sort(), ['crema-d', 'emovo', 'esd', 'nemo', 'ravdess', 'savee', 'tess', 'urdu']);
    assert.ok(meta.languages.includes('pl') && meta.languages.includes('it') && meta.languages.includes('ur'));
    assert.equal(meta.augment.kind, 'room');
    assert.ok(meta.augment.babblePool > 0);
    assert.deepEqual(readTensor(join(a, 'mel')).data, readTensor(join(b, 'mel')).data, 'the same seed makes the same room copies');
    assert.equal(made.n, 24 + (24 - made.dev), '3 clips of each of 8 corpora, and one copy per train original');

    const loo = await prepareAudio({ ...common, out: join(root, 'loo'), exclude: ['crema-d'], augment: 0 });
    assert.equal(loo.n, 21, 'crema-d left out');

    const py = spawnSync('/usr/bin/python3', ['tools/train/python/train_audio.py', '--data', a, '--out', join(root, 'm'), '--max-steps', '2', '--batch', '8',
      '--parity-frames', '20', '--balance', 'corpus', '--mask-missing', '--select', 'corpus-mean-acc'], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    assert.match(py.stdout, /balanced draws per corpus/);
    // Every row (copies too) is of a known corpus, and a corpus is scored among the classes it has (never surprise for CREMA-D).
    const present = JSON.parse(/classes present (\{.*\})/.exec(py.stdout)![1]) as Record<string, string[]>;
    assert.deepEqual(Object.keys(present).sort(), ['crema-d', 'emovo', 'esd', 'nemo', 'ravdess', 'savee', 'tess', 'urdu']);
    assert.ok(!present['crema-d'].includes('surprise'));
    assert.match(py.stdout, /dev accuracy per corpus/);

    // Leave-one-corpus-out: the held-out corpus is in neither training nor selection, and all its originals are scored.
    const loco = spawnSync('/usr/bin/python3', ['tools/train/python/train_audio.py', '--data', a, '--out', join(root, 'h'), '--max-steps', '2', '--batch', '8',
      '--parity-frames', '20', '--balance', 'corpus', '--mask-missing', '--select', 'corpus-mean-acc', '--hold-out', 'crema-d'], { encoding: 'utf8' });
    assert.equal(loco.status, 0, loco.stderr);
    const trainedOn = Object.keys(JSON.parse(/classes present (\{.*\})/.exec(loco.stdout)![1]));
    assert.ok(!trainedOn.includes('crema-d') && trainedOn.length === 7, trainedOn.join());
    assert.ok(!/"crema-d"/.test(/dev accuracy per corpus (\{.*?\})/.exec(loco.stdout)![1]), 'the held-out corpus takes no part in selection');
    const held = JSON.parse(readFileSync(join(root, 'h', 'metrics_holdout.json'), 'utf8'));
    assert.equal(held.corpus, 'crema-d');
    assert.equal(held.n, 3, 'its 3 original clips (train and dev speakers alike), not its room copies');
    // A run committed by an earlier session goes on in a fresh work folder.
    const onward = spawnSync('/usr/bin/python3', ['tools/train/python/train_audio.py', '--data', a, '--out', join(root, 'h2'), '--max-steps', '2', '--batch', '8', '--parity-frames', '20',
      '--balance', 'corpus', '--mask-missing', '--select', 'corpus-mean-acc', '--hold-out', 'crema-d', '--resume', '--resume-from', join(root, 'h', 'ckpt.pt')], { encoding: 'utf8' });
    assert.equal(onward.status, 0, onward.stderr);
    assert.match(onward.stdout, /starting from the committed checkpoint/);
    assert.match(onward.stdout, /resumed at epoch 1/);
    const unknown = spawnSync('/usr/bin/python3', ['tools/train/python/train_audio.py', '--data', a, '--out', join(root, 'x'), '--max-steps', '1', '--hold-out', 'klingon'], { encoding: 'utf8' });
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /--hold-out klingon: no such corpus/);

    // Speaker normalisation of the store: originals by speaker, each room copy by itself, by the page's normaliser;
    // a model trained on it carries the reference in its metadata.
    const normed = join(root, 'normed');
    const done = normalizeSpeakers(a, normed, 300);
    const m = readTensor(join(a, 'meta')).meta as { speakers: string[]; corpus: string[]; augmentOf: number[] };
    const originals = m.augmentOf.filter((x) => x < 0).length, copies = m.augmentOf.length - originals;
    assert.equal(done.groups, new Set(m.corpus.map((c, i) => `${c}:${m.speakers[i]}`)).size + copies);
    const raw = readTensor(join(a, 'mel')), moved = readTensor(join(normed, 'mel'));
    const [, T, M] = raw.shape;
    const stats = readTensor(join(a, 'prosody_stats')), frames = readTensor(join(a, 'frames'));
    const rowOf = (i: number) => ({ mel: (raw.data as Float32Array).slice(i * T * M, (i + 1) * T * M), frames: Number(frames.data[i]), offset: 0, prosodyStats: (stats.data as Float32Array).slice(i * 20, (i + 1) * 20) });
    const copy = m.augmentOf.findIndex((x) => x >= 0);
    const alone = new SpeakerNormalizer(done.reference);
    alone.observe(rowOf(copy));
    assert.deepEqual(Array.from(alone.apply(rowOf(copy)).mel), Array.from((moved.data as Float32Array).subarray(copy * T * M, (copy + 1) * T * M)), 'a copy is its own group');
    const speaker = m.speakers[0], group = m.speakers.map((_, i) => i).filter((i) => i < originals && m.speakers[i] === speaker && m.corpus[i] === m.corpus[0]);
    const together = new SpeakerNormalizer(done.reference);
    group.forEach((i) => together.observe(rowOf(i)));
    assert.deepEqual(Array.from(together.apply(rowOf(0)).mel), Array.from((moved.data as Float32Array).subarray(0, T * M)), 'an original is moved by its speaker\'s averages');
    assert.deepEqual(readTensor(join(normed, 'labels')).data, readTensor(join(a, 'labels')).data);
    const normModel = join(root, 'nm');
    const trained = spawnSync('/usr/bin/python3', ['tools/train/python/train_audio.py', '--data', normed, '--out', normModel, '--max-steps', '1', '--batch', '8', '--parity-frames', '20'], { encoding: 'utf8' });
    assert.equal(trained.status, 0, trained.stderr);
    await nodeBackend('cpu');
    (await exportAudio(normModel, join(root, 'nm-export'))).dispose();
    (await exportAudio(join(root, 'h'), join(root, 'export-plain'))).dispose();
    const exported = JSON.parse(readFileSync(join(root, 'nm-export', 'model.json'), 'utf8'));
    assert.deepEqual(exported.userDefinedMetadata.speakerNorm, JSON.parse(JSON.stringify(done.reference)));
    // The page's AudioEncoder reads it, and the evaluation moves each clip by its speaker's averages over their clips.
    const encoder = await AudioEncoder.load(diskLoader(join(root, 'nm-export')));
    assert.deepEqual(encoder.speakerReference, exported.userDefinedMetadata.speakerNorm);
    const clips = readSpeechFolder('../shared/data/audio/ravdess').filter((i) => i.speaker === 'actor_02').slice(0, 3).map((i) => i.path);
    const byFiles = await embedAudioFiles(encoder, clips, undefined, undefined, ['same', 'same', 'same']);
    const voice = encoder.normalizer()!;
    const own = await Promise.all(clips.map(async (c) => encoderInput(extractAudioFeatures(await decodeAudioFile(c)))));
    own.forEach((x) => voice.observe(x));
    const [third] = await encoder.embedInputs([voice.apply(own[2])]);
    assert.deepEqual(byFiles.embeddings[2], third.embedding);
    const unnamed = await embedAudioFiles(encoder, clips);
    assert.notDeepEqual(unnamed.embeddings[2], third.embedding, 'without speaker names each clip is its own speaker');
    encoder.dispose();
    const plain = await AudioEncoder.load(diskLoader(join(root, 'export-plain')));
    assert.equal(plain.speakerReference, undefined);
    assert.equal(plain.normalizer(), undefined);
    plain.dispose();

    // The table script end to end on one corpus: train without it, export, the eval CLI on its clips.
    const out = join(root, 'loco-table');
    const table = spawnSync(process.execPath, ['--import', 'tsx', 'tools/eval/loco.ts', '--store', a, '--work', join(root, 'loco'), '--corpora', 'savee',
      '--conditions', 'none,room', '--limit', '4', '--max-steps', '2', '--out', out], { encoding: 'utf8' });
    assert.equal(table.status, 0, table.stderr);
    const result = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    assert.equal(result.rows.savee.heldOut.n, 3);
    assert.equal(result.rows.savee.cells.none.n, 4);
    assert.equal(result.rows.savee.cells.room.n, 4);
    assert.ok(!result.rows.savee.trainedOn.includes('savee'));
    assert.match(readFileSync(`${out}.md`, 'utf8'), /\| savee \| 3 \| [\d.]+ \| [\d.]+ \(4\) \| [\d.]+ \(4\) \|/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
