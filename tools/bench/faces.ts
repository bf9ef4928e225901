/**
 * `npm run bench:faces`: our face model vs face-api's expression net vs Human's emotion model on the SAME FER2013
 * validation faces, in headless Chromium, on tfjs WASM then WebGL, in one run. Node decodes the JPEGs (sharp) and
 * sends 48×48 gray pixels to faces.html; peer weights are served from node_modules by page.route (nothing copied).
 * Writes bench/results/faces-<timestamp>.json and bench/results/faces-latest.md.
 *
 *   npm run bench:faces [-- --limit 500 --webgl-limit 300 --backends wasm,webgl --time-faces 200 --webgl-time-faces 64]
 *
 * Serves dist/ (or --dist DIR) with `vite preview` when it has faces.html (the build lists faces.html), else the
 * vite dev server, which serves any top-level .html from the sources.
 */
import { chromium, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { parseArgs } from 'node:util';
import { readLabelFolders, loadFaceImage } from '../data/faces.ts';
import { cropFace } from '../../src/video/face-crop.ts';
import { evaluate } from '../../src/eval/metrics.ts';
import type { FaceModelName } from '../../src/bench/peers.ts';
import type { FacesPageApi, FacesPageInfo, FaceTiming } from '../../src/bench/faces-page.ts';
import { facesMarkdown, modelBytes, type FaceRun, type FacesReport } from './faces-report.ts';

const { values: args } = parseArgs({ options: {
  data: { type: 'string', default: '/work/shared/data/faces/fer2013/validation' },
  limit: { type: 'string', default: '0' }, 'webgl-limit': { type: 'string', default: '500' },
  backends: { type: 'string', default: 'wasm,webgl' }, 'time-faces': { type: 'string', default: '200' }, 'webgl-time-faces': { type: 'string', default: '64' },
  port: { type: 'string', default: '4175' }, dist: { type: 'string', default: 'dist' }, out: { type: 'string', default: 'bench/results' }, batch: { type: 'string', default: '64' },
} });
const base = `http://127.0.0.1:${args.port}`;
const MODELS: FaceModelName[] = ['ours', 'face-api', 'human'];
const PEER_DIRS: Record<string, string> = { 'face-api': 'node_modules/@vladmandic/face-api/model', human: 'node_modules/@vladmandic/human/models' };
const SIZE = 48;

/** Deterministic shuffle (mulberry32), so `--limit N` takes a class-mixed subset and every run the same one. */
function shuffled<T>(items: T[], seed = 2026): T[] {
  const out = items.slice();
  let s = seed >>> 0;
  const rand = (): number => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  for (let i = out.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [out[i], out[j]] = [out[j], out[i]]; }
  return out;
}

// 1. The faces: 48×48 gray bytes (FER2013 already is; anything else goes through cropFace's whole-image path).
const all = shuffled(readLabelFolders(args.data!));
const limit = Number(args.limit) > 0 ? Math.min(Number(args.limit), all.length) : all.length;
const items = all.slice(0, limit);
const t0 = Date.now();
const pixels = new Uint8Array(items.length * SIZE * SIZE);
for (const [i, item] of items.entries()) {
  const img = await loadFaceImage(item.path);
  if (img.channels === 1 && img.width === SIZE && img.height === SIZE) pixels.set(img.data, i * SIZE * SIZE);
  else pixels.set(cropFace(img.data, img.width, img.height, null, { channels: img.channels }).map((v) => Math.round(v * 255)), i * SIZE * SIZE);
}
const labels = items.map((it) => it.label);
console.log(`faces: ${items.length} faces from ${args.data} decoded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
const b64 = (from: number, to: number): string => Buffer.from(pixels.buffer, from * SIZE * SIZE, (to - from) * SIZE * SIZE).toString('base64');

// 2. The server: the build if it has faces.html, else the dev server (serves any top-level .html).
const preview = existsSync(join(args.dist!, 'faces.html'));
const server = spawn('npx', preview ? ['vite', 'preview', '--outDir', args.dist!, '--host', '127.0.0.1', '--port', args.port!, '--strictPort'] : ['vite', '--host', '127.0.0.1', '--port', args.port!, '--strictPort'], { stdio: 'ignore', detached: true });
const stopServer = (): void => { try { process.kill(-server.pid!, 'SIGTERM'); } catch { /* already gone */ } };
process.on('exit', stopServer);
for (let i = 0; ; i++) {
  if (await fetch(base).then((r) => r.ok, () => false)) break;
  if (i > 150) throw new Error(`faces: vite did not answer on ${base}`);
  await new Promise((r) => setTimeout(r, 300));
}
console.log(`faces: serving ${preview ? `${args.dist}/ (vite preview)` : 'sources (vite dev server)'} on ${base}`);

/** Peer weights straight from node_modules, same origin, with the COEP header the page's isolation requires. */
async function servePeers(page: Page): Promise<void> {
  await page.route('**/peers/**', async (route) => {
    const [, peer, file] = new URL(route.request().url()).pathname.match(/^\/peers\/([^/]+)\/(.+)$/) ?? [];
    const dir = PEER_DIRS[peer ?? ''];
    const path = dir ? normalize(join(dir, decodeURIComponent(file))) : '';
    if (!dir || !path.startsWith(dir) || !existsSync(path)) return route.fulfill({ status: 404, body: 'not found' });
    await route.fulfill({ status: 200, body: readFileSync(path), headers: { 'Content-Type': extname(path) === '.json' ? 'application/json' : 'application/octet-stream', 'Cross-Origin-Resource-Policy': 'same-origin' } });
  });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined),
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const runs: FaceRun[] = [];
const limits: Record<string, number> = {};
for (const backend of args.backends!.split(',')) {
  const n = backend === 'webgl' && Number(args['webgl-limit']) > 0 ? Math.min(Number(args['webgl-limit']), items.length) : items.length;
  limits[backend] = n;
  const started = Date.now();
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`faces[${backend}] page error: ${e.message}`));
  await servePeers(page);
  try {
    await page.goto(`${base}/faces.html?backend=${backend}`);
    await page.waitForFunction(() => { const w = window as unknown as { emolensFaces?: unknown; emolensFacesError?: string }; if (w.emolensFacesError) throw new Error(w.emolensFacesError); return !!w.emolensFaces; }, undefined, { timeout: 300_000, polling: 500 });
    const info = await page.evaluate(() => (window as unknown as { emolensFaces: FacesPageApi }).emolensFaces.info) as FacesPageInfo;
    console.log(`faces[${backend}]: tfjs on ${info.backend}; loaded ${info.models.join(', ')} ${JSON.stringify(info.loadMs)}${Object.keys(info.errors).length ? `; failed ${JSON.stringify(info.errors)}` : ''}`);
    if (info.backend !== backend) throw new Error(`asked for ${backend}, tfjs runs on ${info.backend}`);
    const preds: Record<string, number[]> = Object.fromEntries(info.models.map((m) => [m, []]));
    const batch = Number(args.batch);
    for (let from = 0; from < n; from += batch) {
      const to = Math.min(n, from + batch);
      const out = await page.evaluate(([data, count]) => (window as unknown as { emolensFaces: FacesPageApi }).emolensFaces.classify(data, count), [b64(from, to), to - from] as const);
      for (const m of info.models) preds[m].push(...out[m]);
      if (to === n || (from / batch) % 10 === 0) console.log(`faces[${backend}]: ${to}/${n} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    const timeFaces = Math.min(Number(args[backend === 'webgl' ? 'webgl-time-faces' : 'time-faces']), n);
    for (const model of MODELS) {
      if (!info.models.includes(model)) { runs.push({ model, backend, n: 0, error: info.errors[model] ?? 'not loaded' }); continue; }
      const timing = await page.evaluate(([m, data, count]) => (window as unknown as { emolensFaces: FacesPageApi }).emolensFaces.time(m, data, count), [model, b64(0, timeFaces), timeFaces] as const) as FaceTiming;
      const result = evaluate(labels.slice(0, n), preds[model]);
      runs.push({ model, backend, n, eval: result, timing, loadMs: info.loadMs[model], predictions: preds[model] });
      console.log(`faces[${backend}] ${model}: acc ${(100 * result.accuracy).toFixed(1)}% wF1 ${(100 * result.weightedF1).toFixed(1)}% macroF1 ${(100 * result.macroF1).toFixed(1)}%; ${timing.batch1MedianMs.toFixed(2)} ms/face (b1), ${timing.batch32MsPerFace.toFixed(2)} ms/face (b32)`);
    }
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    for (const model of MODELS) if (!runs.some((r) => r.model === model && r.backend === backend)) runs.push({ model, backend, n: 0, error: message });
    console.error(`faces[${backend}] failed: ${message}`);
  }
  console.log(`faces[${backend}]: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await page.close();
}
const chromiumVersion = browser.version();
await browser.close();
stopServer();

const report: FacesReport = {
  date: new Date().toISOString(), machine: `${process.platform} ${process.arch}, node ${process.version}`, chromium: chromiumVersion,
  dataset: `FER2013 validation (${args.data}, ${all.length} faces${limit < all.length ? `, --limit ${limit} (seeded shuffle)` : ''})`,
  limits,
  modelBytes: {
    ours: modelBytes('public/models/face-encoder/model.json'),
    'face-api': modelBytes(join(PEER_DIRS['face-api'], 'face_expression_model-weights_manifest.json')),
    human: modelBytes(join(PEER_DIRS.human, 'emotion.json')),
  },
  runs,
};
const stamp = report.date.replace(/[:.]/g, '-');
mkdirSync(args.out!, { recursive: true });
// Number arrays (predictions, confusion rows) on one line each, so the JSON stays readable.
const json = JSON.stringify(report, null, 1).replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, body: string) => `[${body.replace(/\s+/g, '')}]`);
writeFileSync(join(args.out!, `faces-${stamp}.json`), json + '\n');
const md = facesMarkdown(report);
writeFileSync(join(args.out!, 'faces-latest.md'), md);
console.log(md);
console.log(`wrote ${join(args.out!, `faces-${stamp}.json`)} and ${join(args.out!, 'faces-latest.md')}`);
process.exit(runs.some((r) => r.error) ? 1 : 0);
