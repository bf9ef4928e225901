/**
 * Writes a Hugging Face `tokenizer.json` + `tokenizer_config.json` that make Transformers.js `AutoTokenizer`
 * reproduce the Universal Sentence Encoder lite tokenizer (the SentencePiece port in
 * @tensorflow-models/universal-sentence-encoder, `Tokenizer.encode`) id for id, so a converted USE-lite model can
 * run behind the same Transformers.js tokenizer API as the other text encoders.
 *
 *   npx tsx tools/train/use-tokenizer.ts --vocab <vocab.json> --out <folder>
 *
 * `vocab.json` is the USE vocabulary: an array of [piece, score] pairs, id = index; ids 0-5 are reserved
 * (0 "�" = unknown, 1 "<s>", 2 "</s>", 3-5 "extra_token_id_1..3") and the reference never emits 1-5.
 *
 * How each step of the reference maps onto tokenizer.json:
 * - NFKC, then "▁" + text with every " " replaced by "▁" (nothing for an empty text): normalizer Sequence
 *   [NFKC, Replace " "→"▁", Prepend "▁"]. A normalizer rather than the Metaspace pre-tokenizer because Metaspace
 *   does not prepend "▁" to a text that already starts with one, and (in the Rust library, split=true) splits into
 *   words, which the reference does not do. Transformers.js returns no tokens for an empty text before normalizing.
 * - Viterbi over the pieces with their scores: model Unigram with the vocabulary as is. Every character that occurs
 *   in a piece is also a one-character piece, so "unknown" positions (no piece starts there) are the same in both
 *   implementations and the different unknown scores (0 in the reference, min-10 in Unigram) shift every path alike.
 * - Consecutive unknowns merged into one id 0: Unigram always fuses unknowns.
 * - The published vocab.json gives every piece containing ":" a broken score (null, or 0 for ":00", 30 for ":30";
 *   an export bug, kept because the reference uses them): null is read as 0 like the reference's `null + x`.
 *   The reference's Viterbi also treats a best score of exactly 0 as "unset", so a path made only of 0-score pieces
 *   is always overwritten by the next candidate: in effect the first piece is never one of the 0-score pieces that
 *   start with "▁" ("▁:", "▁:)", "▁:(", "▁:-)"). The pre-tokenizer reproduces that by splitting a leading "▁" off
 *   when ":" follows. No other word splitting: pieces never contain an inner "▁", so splitting into words cannot
 *   change the best path, only the float rounding of exact ties (measured: slightly fewer matches).
 * - Remaining difference: exact ties (the same pieces in another order, e.g. "ee"+"e" vs "e"+"ee"). The reference
 *   keeps the shortest last piece, Unigram the longest; no score change can break a tie between permutations.
 * - Reserved ids 1-5 are never matched by the reference: their pieces are renamed to contain a plain space, which
 *   the normalizer has turned into "▁" in every input, so Unigram can never match them either (with the original
 *   names a literal "<s>" in a text would become id 1). Id 0 keeps "�": a literal U+FFFD is unknown (0) either way.
 * - No special tokens are added (no post-processor, no added tokens); padding uses id 0, which the model masks out
 *   through the attention mask (USE itself reads unpadded sparse ids).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export type UseVocab = [string, number][];

/** Leading ids of the USE vocabulary that are reserved (unknown + control/user symbols), never matched in text. */
export const USE_RESERVED_COUNT = 6;
export const USE_UNK_ID = 0;
export const USE_PAD_ID = 0;
/** The USE-lite graph clips inputs to 128 tokens. */
export const USE_MAX_LENGTH = 128;

const METASPACE = '\u2581';

/** The name a reserved piece (ids 1..5) gets in tokenizer.json: contains " ", so no normalized text matches it. */
export function reservedPieceName(piece: string): string {
  return `${piece} (reserved)`;
}

/** The USE vocabulary → tokenizer.json object (Unigram, NFKC + Metaspace as a normalizer, no special tokens). */
export function buildUseTokenizerJson(vocab: [string, number][]): object {
  if (vocab.length <= USE_RESERVED_COUNT) throw new Error(`vocabulary too short: ${vocab.length} entries`);
  const pieces = vocab.map(([piece, rawScore], id): [string, number] => {
    // The published vocab.json has null scores (every piece with ":" but ":00"/":30"); the reference adds them as
    // numbers, i.e. as 0, so they become 0 here (tokenizer.json needs numbers).
    const score = (rawScore as number | null) ?? 0;
    if (typeof piece !== 'string' || typeof score !== 'number' || !Number.isFinite(score)) {
      throw new Error(`vocabulary entry ${id} is not [string, number | null]`);
    }
    return [id > USE_UNK_ID && id < USE_RESERVED_COUNT ? reservedPieceName(piece) : piece, score];
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFKC' },
        { type: 'Replace', pattern: { String: ' ' }, content: METASPACE },
        { type: 'Prepend', prepend: METASPACE },
      ],
    },
    // The reference treats a best-path score of exactly 0 as "no path yet", so a text never starts with one of
    // the 0-score pieces "▁:", "▁:)", "▁:(", "▁:-)" (see the header): a leading "▁" before ":" stands alone.
    pre_tokenizer: { type: 'Split', pattern: { Regex: `^${METASPACE}(?=:)` }, behavior: 'Isolated', invert: false },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: METASPACE, prepend_scheme: 'always', split: false },
    model: { type: 'Unigram', unk_id: USE_UNK_ID, vocab: pieces, byte_fallback: false },
  };
}

/** tokenizer_config.json: a plain tokenizer (no added special tokens), pad = id 0, 128 tokens. */
export function buildUseTokenizerConfig(vocab: [string, number][]): object {
  const unk = vocab[USE_UNK_ID][0];
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: USE_MAX_LENGTH,
    pad_token: vocab[USE_PAD_ID][0],
    unk_token: unk,
    padding_side: 'right',
    clean_up_tokenization_spaces: false,
    add_bos_token: false,
    add_eos_token: false,
  };
}

export function writeUseTokenizer(vocab: [string, number][], outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'tokenizer.json'), JSON.stringify(buildUseTokenizerJson(vocab)));
  writeFileSync(join(outDir, 'tokenizer_config.json'), `${JSON.stringify(buildUseTokenizerConfig(vocab), null, 2)}\n`);
}

export function readUseVocab(path: string): UseVocab {
  const vocab: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(vocab)) throw new Error(`${path}: expected an array of [piece, score]`);
  return vocab as UseVocab;
}

function main(): void {
  const { values } = parseArgs({ options: { vocab: { type: 'string' }, out: { type: 'string' } } });
  if (!values.vocab || !values.out) throw new Error('usage: use-tokenizer.ts --vocab <vocab.json> --out <folder>');
  const vocab = readUseVocab(values.vocab);
  writeUseTokenizer(vocab, values.out);
  console.log(`wrote ${join(values.out, 'tokenizer.json')} and tokenizer_config.json (${vocab.length} pieces)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
