/**
 * The shipped fusion through the page's Conversation on the same turns with the voice heard clean and through a
 * laptop microphone in a reverberant room: its heads carry the temperatures fitted on dev, the gate the demo shows
 * stays a distribution over the modalities, the turns leave no tensor behind, and the fused answer with the room's
 * voice stays right about as often as with the clean one (the room-trained voice encoder and the fusion trained on
 * degraded recordings). The gate's audio weight is printed: the shipped student reads recording quality but its
 * gate does not yet fall for the room's voice (its MAGT teacher's does: see the fusion card).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Conversation } from '../../src/session/conversation.ts';
import { extractAudioFeatures } from '../../src/audio/features.ts';
import { decodeAudioFile } from '../../tools/data/audio-decode.ts';
import { readSpeechFolder, speechSplit } from '../../tools/data/speech.ts';
import { readLabelFolders } from '../../tools/data/faces.ts';
import { degradation } from '../../tools/train/degrade.ts';
import { embedFaceImages, loadAudioEncoder, loadFaceEncoder, loadFusion, MODELS_DIR } from '../../tools/node/models.ts';
import { disposeParams } from '../../src/fusion/weights.ts';
import { LABELS } from '../../src/labels.ts';

const MODELS = process.env.EMOLENS_MODELS ?? MODELS_DIR;
const CLIPS = 24;

test('clean and room-degraded voices through the shipped fusion: calibrated heads, valid gates, flat tensors, robust answers', { timeout: 240_000 }, async () => {
  const { params, config } = await loadFusion(MODELS);
  const t = config.temperatures;
  assert.ok(t, 'the shipped fusion carries fitted temperatures');
  for (const head of ['fused', 'text', 'audio', 'face'] as const) assert.ok(t[head] > 0 && Number.isFinite(t[head]), `${head} temperature ${t[head]}`);

  // Unseen speakers (RAVDESS actors 17-20), spread over emotions, each paired with a FER2013 PublicTest face of its label.
  const dev = readSpeechFolder('../shared/data/audio/ravdess').filter((i) => speechSplit(i) === 'dev');
  const clips = Array.from({ length: CLIPS }, (_, k) => dev[Math.floor((k * dev.length) / CLIPS)]);
  const faces = readLabelFolders('../shared/data/faces/fer2013/validation');
  const facePaths = clips.map((c, k) => faces.filter((f) => f.label === c.label)[k].path);
  const faceEncoder = await loadFaceEncoder(MODELS);
  const faceOutputs = await embedFaceImages(faceEncoder, facePaths);
  const faceEmb = faceOutputs.embeddings;
  faceEncoder.dispose();
  const audioEncoder = await loadAudioEncoder(MODELS);
  const room = degradation('room');

  let before = tf.memory().numTensors;
  let fell = 0, clean = 0, degraded = 0;
  const right = [0, 0];
  for (const [k, clip] of clips.entries()) {
    const pcm = await decodeAudioFile(clip.path);
    const heard = [pcm, await room.apply(pcm, 1_000 + k, {})];
    const gates: number[] = [];
    for (const audio of heard) {
      const conversation = new Conversation(params, config);
      const voice = await audioEncoder.embed(extractAudioFeatures(audio));
      const result = await conversation.addTurn({ speaker: 'A', audio: voice.embedding, face: faceEmb[k], quality: { audio: voice.quality, face: faceOutputs.quality[k] }, startMs: 0, endMs: 3000 });
      assert.ok(LABELS.includes(result.label));
      const weights = Object.values(result.gate) as number[];
      assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 1e-4 && weights.every((w) => w >= 0), `gate ${JSON.stringify(result.gate)}`);
      if (result.label === LABELS[clip.label]) right[gates.length]++;
      gates.push(result.gate.audio);
    }
    clean += gates[0]; degraded += gates[1];
    // Counted from the first pair on: the first turns allocate what lives as long as the models do.
    if (k === 0) before = tf.memory().numTensors;
    if (gates[1] < gates[0]) fell++;
  }
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind by the turns');
  audioEncoder.dispose();
  disposeParams(params);
  const mean = (x: number) => x / CLIPS;
  console.log(`audio gate weight: clean ${mean(clean).toFixed(3)}, room ${mean(degraded).toFixed(3)} (fell on ${fell} of ${CLIPS} turns); right: clean ${right[0]}, room ${right[1]} of ${CLIPS}`);
  // Voice and face carry the same label on every turn here (one turn, no text: measured 13 of 24 right clean, 14 with
  // the room's voice); chance is 1 in 7. The room may cost the voice, not the answer.
  assert.ok(right[0] >= CLIPS * 0.4, `clean: ${right[0]} of ${CLIPS} turns right`);
  assert.ok(right[1] >= right[0] - 2, `room: ${right[1]} of ${CLIPS} turns right, clean ${right[0]}`);
});
