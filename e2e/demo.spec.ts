/**
 * The demo end to end in Debian's Chromium with a fake camera (a face photo) and a fake microphone (espeak-ng
 * speech with pauses): on WebGPU (SwiftShader here) and forced to WASM, turns carry valid distributions over the
 * seven labels, the face path finds the face, Stop releases the tracks, and no request leaves the origin.
 */
import { expect, test, type Page } from '@playwright/test';
import { nodeFusion } from './node-fusion.ts';

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
    await openDemo(page, backend);
    await expect(page.locator('#face-backend')).toContainText('face-api on');
    // What the first spoken sentence says; it is attached to the first voice turn.
    await page.locator('#text').fill('I am so happy to see you again, this is wonderful!');
    await page.locator('#start').click();
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

    // Per-frame work must not leak tensors: the count is the same after 8 more analysed frames.
    const before = await page.evaluate(() => ({ faces: (window as any).emolensDemo.faces, tensors: (window as any).emolensDemo.tensors() }));
    await page.waitForFunction((n) => (window as any).emolensDemo.faces >= n + 8, before.faces, { timeout: 120_000 });
    await page.waitForFunction((t) => (window as any).emolensDemo.tensors() <= t, before.tensors, { timeout: 5_000 }).catch(() => {});
    expect(await page.evaluate(() => (window as any).emolensDemo.tensors()), 'tensors after 8 more frames').toBeLessThanOrEqual(before.tensors);

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
  await page.locator('#start').click();
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
      const r = (window as any).emolensDemo.recognizer;
      const turns = new Function(`return (${fixed})`)()(r.fusionConfig.inputDims);
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
