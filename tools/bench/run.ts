/**
 * `npm run bench`: builds nothing itself (the npm script builds first), serves dist/ with `vite preview`, and
 * opens bench.html in headless Chromium once per tfjs backend, in one run, side by side. Writes
 * bench/results/<timestamp>.json and bench/results/latest.md. On CPU-only machines WebGPU and WebGL run on
 * SwiftShader (CPU emulation): their times say "it works", not "it is fast".
 *
 *   npm run bench [-- --backends webgpu,wasm --runs 20 --fusion-runs 200]
 */
import { chromium } from '@playwright/test';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { BenchResult } from '../../src/bench/page.ts';
import { CHROMIUM, servePreview } from './preview.ts';

const { values: args } = parseArgs({ options: { backends: { type: 'string', default: 'webgpu,webgl,wasm,cpu' }, runs: { type: 'string', default: '20' }, 'fusion-runs': { type: 'string', default: '200' }, port: { type: 'string', default: '4174' } } });
const backends = args.backends!.split(',');

if (!existsSync('dist/bench.html')) { console.error('bench: dist/ is missing; run `npm run build` first (npm run bench does).'); process.exit(2); }
const { base, stop: stopServer } = await servePreview(args.port!, 'bench');

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--enable-unsafe-webgpu', '--enable-precise-memory-info'],
});
const results: Record<string, BenchResult | { error: string }> = {};
for (const backend of backends) {
  const page = await browser.newPage();
  const started = Date.now();
  console.log(`bench: ${backend}…`);
  try {
    await page.goto(`${base}/bench.html?backend=${backend}&runs=${args.runs}&fusionRuns=${args['fusion-runs']}`);
    await page.waitForFunction(() => (window as unknown as { emolensBench?: unknown }).emolensBench, undefined, { timeout: 540_000, polling: 500 });
    results[backend] = await page.evaluate(() => (window as unknown as { emolensBench: BenchResult }).emolensBench);
  } catch (error) {
    results[backend] = { error: (error as Error).message.split('\n')[0] };
  }
  console.log(`bench: ${backend} done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await page.close();
}
await browser.close();
stopServer();

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
mkdirSync('bench/results', { recursive: true });
const report = { date: new Date().toISOString(), machine: `${process.platform} ${process.arch}, node ${process.version}`, chromium: browser.version(), runs: Number(args.runs), results };
writeFileSync(`bench/results/${stamp}.json`, JSON.stringify(report, null, 1) + '\n');

const ok = Object.entries(results).filter((e): e is [string, BenchResult] => !('error' in e[1]));
const stages = ok.length ? Object.keys(ok[0][1].stages) : [];
const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(2));
const lines = [
  `# EmoLens benchmark (${report.date})`, '',
  `${report.machine}; Chromium ${report.chromium}; median of ${args.runs} runs (fusion: ${args['fusion-runs']}) after 2 warm-ups. Ratio = stage time / face-api detection time on the same backend run (the peer measured in the same page).`, '',
  `| stage | ${ok.map(([b]) => b).join(' | ')} |`, `|---|${ok.map(() => '---').join('|')}|`,
  ...stages.map((s) => `| ${s} | ${ok.map(([, r]) => `${ms(r.stages[s].medianMs)} ms (×${(r.stages[s].medianMs / r.stages['face detect (face-api, worker)'].medianMs).toFixed(2)})`).join(' | ')} |`),
  `| cold start to models ready | ${ok.map(([, r]) => `${ms(r.coldStartMs)} ms`).join(' | ')} |`,
  `| cold start to first fused result | ${ok.map(([, r]) => `${ms(r.firstResultMs)} ms`).join(' | ')} |`,
  `| model bytes (manifest) | ${ok.map(([, r]) => `${(r.modelBytes / 1e6).toFixed(2)} MB`).join(' | ')} |`,
  `| bytes transferred | ${ok.map(([, r]) => `${(r.transferredBytes / 1e6).toFixed(2)} MB`).join(' | ')} |`,
  `| JS heap after run | ${ok.map(([, r]) => (r.peakJsHeapBytes ? `${(r.peakJsHeapBytes / 1e6).toFixed(1)} MB` : 'n/a')).join(' | ')} |`,
  `| tensors leaked over all runs | ${ok.map(([, r]) => String(r.tensorsLeaked)).join(' | ')} |`,
  '', ...Object.entries(results).filter(([, r]) => 'error' in r).map(([b, r]) => `- ${b}: failed: ${(r as { error: string }).error}`),
];
writeFileSync('bench/results/latest.md', lines.join('\n') + '\n');
console.log(lines.join('\n'));
console.log(`wrote bench/results/${stamp}.json and bench/results/latest.md`);
process.exit(0);
