/**
 * The on-disk tensor store shared by the TypeScript feature writers and the PyTorch trainers
 * (tools/train/python/store.py reads the same format): `<name>.bin` holds raw little-endian values,
 * `<name>.json` holds `{ dtype, shape, meta }`. Plain files keep the two languages honest: no pickles, no numpy headers.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export type StoreDtype = 'float32' | 'int32' | 'uint8';
type StoreArray = Float32Array | Int32Array | Uint8Array;

export interface StoredTensor<M = Record<string, unknown>> {
  dtype: StoreDtype;
  shape: number[];
  data: StoreArray;
  meta: M;
}

function dtypeOf(data: StoreArray): StoreDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'uint8';
}

const WRITE_PIECE = 1 << 30;

export function writeTensor(path: string, data: StoreArray, shape: number[], meta: Record<string, unknown> = {}): void {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`writeTensor(${path}): shape [${shape}] holds ${count} values, data has ${data.length}`);
  mkdirSync(dirname(path), { recursive: true });
  // In pieces: one write call takes at most 2 GiB, and a multi-corpus audio store is larger.
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const fd = openSync(`${path}.bin`, 'w');
  try {
    for (let at = 0; at < bytes.length; at += WRITE_PIECE) writeSync(fd, bytes, at, Math.min(WRITE_PIECE, bytes.length - at));
  } finally { closeSync(fd); }
  writeFileSync(`${path}.json`, JSON.stringify({ dtype: dtypeOf(data), shape, meta }, null, 1));
}

export function readTensor<M = Record<string, unknown>>(path: string): StoredTensor<M> {
  const header = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as { dtype: StoreDtype; shape: number[]; meta: M };
  // In pieces as well: readFileSync refuses files over 2 GiB.
  const fd = openSync(`${path}.bin`, 'r');
  let buffer: ArrayBuffer;
  try {
    buffer = new ArrayBuffer(fstatSync(fd).size);
    const bytes = new Uint8Array(buffer);
    for (let at = 0; at < bytes.length;) {
      const got = readSync(fd, bytes, at, Math.min(WRITE_PIECE, bytes.length - at), at);
      if (got <= 0) throw new Error(`readTensor(${path}): the file ended early`);
      at += got;
    }
  } finally { closeSync(fd); }
  const data = header.dtype === 'float32' ? new Float32Array(buffer) : header.dtype === 'int32' ? new Int32Array(buffer) : new Uint8Array(buffer);
  return { ...header, data };
}
