/**
 * `npm run soak -- --minutes 30`: the live demo over the fake camera and microphone (the e2e fixtures: a face photo
 * and two spoken sentences, looped) for as long as asked, with a typed turn every `--type-every` seconds, and a
 * sample each minute of what must stay flat in a long session:
 *   rss      resident memory of the whole Chromium process tree (browser, renderer, GPU, utility), MB
 *   heap     JS memory of the page and of its Workers (inference, face), MB
 *   tensors  tfjs tensors alive in the inference Worker
 *   fps      faces analysed per second in that minute (the live face path's rate)
 *   turns    fused turns in that minute; errors: error messages the page showed in that minute
 *   dom      element count of the page
 *   long tasks  tasks that blocked the page's thread for over 50 ms in that minute (PerformanceObserver), and the longest
 * Writes bench/results/soak-<timestamp>.json and bench/results/soak-latest.md. Needs `npm run build` first (the
 * npm script does not build: a soak measures what is built). Exits 1 if the tensor count grew or turns stopped.
 *
 *   npm run soak -- [--minutes 30] [--type-every 20] [--port 4175]
 */
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import globalSetup from '../e2e/global-setup.ts';
import { BASE_ARGS, FAKE_AUDIO, FAKE_VIDEO } from '../playwright.config.ts';
import { CHROMIUM, servePreview } from './bench/preview.ts';

const { values: args } = parseArgs({ options: { minutes: { type: 'string', default: '30' }, 'type-every': { type: 'string', default: '20' }, port: { type: 'string', default: '4175' } } });
const minutes = Number(args.minutes), typeEveryS = Number(args['type-every']);
/** The commit whose build is measured (with a mark when the working tree differs from it). */
const build = (() => { try { return execFileSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8' }).trim(); } catch { return 'unknown'; } })();
if (!(minutes > 0) || !(typeEveryS > 0)) { console.error('soak: --minutes and --type-every must be positive numbers'); process.exit(2); }
if (!existsSync('dist/index.html')) { console.error('soak: dist/ is missing; run `npm run build` first.'); process.exit(2); }
globalSetup();

const { base } = await servePreview(args.port!, 'soak');

const browserServer = await chromium.launchServer({
  executablePath: CHROMIUM,
  args: [...BASE_ARGS, '--enable-precise-memory-info', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${FAKE_VIDEO}`, `--use-file-for-fake-audio-capture=${FAKE_AUDIO}`],
});
const browser = await chromium.connect(browserServer.wsEndpoint());
const rootPid = browserServer.process().pid!;

/** Resident memory (MB) of `root` and every process below it, read from /proc. */
function treeRssMb(root: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch { /* the process ended */ }
  }
  let kb = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    try { kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0); } catch { /* ended */ }
    stack.push(...(children.get(pid) ?? []));
  }
  return kb / 1024;
}

const page = await browser.newPage();
const pageErrors: string[] = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
await page.goto(`${base}/?backend=wasm`);
await page.waitForFunction(() => document.body.dataset.ready === 'true' || document.body.dataset.ready === 'error', undefined, { timeout: 180_000 });
if (await page.evaluate(() => document.body.dataset.ready) !== 'true') throw new Error(`soak: the demo did not load: ${await page.locator('#message').textContent()}`);
await page.locator('#start').click();
// The consent dialog opens before any device does.
await page.locator('#consent-accept').click();
await page.waitForFunction(() => (window as any).emolensDemo.running, undefined, { timeout: 60_000 });

interface Sample { minute: number; rssMb: number; pageHeapMb: number; workerHeapMb: number; tensors: number; fps: number; turns: number; errors: number; dom: number; longTasks: number; longestTaskMs: number }
const samples: Sample[] = [];
type Counters = { faces: number; turns: number; errors: number };
const counters = (): Promise<Counters> => page.evaluate(() => { const d = (window as any).emolensDemo; return { faces: d.faces, turns: d.turns.length, errors: d.errors.length }; });

/**
 * JS heap of the page and of its Workers: `performance.measureUserAgentSpecificMemory()` (the page is
 * cross-origin isolated) breaks the agent's memory down by global scope; without it, the page's own heap only.
 */
async function heaps(): Promise<{ pageHeapMb: number; workerHeapMb: number }> {
  const measured = await page.evaluate(async () => {
    type Breakdown = { bytes: number; attribution: { scope?: string }[] };
    const measure = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<{ breakdown: Breakdown[] }> }).measureUserAgentSpecificMemory;
    if (!measure || !crossOriginIsolated) return { page: (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0, workers: 0 };
    const { breakdown } = await measure.call(performance);
    let pageBytes = 0, workers = 0;
    for (const b of breakdown) {
      if (b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')) workers += b.bytes;
      else if (b.attribution.some((a) => a.scope === 'Window')) pageBytes += b.bytes;
    }
    return { page: pageBytes, workers };
  });
  return { pageHeapMb: measured.page / 2 ** 20, workerHeapMb: measured.workers / 2 ** 20 };
}

let last = await counters();
let lastAt = Date.now();
const started = Date.now();
const typer = setInterval(() => {
  void page.evaluate(() => {
    const box = document.getElementById('text') as HTMLInputElement;
    box.value = `Still talking at ${new Date().toISOString().slice(11, 19)}, and all is fine.`;
    (document.getElementById('send') as HTMLButtonElement).click();
  }).catch(() => {});
}, typeEveryS * 1000);

console.log('minute  rss MB  page heap MB  worker heap MB  tensors  fps   turns  errors  dom  long tasks (longest ms)');
for (let minute = 1; minute <= minutes; minute++) {
  await new Promise((r) => setTimeout(r, Math.max(0, started + minute * 60_000 - Date.now())));
  const now = await counters();
  const nowAt = Date.now();
  const seconds = (nowAt - lastAt) / 1000;
  const sample: Sample = {
    minute, rssMb: treeRssMb(rootPid), ...(await heaps()),
    tensors: await page.evaluate(() => (window as any).emolensDemo.tensors()),
    fps: (now.faces - last.faces) / seconds, turns: now.turns - last.turns, errors: now.errors - last.errors,
    dom: await page.evaluate(() => document.getElementsByTagName('*').length),
    ...(await page.evaluate((since) => {
      const tasks = ((window as any).emolensDemo.longTasks as { at: number; ms: number }[]).filter((t) => t.at >= since);
      return { longTasks: tasks.length, longestTaskMs: Math.max(0, ...tasks.map((t) => t.ms)) };
    }, await page.evaluate((ago) => performance.now() - ago, nowAt - lastAt))),
  };
  samples.push(sample);
  last = now; lastAt = nowAt;
  console.log(`${String(minute).padStart(6)}  ${sample.rssMb.toFixed(0).padStart(6)}  ${sample.pageHeapMb.toFixed(1).padStart(12)}  ${sample.workerHeapMb.toFixed(1).padStart(14)}  ${String(sample.tensors).padStart(7)}  ${sample.fps.toFixed(2).padStart(4)}  ${String(sample.turns).padStart(6)}  ${String(sample.errors).padStart(6)}  ${String(sample.dom).padStart(4)}  ${sample.longTasks} (${sample.longestTaskMs.toFixed(0)})`);
}
clearInterval(typer);
const errorTexts = await page.evaluate(() => (window as any).emolensDemo.errors.slice(-20));
await browser.close();
await browserServer.close();

// Flat means: the second half of the run ends where it began (the first minutes are warm-up: caches, JIT, shaders).
const half = samples.slice(Math.floor(samples.length / 2));
const first = half[0], end = samples.at(-1)!;
const summary = {
  minutes, typeEveryS, build,
  rssGrowthMb: end.rssMb - first.rssMb, pageHeapGrowthMb: end.pageHeapMb - first.pageHeapMb, workerHeapGrowthMb: end.workerHeapMb - first.workerHeapMb,
  tensorGrowth: end.tensors - samples[0].tensors, fpsFirst: samples[0].fps, fpsLast: end.fps,
  turns: samples.reduce((n, s) => n + s.turns, 0), errors: samples.reduce((n, s) => n + s.errors, 0), pageErrors, lastErrors: errorTexts,
};
mkdirSync('bench/results', { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(`bench/results/soak-${stamp}.json`, JSON.stringify({ samples, summary }, null, 1) + '\n');
const rows = samples.map((s) => `| ${s.minute} | ${s.rssMb.toFixed(0)} | ${s.pageHeapMb.toFixed(1)} | ${s.workerHeapMb.toFixed(1)} | ${s.tensors} | ${s.fps.toFixed(2)} | ${s.turns} | ${s.errors} | ${s.dom} | ${s.longTasks} (${s.longestTaskMs.toFixed(0)} ms) |`);
writeFileSync('bench/results/soak-latest.md', [
  `# Soak: the live demo for ${minutes} minutes (${stamp})`, '',
  `Build: ${build}. Fake camera (one face) and microphone (two sentences, looped), WASM backend, a typed turn every ${typeEveryS} s. Command: \`npm run soak -- --minutes ${minutes}\`.`, '',
  '| minute | RSS MB (Chromium tree) | page heap MB | worker heap MB | tensors | faces/s | turns | errors | DOM elements | page long tasks (longest) |', '|---|---|---|---|---|---|---|---|---|---|', ...rows, '',
  `Second half: RSS ${summary.rssGrowthMb >= 0 ? '+' : ''}${summary.rssGrowthMb.toFixed(0)} MB, page heap ${summary.pageHeapGrowthMb >= 0 ? '+' : ''}${summary.pageHeapGrowthMb.toFixed(1)} MB, worker heap ${summary.workerHeapGrowthMb >= 0 ? '+' : ''}${summary.workerHeapGrowthMb.toFixed(1)} MB; tensors ${summary.tensorGrowth >= 0 ? '+' : ''}${summary.tensorGrowth} over the run; faces/s ${summary.fpsFirst.toFixed(2)} → ${summary.fpsLast.toFixed(2)}; ${summary.turns} turns, ${summary.errors} error messages, ${pageErrors.length} uncaught page errors.`, '',
].join('\n'));
console.log(JSON.stringify(summary, null, 1));
const stalled = samples.length >= 3 && samples.slice(-3).every((s) => s.turns === 0);
process.exit(summary.tensorGrowth > 0 || stalled ? 1 : 0);
