/**
 * CSV reading for the dataset readers: an RFC-4180 parser (quoted fields, doubled quotes, embedded commas and
 * newlines, CRLF) and a robust text-file decoder. MELD's CSVs are "Windows-1252-ish" in places (e.g. byte 0x92
 * for an apostrophe), so a file that is not valid UTF-8 is decoded byte-wise as cp1252 instead of producing U+FFFD.
 */
import { readFileSync } from 'node:fs';

/** cp1252 bytes 0x80–0x9F (the only range where it differs from Latin-1); undefined slots map to the C1 control. */
const CP1252_HIGH: Record<number, number> = {
  0x80: 0x20ac, 0x82: 0x201a, 0x83: 0x0192, 0x84: 0x201e, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021, 0x88: 0x02c6,
  0x89: 0x2030, 0x8a: 0x0160, 0x8b: 0x2039, 0x8c: 0x0152, 0x8e: 0x017d, 0x91: 0x2018, 0x92: 0x2019, 0x93: 0x201c,
  0x94: 0x201d, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02dc, 0x99: 0x2122, 0x9a: 0x0161, 0x9b: 0x203a,
  0x9c: 0x0153, 0x9e: 0x017e, 0x9f: 0x0178,
};

export function decodeCp1252(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b >= 0x80 && b <= 0x9f ? (CP1252_HIGH[b] ?? b) : b);
  return out;
}

/** Curly quotes, primes and similar typography → ASCII, so "don’t" and "don't" tokenize identically. */
export function normalizeQuotes(text: string): string {
  return text
    .replace(/[\u2018\u2019\u201a\u201b\u2032\u0060\u00b4]/g, "'")
    .replace(/[\u201c\u201d\u201e\u201f\u2033]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\u2026/g, '...')
    .replace(/\u00a0/g, ' ');
}

/**
 * Decodes bytes as UTF-8 when they are valid UTF-8, otherwise as cp1252, strips a BOM, and normalises quotes.
 * (Whole-file decision: a file mixing both encodings is rare; a fatal UTF-8 decode tells us which one we have.)
 */
export function decodeTextRobust(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = decodeCp1252(bytes);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return normalizeQuotes(text);
}

export function readTextFileRobust(path: string): string {
  return decodeTextRobust(readFileSync(path));
}

/** Parses RFC-4180 CSV text into rows of fields. Accepts LF or CRLF; a trailing newline adds no empty row. */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        inQuotes = false; i++; continue;
      }
      field += c; i++; continue;
    }
    if (c === '"' && field.length === 0) { inQuotes = true; i++; continue; }
    if (c === delimiter) { row.push(field); field = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { i++; continue; }
    if (c === '\n' || c === '\r') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
    field += c; i++;
  }
  if (field.length > 0 || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

/** Parses CSV with a header row into objects keyed by the (trimmed) header names. Blank lines are skipped. */
export function parseCsvRecords(text: string, delimiter = ','): Record<string, string>[] {
  const rows = parseCsv(text, delimiter).filter((r) => !(r.length === 1 && r[0].trim() === ''));
  if (rows.length === 0) return [];
  const header = rows[0].map((h) => h.trim());
  return rows.slice(1).map((r) => Object.fromEntries(header.map((h, j) => [h, r[j] ?? ''])));
}

/** Reads a CSV file robustly (encoding + quotes) into header-keyed records. */
export function readCsvRecords(path: string, delimiter = ','): Record<string, string>[] {
  return parseCsvRecords(readTextFileRobust(path), delimiter);
}
