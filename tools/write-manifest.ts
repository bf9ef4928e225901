/**
 * Writes public/models/manifest.json: byte size and SHA-256 of every file the page loads from public/models,
 * so the runtime can name a missing or corrupt file. Run after any model changes: `npx tsx tools/write-manifest.ts`.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Files that document a model or hold training by-products: not loaded by the page, so not in the manifest. */
const NOT_LOADED = /(^|\/)(card\.md|[^/]*\.log|metrics[^/]*\.json|parity\/.*|\.[^/]+(\/.*)?|manifest\.json)$/;

export function buildManifest(root: string): { version: number; files: Record<string, { bytes: number; sha256: string }> } {
  const files: Record<string, { bytes: number; sha256: string }> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) { walk(full); continue; }
      const rel = relative(root, full).split(sep).join('/');
      if (NOT_LOADED.test(rel)) continue;
      const bytes = readFileSync(full);
      files[rel] = { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
    }
  };
  walk(root);
  return { version: 1, files };
}

export function writeManifest(root: string): void {
  writeFileSync(join(root, 'manifest.json'), JSON.stringify(buildManifest(root), null, 1) + '\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = process.argv[2] ?? 'public/models';
  writeManifest(root);
  console.log(`wrote ${root}/manifest.json`);
}
