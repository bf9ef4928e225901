/**
 * Delivery: large files go compressed (brotli twins written by the build), and models and runtimes are kept between
 * visits: a second load of the demo fetches no model file and none of the runtime binaries (they come from the Cache
 * API, checked by hash), a cached file that was damaged is fetched again and replaced, and the demo's button clears
 * the cache.
 */
import { expect, test, type Page } from '@playwright/test';
import { startLive } from './demo-start.ts';

const CACHE = 'emolens-assets-v1';

async function load(page: Page): Promise<string[]> {
  const seen: string[] = [];
  const listen = (r: { url: () => string }) => { const { pathname } = new URL(r.url()); if (/^\/(models|vendor)\//.test(pathname)) seen.push(pathname); };
  page.context().on('request', listen);
  await page.goto('/?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 180_000 });
  page.context().off('request', listen);
  return seen;
}

/** Files the loaders fetch themselves (checked and cached); the runtimes' JavaScript glue is imported as modules instead. */
const cachedKind = (path: string) => /^\/models\/(?!manifest\.json$)/.test(path) || /^\/vendor\/.*\.(wasm|onnx|bin)$/.test(path) || /^\/vendor\/face-api\/.*\.json$/.test(path);

test('compressed delivery: the preview server sends the brotli twin of a large file, with its type, to a browser that takes it', async ({ page }) => {
  const served: { path: string; encoding?: string; type?: string; bytes: number }[] = [];
  page.context().on('requestfinished', async (r) => {
    const response = await r.response();
    if (!response) return;
    const { pathname } = new URL(r.url());
    served.push({ path: pathname, encoding: response.headers()['content-encoding'], type: response.headers()['content-type'], bytes: (await r.sizes()).responseBodySize });
  });
  await load(page);
  const ort = served.find((s) => s.path.endsWith('.asyncify.wasm') || s.path.endsWith('.jsep.wasm'));
  expect(ort, served.map((s) => s.path).join(', ')).toBeTruthy();
  expect(ort!.encoding).toBe('br');
  expect(ort!.type).toBe('application/wasm');
  // onnxruntime's 26.9 MB WASM arrives as about 5 MB.
  expect(ort!.bytes).toBeLessThan(8_000_000);
  const total = served.reduce((n, s) => n + s.bytes, 0);
  console.log(`first visit: ${(total / 1e6).toFixed(1)} MB as served in ${served.length} responses (${served.filter((s) => s.encoding).length} compressed)`);
});

test('a second visit downloads no model, a damaged cached file is replaced, the button clears the cache', async ({ page }) => {
  test.setTimeout(300_000);
  const first = (await load(page)).filter(cachedKind);
  expect(first.length, `first visit fetched ${first.join(', ')}`).toBeGreaterThan(10);
  expect(first).toContain('/models/face-encoder/weights.bin');

  const second = (await load(page)).filter(cachedKind);
  expect(second, 'files fetched again on the second visit').toEqual([]);

  // Damage the cached face encoder weights (same key, other bytes): the next load must not take them.
  const damaged = await page.evaluate(async (name) => {
    const manifest = await (await fetch('/models/manifest.json')).json() as { files: Record<string, { sha256: string; bytes: number }> };
    const entry = manifest.files['face-encoder/weights.bin'];
    const cache = await caches.open(name);
    const key = `${location.origin}/__emolens-cache__/${entry.sha256}`;
    if (!(await cache.match(key))) return 'not cached';
    await cache.put(key, new Response(new Uint8Array(entry.bytes).fill(7)));
    return entry.sha256;
  }, CACHE);
  expect(damaged).toMatch(/^[0-9a-f]{64}$/);
  const third = (await load(page)).filter(cachedKind);
  expect(third, 'only the damaged file is fetched again').toEqual(['/models/face-encoder/weights.bin']);
  const repaired = await page.evaluate(async ({ name, sha }) => {
    const hit = await (await caches.open(name)).match(`${location.origin}/__emolens-cache__/${sha}`);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await hit!.arrayBuffer()));
    return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  }, { name: CACHE, sha: damaged });
  expect(repaired, 'the cache holds the right bytes again').toBe(damaged);
  // The face path works on the repaired weights: a typed turn and the camera's face give results.
  await startLive(page);
  await page.waitForFunction(() => (window as any).emolensDemo.faces >= 2, undefined, { timeout: 120_000 });
  await page.locator('#stop').click();

  await page.locator('#clear-cache').click();
  await expect(page.locator('#cache-status')).toContainText('Cleared');
  expect(await page.evaluate((name) => caches.has(name), CACHE)).toBe(false);
});
