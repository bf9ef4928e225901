/**
 * The npm package as a user gets it: `npm pack` → a fresh Vite project installs the tarball, imports
 * `createRecognizer` from 'emolens', type-checks against the shipped declarations, builds, and runs in Chromium:
 * text, audio and a face image give valid results from the inference Worker, a camera/microphone session emits
 * frames and turns, and dispose() leaves no tensors behind. Models and runtimes are copied from the package's
 * dist/lib/{models,vendor} into the project's public/ folder, as the README tells users to.
 */
import { expect, test } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FACE_PHOTO } from './global-setup.ts';

const LABELS = ['neutral', 'joy', 'sadness', 'anger', 'fear', 'disgust', 'surprise'];
const PORT = 4174;
const ROOT = resolve('.');

const MAIN_TS = `
import { createRecognizer, LABELS, readSessionExport, type EmotionResult, type FrameEmotion } from 'emolens';

async function run() {
  const recognizer = await createRecognizer({ backend: 'wasm' });
  const text: EmotionResult = await recognizer.analyzeText('I am so happy to see you, this is wonderful!', { speaker: 'Ann' });
  const rate = 44100;
  const pcm = new Float32Array(rate * 1.5).map((_, i) => 0.3 * Math.sin(2 * Math.PI * (180 + 40 * Math.sin(i / rate * 3)) * i / rate));
  const audio: EmotionResult = await recognizer.analyzeAudio({ pcm, sampleRate: rate }, { speaker: 'Bob' });
  const photo = await createImageBitmap(await (await fetch('/face.jpg')).blob());
  const frame: FrameEmotion = await recognizer.analyzeFrame(photo);
  const blank = await recognizer.analyzeFrame(new ImageData(320, 240));
  // A canvas and a VideoFrame of the same photo; the caller's VideoFrame stays open (the library copies it).
  const canvas = document.createElement('canvas');
  canvas.width = photo.width; canvas.height = photo.height;
  canvas.getContext('2d')!.drawImage(photo, 0, 0);
  const fromCanvas: FrameEmotion = await recognizer.analyzeFrame(canvas);
  const videoFrame = new VideoFrame(canvas, { timestamp: 0 });
  const fromVideoFrame: FrameEmotion = await recognizer.analyzeFrame(videoFrame);
  const videoFrameStillOpen = videoFrame.format !== null;
  videoFrame.close();
  // An AudioBuffer (stereo, 48 kHz) as a decoder would give it.
  const buffer = new AudioBuffer({ length: 48000 * 1.5, sampleRate: 48000, numberOfChannels: 2 });
  for (let c = 0; c < 2; c++) buffer.getChannelData(c).set(new Float32Array(buffer.length).map((_, i) => 0.25 * Math.sin(2 * Math.PI * 150 * i / 48000)));
  const fromBuffer: EmotionResult = await recognizer.analyzeAudio(buffer);
  const errors: string[] = [];
  await recognizer.analyzeText('   ').catch((e: Error) => errors.push(e.message));
  await recognizer.analyzeAudio({ pcm: new Float32Array(16000), sampleRate: 16000 }).catch((e: Error) => errors.push(e.message));

  // A live session over the fake camera and microphone; the tensor count before it is the baseline.
  const tensorsBeforeSession = await recognizer.tensors();
  const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  const session = await recognizer.startSession(stream);
  const frames: FrameEmotion[] = [], turns: EmotionResult[] = [];
  session.on('frame', (f) => frames.push(f));
  session.on('turn', (t) => turns.push(t));
  const t0 = performance.now();
  while ((turns.length < 1 || frames.filter((f) => f.face).length < 3) && performance.now() - t0 < 120000) await new Promise((r) => setTimeout(r, 250));
  await session.stop();
  // The session as data: its turns and, asked for, every face of every frame, in CSV; read back by the same module.
  const exported = readSessionExport(session.export('csv', { frames: true }));
  const exportedCounts = { turns: exported.turns.length, frames: exported.frames?.length ?? 0, faces: frames.reduce((n, f) => n + f.faces.length, 0), firstLabel: exported.turns[0]?.label };
  // After stop() the session reads nothing more, even while the caller's tracks still run.
  const framesAtStop = frames.length;
  await new Promise((r) => setTimeout(r, 1500));
  const framesAfterStop = frames.length - framesAtStop;
  for (const track of stream.getTracks()) track.stop();
  const tensorsAfterSession = await recognizer.tensors();
  await recognizer.analyzeText('And one more.');
  const tensorsAfterTurn = await recognizer.tensors();
  const backend = recognizer.backend.backend;
  await recognizer.dispose();
  const afterDispose = await recognizer.analyzeText('hello').then(() => 'answered', (e: Error) => e.message);
  return { backend, labels: [...LABELS], text, audio, frame, blank, fromCanvas, fromVideoFrame, videoFrameStillOpen, fromBuffer, errors, frames: frames.length, faces: frames.filter((f) => f.face).length, turns, tensorsBeforeSession, tensorsAfterSession, tensorsAfterTurn, afterDispose, framesAfterStop, exportedCounts };
}
(window as any).emolensResult = run().catch((e) => ({ failed: String(e?.stack ?? e) }));
`;

let project = '';
let server: ChildProcess | undefined;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  if (!existsSync('dist/lib/emolens.js')) throw new Error('dist/lib is missing: run `npm run build` first');
  project = mkdtempSync(join(tmpdir(), 'emolens-fresh-'));
  // --ignore-scripts: `npm test` has just built dist/ (prepack would build it again).
  const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', project], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
  const vite = JSON.parse(execFileSync('npm', ['ls', 'vite', '--json', '--depth=0'], { cwd: ROOT, encoding: 'utf8' })).dependencies.vite.version as string;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh-emolens-user', private: true, type: 'module' }, null, 2));
  writeFileSync(join(project, 'index.html'), '<!doctype html><html><body><h1>fresh project</h1><script type="module" src="/main.ts"></script></body></html>');
  writeFileSync(join(project, 'main.ts'), MAIN_TS);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM', 'DOM.Iterable'], strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ['main.ts'] }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(project, tarball), `vite@${vite}`], { cwd: project, stdio: 'pipe' });
  // What the README asks of users: serve the package's models and runtimes from the app.
  cpSync(join(project, 'node_modules/emolens/dist/lib/models'), join(project, 'public/models'), { recursive: true });
  cpSync(join(project, 'node_modules/emolens/dist/lib/vendor'), join(project, 'public/vendor'), { recursive: true });
  cpSync(FACE_PHOTO, join(project, 'public/face.jpg'));
  // The shipped type declarations must type-check the user's code.
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: project, stdio: 'pipe' });
  execFileSync(join(project, 'node_modules/.bin/vite'), ['build'], { cwd: project, stdio: 'pipe' });
  server = spawn(join(project, 'node_modules/.bin/vite'), ['preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { cwd: project, stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${PORT}/`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the fresh project\'s preview server did not start');
});

test.afterAll(() => {
  server?.kill();
  if (project) rmSync(project, { recursive: true, force: true });
});

test('importing the installed package in Node (as server-side rendering does) touches no window, document or file system', () => {
  // Both entry points, with every fs read counted; Node has no window or document.
  const script = `
    import { createRequire } from 'node:module';
    const fs = createRequire(import.meta.url)('node:fs');
    const touched = [];
    for (const k of ['readFileSync', 'readFile', 'existsSync', 'statSync', 'openSync', 'readdirSync']) { const f = fs[k]; fs[k] = (...a) => { touched.push(k + ' ' + a[0]); return f(...a); }; }
    const lib = await import('emolens');
    const widget = await import('emolens/widget');
    console.log(JSON.stringify({ exports: Object.keys(lib).length, widget: typeof widget.EmoLensRecognizerElement, touched, window: typeof window, document: typeof document }));
  `;
  writeFileSync(join(project, 'ssr.mjs'), script);
  const out = JSON.parse(execFileSync(process.execPath, ['ssr.mjs'], { cwd: project, encoding: 'utf8' }).trim().split('\n').pop()!);
  expect(out.exports).toBeGreaterThan(10);
  expect(out.widget).toBe('function');
  expect(out.touched, 'file system reads at import time').toEqual([]);
  expect([out.window, out.document]).toEqual(['undefined', 'undefined']);
});

test('the packed library installs into a fresh Vite project, type-checks, and analyses text, audio, a face and a live stream in a Worker', async ({ page }) => {
  const packageFiles = readdirSync(join(project, 'node_modules/emolens/dist/lib'));
  expect(packageFiles).toEqual(expect.arrayContaining(['emolens.js', 'emolens-widget.js', 'models', 'vendor', 'types']));
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  await page.goto(`http://127.0.0.1:${PORT}/`);
  const result = await page.evaluate(() => (window as any).emolensResult, undefined);
  expect(result.failed, 'the run threw').toBeUndefined();
  // Inference ran in the package's module Worker, not on the page's thread.
  expect(workers.some((u) => /engine-worker/.test(u)), `an engine worker among ${workers.join(', ')}`).toBe(true);
  expect(await page.evaluate(() => typeof (globalThis as any).tf), 'tfjs is not loaded on the main thread').toBe('undefined');
  expect(result.backend).toBe('wasm');
  expect(result.labels).toEqual(LABELS);
  const sum = (p: Record<string, number>): number => Object.values(p).reduce((a, b) => a + b, 0);
  for (const r of [result.text, result.audio]) {
    expect(LABELS).toContain(r.label);
    expect(Math.abs(sum(r.probabilities) - 1)).toBeLessThan(1e-4);
    expect(r.valence).toBeGreaterThanOrEqual(-1); expect(r.valence).toBeLessThanOrEqual(1);
    expect(r.timings.fusionMs).toBeGreaterThan(0);
    expect(r.timestamp).toBeGreaterThan(1.7e12);
  }
  expect(result.text.speaker).toBe('Ann');
  expect(Object.keys(result.text.modalities)).toEqual(['text']);
  expect(result.text.gate.text).toBeCloseTo(1, 4);
  expect(result.audio.index).toBe(1);
  expect(Object.keys(result.audio.modalities)).toEqual(['audio']);
  expect(result.audio.gate.audio).toBeCloseTo(1, 4);
  expect(result.frame.face).toBe(true);
  expect(result.frame.box.width).toBeGreaterThan(40);
  expect(Math.abs(sum(result.frame.probabilities) - 1)).toBeLessThan(1e-4);
  expect(result.blank.face, 'a blank image has no face').toBe(false);
  expect(result.fromCanvas.face && result.fromVideoFrame.face, 'the same photo as a canvas and as a VideoFrame').toBe(true);
  expect(Math.abs(result.fromVideoFrame.box.width - result.frame.box.width), 'same face box').toBeLessThan(5);
  expect(result.videoFrameStillOpen, 'analyzeFrame leaves the caller\'s VideoFrame open').toBe(true);
  expect(Object.keys(result.fromBuffer.modalities)).toEqual(['audio']);
  expect(result.errors).toEqual([expect.stringContaining('text: is empty'), expect.stringContaining('audio: is silent')]);
  expect(result.faces).toBeGreaterThanOrEqual(3);
  expect(result.turns.length).toBeGreaterThanOrEqual(1);
  expect(result.turns[0].modalities.audio).toBeDefined();
  expect(result.framesAfterStop, 'no frame analysed after stop()').toBe(0);
  expect(result.exportedCounts.turns, 'the export holds every turn of the session').toBe(result.turns.length);
  expect(result.exportedCounts.firstLabel).toBe(result.turns[0].label);
  expect(result.exportedCounts.frames, 'and every face of every frame').toBe(result.exportedCounts.faces);
  expect(result.tensorsAfterSession, 'a live session (frames and turns) leaves no tensors behind').toBe(result.tensorsBeforeSession);
  expect(result.tensorsAfterTurn, 'one more turn leaves no tensors behind').toBe(result.tensorsAfterSession);
  expect(result.afterDispose).toContain('disposed');
});
