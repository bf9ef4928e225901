/**
 * Writes token ids for the text encoder's trainer (tools/train/python/train_text.py) to `.cache/text/`, using the
 * ONE tokenizer of the page (src/text/tokenizer.ts) and the ONE input form (`formatUtterance`).
 *
 *   npx tsx tools/train/prepare-text.ts [--data ../shared/data/text] [--out .cache/text] [--max-length 64]
 *        [--meld-train F --meld-dev F --emorynlp-train F --emorynlp-dev F --dailydialog DIR --goemotions DIR] [--no-context]
 *
 * With --data every corpus is read from its usual place under that folder; an explicit flag overrides one corpus,
 * and without --data only the corpora given by flags are used (the smoke test passes one tiny MELD CSV).
 * Splits written: `train` (all train corpora, labels -1 dropped, a `corpus` id per row so the trainer can weight or
 * subsample corpora, e.g. DailyDialog's ~83% neutrals) and one `dev_<corpus>` per dev corpus; `dev_meld` is the
 * model-selection set. Each split: `<split>.ids` int32 [N, L], `<split>.labels` int32 [N], `<split>.corpus` int32 [N].
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LABELS } from '../../src/labels.ts';
import { configureTransformers } from '../../src/text/env.ts';
import { CONTEXT_TURNS, DEFAULT_MAX_LENGTH, TextTokenizer, formatDialogueInputs, formatUtterance, type TextInputForm } from '../../src/text/tokenizer.ts';
import { writeTensor } from './store.ts';
import { type Corpus, type Utterance, readDailyDialog, readEmoryNlpCsv, readGoEmotionsEkman, readMeldCsv } from '../data/text.ts';

export const CORPORA: Corpus[] = ['meld', 'emorynlp', 'dailydialog', 'goemotions', 'manifest'];

/** Fixed inputs whose PyTorch outputs train_text.py stores as parity references (the texts travel in the meta). */
export const PARITY_TEXTS = [
  formatUtterance('Chandler', 'Oh my God, I cannot believe you did that!'),
  formatUtterance('Monica', "I'm so sorry... I didn't mean to hurt you."),
  formatUtterance('', 'hello world'),
  formatUtterance('Ross', 'We were on a break!'),
];

interface Sources {
  meldTrain?: string; meldDev?: string; emoryTrain?: string; emoryDev?: string; dailydialog?: string; goemotions?: string;
}

function sourcesFrom(values: Record<string, string | undefined>): Sources {
  const data = values.data;
  const at = (p: string): string | undefined => (data && existsSync(join(data, p)) ? join(data, p) : undefined);
  return {
    meldTrain: values['meld-train'] ?? at('meld/train_sent_emo.csv'),
    meldDev: values['meld-dev'] ?? at('meld/dev_sent_emo.csv'),
    emoryTrain: values['emorynlp-train'] ?? at('emorynlp/emorynlp_train_final.csv'),
    emoryDev: values['emorynlp-dev'] ?? at('emorynlp/emorynlp_dev_final.csv'),
    dailydialog: values.dailydialog ?? at('dailydialog'),
    goemotions: values.goemotions ?? at('goemotions/ekman'),
  };
}

function labelCounts(rows: Utterance[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) counts[LABELS[r.label]] = (counts[LABELS[r.label]] ?? 0) + 1;
  return counts;
}

/** An encoder input form (src/text/tokenizer.ts), or 'speaker-turn' (the turn alone with its speaker: the
 * `_noctx` dev splits that measure what the context adds). */
export type PrepareForm = TextInputForm | 'speaker-turn';

const FORM_NOTES: Record<PrepareForm, string> = {
  'turn-with-context': `formatTurnWithContext(speaker, text, ${CONTEXT_TURNS} previous turns)`,
  'speaker-turn': 'formatUtterance(speaker, text)',
  turn: 'the turn text alone (trimmed)',
};

/** The encoder's input for every utterance, in dialogue order (unlabelled turns are context). */
export function encoderInputs(rows: Utterance[], form: PrepareForm): string[] {
  return form === 'speaker-turn' ? rows.map((r) => formatUtterance(r.speaker, r.text)) : formatDialogueInputs(form, rows);
}

function writeSplit(tokenizer: TextTokenizer, tokenizerName: string, out: string, split: string, rows: Utterance[], maxLength: number, form: PrepareForm): Record<string, unknown> {
  const inputs = encoderInputs(rows, form);
  const keep = rows.map((r) => r.label >= 0 && r.text.length > 0);
  const kept = rows.filter((_, i) => keep[i]);
  const batch = tokenizer.tokenize(inputs.filter((_, i) => keep[i]), maxLength);
  const truncated = kept.filter((_, i) => batch.attentionMask[i * maxLength + maxLength - 1] === 1).length;
  const meta = { split, maxLength, labels: LABELS, corpora: CORPORA, input: FORM_NOTES[form], inputForm: form, tokenizer: tokenizerName };
  writeTensor(join(out, `${split}.ids`), batch.inputIds, [kept.length, maxLength], meta);
  writeTensor(join(out, `${split}.labels`), Int32Array.from(kept, (r) => r.label), [kept.length], meta);
  writeTensor(join(out, `${split}.corpus`), Int32Array.from(kept, (r) => CORPORA.indexOf(r.corpus)), [kept.length], meta);
  const summary = { rows: kept.length, dropped: rows.length - kept.length, truncatedAtMaxLength: truncated, form, labels: labelCounts(kept) };
  console.log(`${split}: ${JSON.stringify(summary)}`);
  return summary;
}

/**
 * Writes `train` and every `dev_<corpus>` split in `form` (see encoderInputs); with dialogue context also
 * `dev_<corpus>_noctx` (the same rows, each turn alone) so the trainer can report what the context adds.
 */
export async function prepareText(sources: Sources, out: string, maxLength = DEFAULT_MAX_LENGTH, tokenizerModel = 'text-encoder-compact', form: PrepareForm = 'turn-with-context'): Promise<Record<string, unknown>> {
  const tokenizer = await TextTokenizer.load(tokenizerModel);
  mkdirSync(out, { recursive: true });
  const train: Utterance[] = [];
  const dev: Record<string, Utterance[]> = {};
  if (sources.meldTrain) train.push(...readMeldCsv(sources.meldTrain));
  if (sources.emoryTrain) train.push(...readEmoryNlpCsv(sources.emoryTrain));
  if (sources.dailydialog) train.push(...readDailyDialog(sources.dailydialog, 'train'));
  if (sources.goemotions) train.push(...readGoEmotionsEkman(join(sources.goemotions, 'train.tsv')));
  if (sources.meldDev) dev.dev_meld = readMeldCsv(sources.meldDev);
  if (sources.emoryDev) dev.dev_emorynlp = readEmoryNlpCsv(sources.emoryDev);
  if (sources.dailydialog) dev.dev_dailydialog = readDailyDialog(sources.dailydialog, 'validation');
  if (train.length === 0) throw new Error('prepare-text: no training corpus given (use --data or --meld-train ...)');
  const summary: Record<string, unknown> = { sources, maxLength };
  summary.train = writeSplit(tokenizer, tokenizerModel, out, 'train', train, maxLength, form);
  const perCorpus: Record<string, number> = {};
  for (const r of train) if (r.label >= 0) perCorpus[r.corpus] = (perCorpus[r.corpus] ?? 0) + 1;
  (summary.train as Record<string, unknown>).corpora = perCorpus;
  for (const [split, rows] of Object.entries(dev)) {
    summary[split] = writeSplit(tokenizer, tokenizerModel, out, split, rows, maxLength, form);
    if (form === 'turn-with-context') summary[`${split}_noctx`] = writeSplit(tokenizer, tokenizerModel, out, `${split}_noctx`, rows, maxLength, 'speaker-turn');
  }
  const parity = tokenizer.tokenize(PARITY_TEXTS, maxLength);
  writeTensor(join(out, 'parity.ids'), parity.inputIds, [PARITY_TEXTS.length, maxLength], { texts: PARITY_TEXTS, maxLength });
  writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 1));
  return summary;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' }, out: { type: 'string', default: '.cache/text' }, 'max-length': { type: 'string' },
      'meld-train': { type: 'string' }, 'meld-dev': { type: 'string' }, 'emorynlp-train': { type: 'string' },
      'emorynlp-dev': { type: 'string' }, dailydialog: { type: 'string' }, goemotions: { type: 'string' },
      'model-path': { type: 'string', default: 'public/models' }, tokenizer: { type: 'string', default: 'text-encoder-compact' },
      'no-context': { type: 'boolean', default: false }, 'input-form': { type: 'string' },
    },
  });
  configureTransformers({ localModelPath: values['model-path'], allowRemoteModels: false });
  const t0 = Date.now();
  const { 'no-context': noContext, 'input-form': inputForm, ...paths } = values;
  const form = (inputForm ?? (noContext ? 'speaker-turn' : 'turn-with-context')) as PrepareForm;
  if (!(form in FORM_NOTES)) throw new Error(`prepare-text: --input-form must be one of ${Object.keys(FORM_NOTES).join(', ')}`);
  await prepareText(sourcesFrom(paths), values.out!, Number(values['max-length'] ?? DEFAULT_MAX_LENGTH), values.tokenizer, form);
  console.log(`prepare-text done in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${values.out}`);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('prepare-text.ts')) await main();
