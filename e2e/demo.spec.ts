/**
 * The demo end to end in Debian's Chromium with a fake camera (a face photo) and a fake microphone (espeak-ng
 * speech with pauses): on WebGPU (SwiftShader here) and forced to WASM, turns carry valid distributions over the
 * seven labels, the face path finds the face, Stop releases the tracks, and no request leaves the origin.
 */
import { expect, test, type Page } from '@playwright/test';
import { startLive } from './demo-start.ts';
import { nodeFusion } from './node-fusion.ts';
import { RECORDING } from '../playwright.config.ts';

const LABELS = ['neutral', 'joy', 'sadness', 'anger', 'fear', 'disgust', 'surprise'];

interface TurnLike { probabilities: Record<string, number>; modalities: Record<string, Record<string, number>>; gate: Record<string, number>; transcript?: string; label: string }

function expectDistribution(p: Record<string, number>, what: string): void {
  expect(Object.keys(p).sort(), what).toEqual([...LABELS].sort());
  for (const v of Object.values(p)) { expect(v, what).toBeGreaterThanOrEqual(0); expect(v, what).toBeLessThanOrEqual(1); }
  expect(Math.abs(Object.values(p).reduce((a, b) => a + b, 0) - 1), `${what} sums to 1`).toBeLessThan(1e-4);
}

function watchOrigins(page: Page, origin: string): string[] {
  const foreign: string[] = [];
  page.on('request', (r) => { const u = r.url(); if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u); });
  return foreign;
}

async function openDemo(page: Page, backend: string): Promise<void> {
  await page.goto(`/?backend=${backend}`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', /true|error/, { timeout: 180_000 });
  await expect(page.locator('#message')).toBeHidden();
  await expect(page.locator('#backend')).toHaveText(backend);
}

for (const backend of ['webgpu', 'wasm']) {
  test(`demo on ${backend}: speech, face and text make fused turns with valid distributions`, async ({ page, baseURL }) => {
    const foreign = watchOrigins(page, baseURL!);
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    await openDemo(page, backend);
    // The models run in the inference Worker; the page's thread only captures and draws.
    expect(workers.some((u) => /engine-worker/.test(u)), `an engine worker among ${workers.join(', ')}`).toBe(true);
    await expect(page.locator('#face-backend')).toContainText('face-api on');
    // What the first spoken sentence says; it is attached to the first voice turn.
    await page.locator('#text').fill('I am so happy to see you again, this is wonderful!');
    await startLive(page);
    await expect(page.locator('#live-indicator')).toBeVisible();

    await page.waitForFunction(() => (window as any).emolensDemo.turns.length >= 2, undefined, { timeout: 180_000 });
    const { turns, faces } = await page.evaluate(() => ({ turns: (window as any).emolensDemo.turns as TurnLike[], faces: (window as any).emolensDemo.faces as number }));
    expect(faces, 'face encoder ran on detected faces').toBeGreaterThan(0);
    expect(turns[0].transcript).toContain('happy');
    expect(Object.keys(turns[0].modalities).sort()).toEqual(['audio', 'face', 'text']);
    for (const [i, turn] of turns.entries()) {
      expect(LABELS).toContain(turn.label);
      expectDistribution(turn.probabilities, `turn ${i} fused`);
      for (const [m, p] of Object.entries(turn.modalities)) expectDistribution(p, `turn ${i} ${m}`);
      expect(Math.abs(Object.values(turn.gate).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);
      expect(turn.modalities.audio, `turn ${i} comes from speech`).toBeDefined();
    }
    expect(turns[1].gate.text, 'the second voice turn has no text: its gate weight is 0').toBe(0);
    await expect(page.locator('#turns .turn')).toHaveCount(turns.length, { timeout: 5_000 }).catch(() => {});
    expect(await page.locator('#turns .turn').count()).toBeGreaterThanOrEqual(2);
    // The charts: one valence/arousal dot and one timeline column per turn.
    const shown = await page.evaluate(() => (window as any).emolensDemo.turns.length as number);
    await expect(page.locator('#va-plot .turn-dot')).toHaveCount(shown);
    await expect(page.locator('#timeline .turn-column')).toHaveCount(shown);
    await expect(page.locator('#fused-now')).not.toHaveText('—');
    if (backend === 'wasm') await page.screenshot({ path: 'docs/screenshots/demo-live.png', fullPage: true });

    // Per-frame work must not leak tensors: the count is the same after 8 more analysed frames.
    const before = await page.evaluate(async () => ({ faces: (window as any).emolensDemo.faces as number, tensors: (await (window as any).emolensDemo.tensors()) as number }));
    await page.waitForFunction((n) => (window as any).emolensDemo.faces >= n + 8, before.faces, { timeout: 120_000 });
    // (A frame in flight may hold a few tensors for a moment: poll briefly.)
    await expect.poll(() => page.evaluate(() => (window as any).emolensDemo.tensors()), { message: 'tensors after 8 more frames', timeout: 5_000 }).toBeLessThanOrEqual(before.tensors);

    await page.locator('#stop').click();
    await expect(page.locator('#live-indicator')).toBeHidden();
    const states = await page.evaluate(() => (window as any).emolensDemo.tracks().map((t: MediaStreamTrack) => t.readyState));
    expect(states.length).toBeGreaterThanOrEqual(2);
    expect(states.every((s: string) => s === 'ended')).toBe(true);
    expect(foreign, 'requests to other origins').toEqual([]);
  });
}

test('the <video> fallback capture path delivers frames to the face path when WebCodecs is not used', async ({ page }) => {
  await page.goto('/?backend=wasm&capture=video-element');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 180_000 });
  await startLive(page);
  await page.waitForFunction(() => (window as any).emolensDemo.faces >= 3, undefined, { timeout: 120_000 });
  await expect(page.locator('#fps')).toContainText('video-element', { timeout: 10_000 });
  await page.locator('#stop').click();
  await expect(page.locator('#live-indicator')).toBeHidden();
  expect(await page.evaluate(() => (window as any).emolensDemo.tracks().every((t: MediaStreamTrack) => t.readyState === 'ended'))).toBe(true);
});

test('a forced backend is the one that runs, and an unknown backend name is refused with a message', async ({ page }) => {
  await page.goto('/?backend=cpu');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 180_000 });
  await expect(page.locator('#backend')).toHaveText('cpu');
  await expect(page.locator('#backend-skipped')).toHaveText('');
  await page.goto('/?backend=metal');
  await expect(page.locator('#message')).toContainText('Unknown backend "metal"');
});

/** The fixed fusion input of the parity test: deterministic pseudo-random embeddings, turn 2 without text, turn 4 without audio. */
function fixedTurns(dims: number[]): { text?: Float32Array; audio?: Float32Array; face?: Float32Array; speakerSlot: number }[] {
  const [dt, da, df] = dims;
  const vec = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 1.5);
  return Array.from({ length: 6 }, (_, t) => ({ text: t === 2 ? undefined : vec(dt, t + 1), audio: t === 4 ? undefined : vec(da, t + 11), face: vec(df, t + 21), speakerSlot: t % 2 }));
}

test('the same fixed fusion input gives the Node forward pass result on webgpu and on wasm', async ({ page }) => {
  const results: number[][][] = [];
  for (const backend of ['webgpu', 'wasm']) {
    await openDemo(page, backend);
    results.push(await page.evaluate(async (fixed) => {
      // The engine behind the demo's recognizer (the inference Worker's page-side proxy).
      const r = (window as any).emolensDemo.recognizer.engine;
      const turns = new Function(`return (${fixed})`)()(r.fusionInputDims);
      return r.fuseDialogue(turns);
    }, fixedTurns.toString()));
  }
  // The reference: the same shipped files and the same fusionForward, in Node on tfjs' CPU backend.
  const node = await nodeFusion(fixedTurns);
  const [gpu, wasm] = results;
  expect(gpu.length).toBe(6);
  for (let t = 0; t < 6; t++) for (let c = 0; c < 7; c++) {
    expect(Math.abs(gpu[t][c] - node[t][c]), `webgpu vs node, turn ${t} class ${c}`).toBeLessThan(1e-3);
    expect(Math.abs(wasm[t][c] - node[t][c]), `wasm vs node, turn ${t} class ${c}`).toBeLessThan(1e-3);
  }
});

test('a corrupt model file fails with a message naming the file', async ({ page }) => {
  // Serve a damaged copy of the fusion weights: the manifest's hash check must catch it.
  await page.route('**/models/fusion/weights.bin', async (route) => {
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    body[body.length >> 1] ^= 0xff;
    await route.fulfill({ response, body });
  });
  await page.goto('/?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'error', { timeout: 180_000 });
  await expect(page.locator('#message')).toContainText('fusion/weights.bin');
  await expect(page.locator('#message')).toContainText('corrupt');
});

test('file mode analyses a recorded video offline, turn by turn, with a progress bar', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 180_000 });
  await page.locator('#speaker').fill('Sam');
  await page.locator('#file').setInputFiles(RECORDING);
  await page.waitForFunction(() => ['done', 'error'].includes((window as any).emolensDemo.file?.state), undefined, { timeout: 180_000 });
  const { file, turns } = await page.evaluate(() => ({ file: (window as any).emolensDemo.file, turns: (window as any).emolensDemo.turns as TurnLike[] }));
  expect(file.state).toBe('done');
  expect(file.hasAudio && file.hasVideo).toBe(true);
  expect(file.framesAnalysed).toBeGreaterThanOrEqual(8);
  expect(file.framesWithFace, 'the face is found in the recording').toBeGreaterThan(file.framesAnalysed / 2);
  // Two sentences separated by pauses: two voice turns, each fused with the faces seen while it was spoken.
  expect(turns.length).toBeGreaterThanOrEqual(2);
  for (const [i, t] of turns.entries()) {
    expect((t as any).speaker).toBe('Sam');
    expect(Object.keys(t.modalities).sort(), `file turn ${i}`).toEqual(['audio', 'face']);
    expectDistribution(t.probabilities, `file turn ${i}`);
    expect(t.gate.text).toBe(0);
  }
  expect(await page.locator('#file-progress').evaluate((p: HTMLProgressElement) => p.value)).toBe(1);
  await expect(page.locator('#file-status')).toContainText(`${turns.length} turns`);
  await expect(page.locator('#va-plot .turn-dot')).toHaveCount(turns.length);
  await expect(page.locator('#timeline .turn-column')).toHaveCount(turns.length);
  await page.screenshot({ path: 'docs/screenshots/demo-file-mode.png', fullPage: true });

  // A file that is not media gives a message, not a hang.
  await page.locator('#file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a recording') });
  await expect(page.locator('#message')).toContainText('Could not analyse notes.txt');
});
