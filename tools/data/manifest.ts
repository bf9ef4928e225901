/**
 * The generic manifest CSV the evaluation CLI reads: header `path_or_text,label[,speaker,dialogue_id]`.
 * For audio/face rows the first column is a file path (absolute, or relative to the CSV's folder); for text rows it
 * is the utterance itself. Every row carries both readings, so one reader serves every modality.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { LABELS, toLabelIndex } from '../../src/labels.ts';
import { readCsvRecords } from './csv.ts';

export interface ManifestRow {
  /** The first column as written (the utterance text for text manifests). */
  pathOrText: string;
  /** The first column resolved as a path: absolute as is, relative against the CSV's folder. */
  path: string;
  /** LABELS index (never -1: unknown labels are skipped). */
  label: number;
  speaker: string;
  /** `dialogue_id` column, or a per-row id (`row<line>`) when the column is absent or empty. */
  dialogueId: string;
  /** 0-based position within its dialogue, in file order. */
  turn: number;
  /** 1-based line number in the CSV (header = line 1), for error messages. */
  line: number;
}

export interface SkippedRow { line: number; label: string; reason: string }

export interface Manifest { rows: ManifestRow[]; skipped: SkippedRow[] }

export function readManifest(csvPath: string): Manifest {
  const records = readCsvRecords(csvPath);
  if (records.length > 0 && !('path_or_text' in records[0] && 'label' in records[0])) {
    throw new Error(`${csvPath}: a manifest needs the header path_or_text,label[,speaker,dialogue_id]`);
  }
  const dir = dirname(resolve(csvPath));
  const rows: ManifestRow[] = [];
  const skipped: SkippedRow[] = [];
  const turns = new Map<string, number>();
  records.forEach((r, i) => {
    const line = i + 2;
    const value = (r.path_or_text ?? '').trim();
    const label = toLabelIndex(r.label ?? '');
    if (label < 0) { skipped.push({ line, label: r.label ?? '', reason: `label not one of ${LABELS.join(', ')} or a synonym` }); return; }
    if (value === '') { skipped.push({ line, label: r.label ?? '', reason: 'empty path_or_text' }); return; }
    const dialogueId = (r.dialogue_id ?? '').trim() || `row${line}`;
    const turn = turns.get(dialogueId) ?? 0;
    turns.set(dialogueId, turn + 1);
    rows.push({
      pathOrText: value, path: isAbsolute(value) ? value : resolve(dir, value), label,
      speaker: (r.speaker ?? '').trim(), dialogueId, turn, line,
    });
  });
  return { rows, skipped };
}
