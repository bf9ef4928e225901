/**
 * The ONE tokenization of EmoLens text: the tokenizer of the chosen text model (the shipped encoder's SentencePiece
 * vocabulary as a Transformers.js tokenizer.json; the compact encoder's BERT uncased WordPiece), loaded by
 * Transformers.js from the model folder, used by the page and by every Node trainer (tools/train/prepare-text.ts),
 * so token ids can never drift between training and serving. Also the input forms of an utterance
 * (`formatUtterance`, `formatTurnWithContext`, `formatTurnInput`).
 */
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import { ensureTransformersConfigured } from './env.ts';

/** Default tokenizer/model folder under the Transformers.js localModelPath. */
export const DEFAULT_TEXT_MODEL = 'text-encoder';
export const DEFAULT_MAX_LENGTH = 64;

export interface TokenBatch {
  /** [batch * length] row-major, padded with [PAD]=0 to `length`. */
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  batch: number;
  /** Sequence length L (= maxLength: fixed padding keeps stored training tensors rectangular). */
  length: number;
}

/**
 * What the model reads for one utterance: "<speaker>: <text>", or just the text when the speaker is unknown.
 * Why the speaker: the dialogue corpora name speakers and the fusion will add context per speaker; keeping the
 * name in the input now makes training and inference agree. See formatTurnWithContext for the dialogue form.
 */
export function formatUtterance(speaker: string | undefined, text: string): string {
  const s = (speaker ?? '').trim();
  const t = text.trim();
  return s ? `${s}: ${t}` : t;
}

import type { PastTurn } from '../session/results.ts';

export type { PastTurn };

/** How many previous turns the text encoder reads (most recent first). */
export const CONTEXT_TURNS = 2;

/**
 * What the text encoder reads for one turn *with dialogue context*: the turn itself first, then up to
 * CONTEXT_TURNS previous turns, most recent first, each after a [SEP]:
 *   "Ross: we were on a break! [SEP] Rachel: you slept with her [SEP] Ross: ..."
 * Why this order: truncation at maxLength cuts the oldest context, never the turn itself. Only past turns are
 * read (a live conversation cannot see the future). `past` is in dialogue order (oldest first); empty texts are
 * skipped. The trainer (prepare-text), the evaluation CLI and the page all build their inputs here.
 */
export function formatTurnWithContext(speaker: string | undefined, text: string, past: readonly PastTurn[] = [], turns = CONTEXT_TURNS): string {
  const parts = [formatUtterance(speaker, text)];
  for (let i = past.length - 1; i >= 0 && parts.length <= turns; i--) {
    if (past[i].text.trim()) parts.push(formatUtterance(past[i].speaker, past[i].text));
  }
  return parts.join(' [SEP] ');
}

/**
 * What a text encoder reads for one turn, named by its model folder (`config.json` `emolens_input_form`):
 * - 'turn-with-context' (default; EmoLens's own encoders): formatTurnWithContext, speaker names and previous turns;
 * - 'turn': the turn's words alone. Universal Sentence Encoder was trained on plain sentences: measured on MELD dev
 *   with a linear probe, a speaker prefix cost 3 points of weighted F1 and the context form 11 (model card).
 */
export type TextInputForm = 'turn-with-context' | 'turn';

export function formatTurnInput(form: TextInputForm, speaker: string | undefined, text: string, past: readonly PastTurn[] = []): string {
  return form === 'turn' ? text.trim() : formatTurnWithContext(speaker, text, past);
}

/** formatTurnInput for utterances in dialogue order (see withDialogueContext). */
export function formatDialogueInputs(form: TextInputForm, items: readonly (PastTurn & { dialogueId?: string })[]): string[] {
  return form === 'turn' ? items.map((item) => item.text.trim()) : withDialogueContext(items);
}

/**
 * Encoder inputs for utterances given in dialogue order: each turn with the turns before it in the same dialogue
 * (consecutive items sharing a `dialogueId`; items without one get no context). Unlabelled turns count as
 * context too, so callers pass every turn and filter afterwards.
 */
export function withDialogueContext(items: readonly (PastTurn & { dialogueId?: string })[], turns = CONTEXT_TURNS): string[] {
  let dialogue: string | undefined, past: PastTurn[] = [];
  return items.map((item) => {
    if (item.dialogueId === undefined || item.dialogueId !== dialogue) past = [];
    dialogue = item.dialogueId;
    const input = formatTurnWithContext(item.speaker, item.text, past, turns);
    past.push(item);
    return input;
  });
}

export class TextTokenizer {
  private constructor(readonly tokenizer: PreTrainedTokenizer) {}

  /** Loads tokenizer.json & co. from `<localModelPath>/<model>` (or a Hub id when remote models are allowed). */
  static async load(model = DEFAULT_TEXT_MODEL): Promise<TextTokenizer> {
    ensureTransformersConfigured();
    return new TextTokenizer(await AutoTokenizer.from_pretrained(model));
  }

  /** Token ids for a batch, truncated and padded to exactly `maxLength` ([CLS] ... [SEP] [PAD]...). */
  tokenize(texts: string[], maxLength = DEFAULT_MAX_LENGTH): TokenBatch {
    const batch = texts.length;
    const inputIds = new Int32Array(batch * maxLength);
    const attentionMask = new Int32Array(batch * maxLength);
    const tokenTypeIds = new Int32Array(batch * maxLength);
    texts.forEach((text, b) => {
      const ids = this.encode(text, maxLength);
      inputIds.set(ids, b * maxLength);
      attentionMask.fill(1, b * maxLength, b * maxLength + ids.length);
    });
    return { inputIds, attentionMask, tokenTypeIds, batch, length: maxLength };
  }

  /**
   * Ids of one text with special tokens, truncated to `maxLength` exactly as Transformers.js' feature-extraction
   * pipeline truncates in the page (`truncation: true` at the model's `model_max_length`): the first `maxLength` ids,
   * so a cut text ends without its [SEP]. (Encoder v2 was trained with a [SEP] kept at the cut, the v1 rule: a
   * one-token difference on the ~15% of training inputs that were longer than 64 tokens.)
   */
  encode(text: string, maxLength = DEFAULT_MAX_LENGTH): number[] {
    const ids = this.tokenizer.encode(text, { add_special_tokens: true }) as number[];
    return ids.length <= maxLength ? ids : ids.slice(0, maxLength);
  }

  decode(ids: ArrayLike<number>, skipSpecialTokens = true): string {
    return this.tokenizer.decode(Array.from(ids), { skip_special_tokens: skipSpecialTokens });
  }
}
