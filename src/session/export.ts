/**
 * A session as data: its turns (and, if asked, its per-frame face results) as JSON or CSV in one documented,
 * versioned schema, and the reader that takes either back (the demo re-opens an export without any model). No DOM,
 * no tfjs: the library, the widget, the demo and Node tools share it.
 *
 * Schema `emolens-session`, version 1:
 * - JSON: `{ schema: 'emolens-session', version: 1, exportedAt, labels, turns: SessionTurn[], frames?: SessionFrame[] }`.
 * - CSV: one header row, then one row per turn (`kind` = `turn`) and per frame (`kind` = `frame`); columns are
 *   CSV_COLUMNS (probabilities as `<group>_<label>`, empty where a modality is absent), RFC 4180 quoting, numbers
 *   written in full so that a round trip gives the same values.
 */
import { LABELS, type Label, type Modality } from '../labels.ts';
import type { Probabilities, TurnResult } from './results.ts';

export const SESSION_SCHEMA = 'emolens-session';
export const SESSION_SCHEMA_VERSION = 1;

/** A turn as exported: the fused result, with when it was made (`timestamp`, Date.now()) and the unsmoothed probabilities. */
export type SessionTurn = TurnResult & { timestamp?: number; raw?: Probabilities };

/** One face of one analysed video frame. */
export interface SessionFrame {
  /** The face's track (stable while the person stays in view). */
  trackId?: number;
  /** Date.now() when the result was made. */
  timestamp: number;
  label: Label;
  confidence: number;
  probabilities: Probabilities;
  box: { x: number; y: number; width: number; height: number };
}

export interface SessionExport {
  schema: typeof SESSION_SCHEMA;
  version: number;
  /** ISO time of the export. */
  exportedAt: string;
  labels: Label[];
  turns: SessionTurn[];
  frames?: SessionFrame[];
}

export class SessionFileError extends Error {
  constructor(detail: string) { super(`Not an EmoLens session file: ${detail}`); this.name = 'SessionFileError'; }
}

const MODALITIES: readonly Modality[] = ['text', 'audio', 'face'];
const probColumns = (group: string) => LABELS.map((l) => `${group}_${l}`);

/** The CSV columns, in order. */
export const CSV_COLUMNS = [
  'kind', 'index', 'timestamp', 'start_ms', 'end_ms', 'speaker', 'transcript', 'label', 'confidence',
  ...probColumns('fused'), ...probColumns('raw'), ...MODALITIES.flatMap((m) => probColumns(m)),
  'gate_text', 'gate_audio', 'gate_face', 'valence', 'arousal', 'fusion_ms', 'text_ms', 'audio_ms', 'face_ms',
  'track_id', 'box_x', 'box_y', 'box_width', 'box_height',
] as const;
type Column = (typeof CSV_COLUMNS)[number];

export function sessionToJson(turns: readonly SessionTurn[], frames?: readonly SessionFrame[]): string {
  const out: SessionExport = { schema: SESSION_SCHEMA, version: SESSION_SCHEMA_VERSION, exportedAt: new Date().toISOString(), labels: [...LABELS], turns: turns.map(plainTurn) };
  if (frames) out.frames = frames.map((f) => ({ ...f, probabilities: { ...f.probabilities }, box: { ...f.box } }));
  return `${JSON.stringify(out, null, 1)}\n`;
}

/** Only the schema's fields (a caller's result may carry more). */
function plainTurn(t: SessionTurn): SessionTurn {
  const out: SessionTurn = {
    index: t.index, speaker: t.speaker, label: t.label, confidence: t.confidence, probabilities: { ...t.probabilities },
    valence: t.valence, arousal: t.arousal, modalities: Object.fromEntries(Object.entries(t.modalities).map(([m, p]) => [m, { ...p }])),
    gate: { ...t.gate }, startMs: t.startMs, endMs: t.endMs, timings: { ...t.timings },
  };
  if (t.transcript !== undefined) out.transcript = t.transcript;
  if (t.timestamp !== undefined) out.timestamp = t.timestamp;
  if (t.raw) out.raw = { ...t.raw };
  return out;
}

const cell = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function sessionToCsv(turns: readonly SessionTurn[], frames: readonly SessionFrame[] = []): string {
  const rows: string[] = [CSV_COLUMNS.join(',')];
  const row = (values: Partial<Record<Column, unknown>>) => rows.push(CSV_COLUMNS.map((c) => cell(values[c])).join(','));
  const probs = (group: string, p?: Probabilities) => Object.fromEntries(LABELS.map((l) => [`${group}_${l}`, p?.[l]]));
  for (const t of turns) {
    row({
      kind: 'turn', index: t.index, timestamp: t.timestamp, start_ms: t.startMs, end_ms: t.endMs, speaker: t.speaker, transcript: t.transcript,
      label: t.label, confidence: t.confidence, ...probs('fused', t.probabilities), ...probs('raw', t.raw),
      ...Object.assign({}, ...MODALITIES.map((m) => probs(m, t.modalities[m]))),
      gate_text: t.gate.text, gate_audio: t.gate.audio, gate_face: t.gate.face, valence: t.valence, arousal: t.arousal,
      fusion_ms: t.timings.fusionMs, text_ms: t.timings.textMs, audio_ms: t.timings.audioMs, face_ms: t.timings.faceMs,
    });
  }
  for (const f of frames) {
    row({
      kind: 'frame', timestamp: f.timestamp, label: f.label, confidence: f.confidence, ...probs('face', f.probabilities),
      track_id: f.trackId, box_x: f.box.x, box_y: f.box.y, box_width: f.box.width, box_height: f.box.height,
    });
  }
  return `${rows.join('\r\n')}\r\n`;
}

/** RFC 4180 fields (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], field = '', quoted = false, i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c; i++; continue;
    }
    if (c === '"' && field === '') { quoted = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r' || c === '\n') {
      row.push(field); field = '';
      if (row.some((v) => v !== '')) rows.push(row);
      row = [];
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    field += c; i++;
  }
  if (quoted) throw new SessionFileError('a quoted CSV field is not closed');
  row.push(field);
  if (row.some((v) => v !== '')) rows.push(row);
  return rows;
}

function isLabel(v: unknown): v is Label { return typeof v === 'string' && (LABELS as readonly string[]).includes(v); }

/** Reads a JSON or CSV export back; a file of another kind or a later version fails with a SessionFileError that says why. */
export function readSessionExport(text: string): SessionExport {
  const start = text.trimStart();
  if (start.startsWith('{')) return readJson(start);
  if (start.startsWith('kind,')) return readCsv(start);
  throw new SessionFileError('it is neither an EmoLens JSON export nor an EmoLens CSV export (which starts with "kind,")');
}

function readJson(text: string): SessionExport {
  let data: Partial<SessionExport>;
  try { data = JSON.parse(text) as Partial<SessionExport>; } catch (error) { throw new SessionFileError(`invalid JSON (${(error as Error).message})`); }
  if (data.schema !== SESSION_SCHEMA) throw new SessionFileError(`schema is ${JSON.stringify(data.schema)}, want "${SESSION_SCHEMA}"`);
  if (typeof data.version !== 'number' || data.version > SESSION_SCHEMA_VERSION) throw new SessionFileError(`version ${data.version} is newer than this reader (${SESSION_SCHEMA_VERSION})`);
  if (!Array.isArray(data.turns)) throw new SessionFileError('no "turns" list');
  data.turns.forEach((t, i) => checkTurn(t, `turn ${i}`));
  return { schema: SESSION_SCHEMA, version: data.version, exportedAt: String(data.exportedAt ?? ''), labels: [...LABELS], turns: data.turns, ...(data.frames ? { frames: data.frames } : {}) };
}

function checkTurn(t: SessionTurn, where: string): void {
  if (!t || typeof t !== 'object') throw new SessionFileError(`${where} is not an object`);
  if (!isLabel(t.label)) throw new SessionFileError(`${where}: label ${JSON.stringify(t.label)} is not one of ${LABELS.join(', ')}`);
  for (const l of LABELS) if (!Number.isFinite(t.probabilities?.[l])) throw new SessionFileError(`${where}: probability of ${l} is missing`);
  if (typeof t.speaker !== 'string') throw new SessionFileError(`${where}: no speaker`);
}

function readCsv(text: string): SessionExport {
  const [header, ...rows] = parseCsv(text);
  const at = new Map(header.map((name, i) => [name, i]));
  for (const c of ['kind', 'label', 'speaker', ...probColumns('fused')]) if (!at.has(c)) throw new SessionFileError(`the CSV has no "${c}" column`);
  const num = (r: string[], c: Column): number | undefined => { const v = r[at.get(c) ?? -1]; return v === undefined || v === '' ? undefined : Number(v); };
  const str = (r: string[], c: Column): string | undefined => { const v = r[at.get(c) ?? -1]; return v === undefined || v === '' ? undefined : v; };
  const probs = (r: string[], group: string): Probabilities | undefined => {
    const values = LABELS.map((l) => num(r, `${group}_${l}` as Column));
    return values.every((v) => v !== undefined) ? Object.fromEntries(LABELS.map((l, i) => [l, values[i]!])) as Probabilities : undefined;
  };
  const turns: SessionTurn[] = [], frames: SessionFrame[] = [];
  rows.forEach((r, n) => {
    const kind = str(r, 'kind');
    const label = str(r, 'label');
    if (!isLabel(label)) throw new SessionFileError(`row ${n + 2}: label ${JSON.stringify(label)} is not one of ${LABELS.join(', ')}`);
    if (kind === 'frame') {
      const p = probs(r, 'face');
      if (!p) throw new SessionFileError(`row ${n + 2}: a frame without its face probabilities`);
      frames.push({ trackId: num(r, 'track_id'), timestamp: num(r, 'timestamp') ?? 0, label, confidence: num(r, 'confidence') ?? p[label], probabilities: p,
        box: { x: num(r, 'box_x') ?? 0, y: num(r, 'box_y') ?? 0, width: num(r, 'box_width') ?? 0, height: num(r, 'box_height') ?? 0 } });
      return;
    }
    if (kind !== 'turn') throw new SessionFileError(`row ${n + 2}: kind ${JSON.stringify(kind)} (want turn or frame)`);
    const fused = probs(r, 'fused');
    if (!fused) throw new SessionFileError(`row ${n + 2}: a turn without its fused probabilities`);
    const modalities: SessionTurn['modalities'] = {};
    for (const m of MODALITIES) { const p = probs(r, m); if (p) modalities[m] = p; }
    const timings: SessionTurn['timings'] = { fusionMs: num(r, 'fusion_ms') ?? 0 };
    for (const [key, c] of [['textMs', 'text_ms'], ['audioMs', 'audio_ms'], ['faceMs', 'face_ms']] as const) { const v = num(r, c); if (v !== undefined) timings[key] = v; }
    const turn: SessionTurn = {
      index: num(r, 'index') ?? turns.length, speaker: str(r, 'speaker') ?? '', label, confidence: num(r, 'confidence') ?? fused[label], probabilities: fused,
      valence: num(r, 'valence') ?? 0, arousal: num(r, 'arousal') ?? 0, modalities,
      gate: { text: num(r, 'gate_text') ?? 0, audio: num(r, 'gate_audio') ?? 0, face: num(r, 'gate_face') ?? 0 },
      startMs: num(r, 'start_ms') ?? 0, endMs: num(r, 'end_ms') ?? 0, timings,
    };
    const transcript = str(r, 'transcript'), timestamp = num(r, 'timestamp'), raw = probs(r, 'raw');
    if (transcript !== undefined) turn.transcript = transcript;
    if (timestamp !== undefined) turn.timestamp = timestamp;
    if (raw) turn.raw = raw;
    turns.push(turn);
  });
  return { schema: SESSION_SCHEMA, version: SESSION_SCHEMA_VERSION, exportedAt: '', labels: [...LABELS], turns, ...(frames.length ? { frames } : {}) };
}
