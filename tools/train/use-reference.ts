/**
 * Inputs for export_use_text.py, from the TypeScript side:
 * - `parity-ids.json`: PARITY_TEXTS-style turns tokenized by the exported folder's tokenizer (Transformers.js),
 *   the ids the PyTorch parity references are computed from;
 * - `use-ref.json` (with --use-tokenizer): the original tfjs USE-lite graph's sentence vectors for 43 texts with the
 *   reference SentencePiece tokenizer (@tensorflow-models/universal-sentence-encoder), to check the PyTorch port.
 *
 *   npx tsx tools/train/use-reference.ts --tfjs <USE tfjs dir> --folder public/models/text-encoder \
 *     --out .cache/use [--use-tokenizer <universal-sentence-encoder package>/dist/tokenizer/index.js] [--meld-dev <csv>]
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AutoTokenizer } from '@huggingface/transformers';
import { diskLoader } from './tfjs-disk.ts';
import { readMeldCsv } from '../data/text.ts';
import { nodeBackend } from '../node/backend.ts';

export const USE_PARITY_TEXTS = ['Oh my God, I cannot believe you did that!', "I'm so sorry... I didn't mean to hurt you.", 'hello world', 'We were on a break!'];

const { values } = parseArgs({ options: {
  tfjs: { type: 'string' }, folder: { type: 'string', default: 'public/models/text-encoder' }, out: { type: 'string', default: '.cache/use' },
  'use-tokenizer': { type: 'string' }, 'meld-dev': { type: 'string', default: '../shared/data/text/meld/dev_sent_emo.csv' },
} });
mkdirSync(values.out!, { recursive: true });
const tokenizer = await AutoTokenizer.from_pretrained(resolve(values.folder!));
const ids = USE_PARITY_TEXTS.map((t) => Array.from(tokenizer.encode(t) as number[]));
let referenceIds: number[][] | undefined;
if (values['use-tokenizer']) {
  // The original SentencePiece port's ids travel with the parity references: the unit test holds the shipped
  // tokenizer.json to them.
  const require = createRequire(import.meta.url);
  const { Tokenizer } = require(resolve(values['use-tokenizer'])) as { Tokenizer: new (v: unknown) => { encode(t: string): number[] } };
  const reference = new Tokenizer(JSON.parse(readFileSync(join(values.tfjs!, 'vocab.json'), 'utf8')));
  referenceIds = USE_PARITY_TEXTS.map((t) => reference.encode(t));
  if (JSON.stringify(referenceIds) !== JSON.stringify(ids)) throw new Error(`tokenizer.json differs from the reference: ${JSON.stringify(ids)} vs ${JSON.stringify(referenceIds)}`);
}
writeFileSync(join(values.out!, 'parity-ids.json'), JSON.stringify({ texts: USE_PARITY_TEXTS, ids, referenceIds }));
console.log(`parity ids: ${JSON.stringify(ids)}`);

if (values['use-tokenizer']) {
  const require = createRequire(import.meta.url);
  const { Tokenizer } = require(resolve(values['use-tokenizer'])) as { Tokenizer: new (v: unknown) => { encode(t: string): number[] } };
  const reference = new Tokenizer(JSON.parse(readFileSync(join(values.tfjs!, 'vocab.json'), 'utf8')));
  await nodeBackend('wasm');
  const model = await tf.loadGraphModel(diskLoader(values.tfjs!));
  const texts = readMeldCsv(values['meld-dev']!).slice(0, 40).map((r) => r.text);
  texts.push('I', 'Oh my God!!! What the hell is THAT?', 'naïve café résumé 😀 ok');
  const enc = texts.map((t) => reference.encode(t));
  const idx: number[] = [], vals: number[] = [];
  enc.forEach((e, i) => e.forEach((v, j) => { idx.push(i, j); vals.push(v); }));
  const indices = tf.tensor2d(idx, [vals.length, 2], 'int32'), valuesT = tf.tensor1d(vals, 'int32');
  const out = await model.executeAsync({ indices, values: valuesT }) as tf.Tensor;
  writeFileSync(join(values.out!, 'use-ref.json'), JSON.stringify({ texts, ids: enc, out: { shape: out.shape, data: Array.from(await out.data()) } }));
  tf.dispose([indices, valuesT, out]);
  console.log(`tfjs reference vectors for ${texts.length} texts`);
}
