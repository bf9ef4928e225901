/**
 * <emolens-recognizer> in a plain HTML page that has nothing but one script tag (the built dist/lib widget,
 * served by the preview server at /lib/) and the element: events fire in order, attributes change what it does,
 * start() refuses to open the camera without a user gesture, the Start button opens it with a live indicator,
 * removing the element stops the tracks, and hiding the page stops them too; a microphone that ends and a Worker
 * that dies are reported as `error` events; all under the strict Content-Security-Policy that docs/api.md
 * recommends, set on every response (Workers take their policy from their own script's response, not the page's).
 * Without 'wasm-unsafe-eval' the widget says that this is what it needs.
 */
import { expect, test } from '@playwright/test';

const PLAIN_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>A plain page</title>
<script type="module" src="/lib/emolens-widget.js"></script></head>
<body>
<h1>My page</h1>
<emolens-recognizer id="w" backend="wasm" smoothing="0.5" speaker="Ann"></emolens-recognizer>
<script nonce="plainpage">
  window.events = [];
  const w = document.getElementById('w');
  for (const type of ['ready', 'progress', 'emotion', 'utterance', 'error', 'permissionchange'])
    w.addEventListener(type, (e) => {
      window.events.push({ type, detail: type === 'emotion' || type === 'progress' ? undefined : e.detail });
      if (type === 'error') console.log('widget error: ' + e.detail.kind);
    });
  // A page that tries to open the camera as soon as the models are ready, without any user gesture: refused.
  w.addEventListener('ready', () => w.start(), { once: true });
</script>
</body></html>`;

/** The policy docs/api.md recommends (plus a nonce for this page's own inline script): no third-party origin, no eval, Workers only from the site itself. */
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-plainpage'; worker-src 'self'; connect-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'";

/** Serves the plain page, and sets `policy` on every response of the site (page, modules, Workers, models). */
async function servePlainPage(page: import('@playwright/test').Page, policy: string): Promise<void> {
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (!url.startsWith('http://127.0.0.1:4173/')) return route.continue();
    if (url.endsWith('/plain/widget.html')) return route.fulfill({ contentType: 'text/html', body: PLAIN_PAGE, headers: { 'Content-Security-Policy': policy } });
    // A request still in flight when the test ends (the page closes mid-download) is dropped, not reported.
    try {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': policy } });
    } catch { await route.abort().catch(() => {}); }
  });
}

type Logged = { type: string; detail?: any };
const events = (page: import('@playwright/test').Page): Promise<Logged[]> => page.evaluate(() => (window as any).events as Logged[]);
const firstIndex = (log: Logged[], type: string): number => log.findIndex((e) => e.type === type);

test('the widget in a plain page: events in order, attributes change behaviour, a user gesture starts it, removal stops the tracks', async ({ page, baseURL }) => {
  const foreign: string[] = [];
  page.on('request', (r) => { if (!r.url().startsWith(baseURL!) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url()); });
  const violations: string[] = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  await servePlainPage(page, CSP);
  // Nothing may evaluate in the page until start() has been refused: Playwright's evaluations count as user gestures.
  const refused = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('widget error:'), timeout: 180_000 });
  await page.goto('/plain/widget.html');
  expect((await refused).text()).toBe('widget error: gesture');
  const widget = page.locator('emolens-recognizer');
  await expect(widget).toHaveAttribute('data-state', 'ready');

  let log = await events(page);
  expect(firstIndex(log, 'progress'), 'progress before ready').toBeGreaterThanOrEqual(0);
  expect(firstIndex(log, 'progress')).toBeLessThan(firstIndex(log, 'ready'));
  expect(log[firstIndex(log, 'ready')].detail.backend).toBe('wasm');

  // Attributes reach the recognizer: smoothing 0.5 from the markup, then 0 when the attribute changes.
  expect(await page.evaluate(() => (document.getElementById('w') as any).recognizer.options.smoothing)).toBe(0.5);
  await page.evaluate(() => document.getElementById('w')!.setAttribute('smoothing', '0'));
  expect(await page.evaluate(() => (document.getElementById('w') as any).recognizer.options.smoothing)).toBe(0);
  // A property set reflects to the attribute and reaches the recognizer the same way.
  await page.evaluate(() => { (document.getElementById('w') as any).smoothing = 0.25; });
  await expect(page.locator('#w')).toHaveAttribute('smoothing', '0.25');
  expect(await page.evaluate(() => (document.getElementById('w') as any).recognizer.options.smoothing)).toBe(0.25);
  await page.evaluate(() => { (document.getElementById('w') as any).smoothing = 0; });

  // No camera without a user gesture (the page's inline script called start() on `ready`).
  log = await events(page);
  expect(log.find((e) => e.type === 'error')?.detail).toEqual({ kind: 'gesture', message: expect.stringContaining('user gesture') });
  expect(await page.evaluate(() => (document.getElementById('w') as any).tracks.length)).toBe(0);
  await expect(widget.locator('[part=indicator]')).toBeHidden();

  // The Start button is a user gesture: permission, a live indicator, per-frame and per-turn events.
  await widget.getByRole('button', { name: 'Start' }).click();
  await expect(widget.locator('[part=indicator]')).toBeVisible();
  await expect(widget).toHaveAttribute('data-state', 'live');
  await widget.locator('[part=text-input]').fill('I am thrilled, this is the best day ever!');
  await widget.getByRole('button', { name: 'Send' }).click();
  await page.waitForFunction(() => (window as any).events.filter((e: Logged) => e.type === 'utterance').length >= 2 && (window as any).events.some((e: Logged) => e.type === 'emotion'), undefined, { timeout: 180_000 });
  log = await events(page);
  expect(log.find((e) => e.type === 'permissionchange')?.detail).toEqual({ state: 'granted' });
  expect(firstIndex(log, 'ready')).toBeLessThan(firstIndex(log, 'permissionchange'));
  expect(firstIndex(log, 'permissionchange')).toBeLessThan(firstIndex(log, 'emotion'));
  expect(firstIndex(log, 'permissionchange')).toBeLessThan(firstIndex(log, 'utterance'));
  const utterances = log.filter((e) => e.type === 'utterance').map((e) => e.detail);
  for (const u of utterances) {
    expect(u.speaker).toBe('Ann');
    expect(Math.abs(Object.values(u.probabilities as Record<string, number>).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);
  }
  expect(utterances.some((u) => u.transcript === 'I am thrilled, this is the best day ever!' && u.modalities.text), 'the typed turn').toBe(true);
  expect(utterances.some((u) => u.modalities.audio), 'a spoken turn').toBe(true);
  const lastFrame = await page.evaluate(() => (document.getElementById('w') as any).lastFrame);
  expect(lastFrame.face).toBe(true);
  await expect(widget.locator('[part=bars]')).toBeVisible();
  await widget.screenshot({ path: 'docs/screenshots/widget.png' });

  // mode="compact" hides the bars and the turn list.
  await page.evaluate(() => document.getElementById('w')!.setAttribute('mode', 'compact'));
  await expect(widget.locator('[part=bars]')).toBeHidden();
  await expect(widget.locator('[part=label]')).toBeVisible();

  // Removing the element stops the camera and the microphone at once.
  const kinds = await page.evaluate(() => { const w = document.getElementById('w') as any; (window as any).removed = w.tracks; return w.tracks.map((t: MediaStreamTrack) => t.kind).sort(); });
  expect(kinds).toEqual(['audio', 'video']);
  await page.evaluate(() => document.getElementById('w')!.remove());
  expect(await page.evaluate(() => (window as any).removed.map((t: MediaStreamTrack) => t.readyState))).toEqual(['ended', 'ended']);

  // modalities="text audio": no camera is opened; hiding the page stops the microphone.
  await page.evaluate(() => {
    const w = document.createElement('emolens-recognizer');
    w.id = 'v'; w.setAttribute('backend', 'wasm'); w.setAttribute('modalities', 'text audio');
    document.body.append(w);
  });
  const second = page.locator('#v');
  await expect(second).toHaveAttribute('data-state', 'ready', { timeout: 180_000 });
  await second.getByRole('button', { name: 'Start' }).click();
  await expect(second).toHaveAttribute('data-state', 'live');
  expect(await page.evaluate(() => (document.getElementById('v') as any).tracks.map((t: MediaStreamTrack) => t.kind))).toEqual(['audio']);
  await page.evaluate(() => {
    (window as any).hiddenTracks = (document.getElementById('v') as any).tracks;
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await expect(second).toHaveAttribute('data-state', 'ready');
  expect(await page.evaluate(() => (window as any).hiddenTracks.map((t: MediaStreamTrack) => t.readyState))).toEqual(['ended']);
  await page.evaluate(() => Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true }));

  // The microphone ends while live (unplugged, permission revoked; here stopped from the page): an error event that
  // says so, and the widget is ready to start again.
  await page.evaluate(() => { (window as any).events.length = 0; document.getElementById('v')!.addEventListener('error', (e: any) => (window as any).events.push({ type: 'error', detail: e.detail })); });
  await second.getByRole('button', { name: 'Start' }).click();
  await expect(second).toHaveAttribute('data-state', 'live');
  await page.evaluate(() => (document.getElementById('v') as any).tracks[0].stop());
  await expect(second).toHaveAttribute('data-state', 'ready', { timeout: 10_000 });
  await expect(second.locator('[part=status]').first()).toContainText('the camera and microphone ended');
  expect((await events(page)).filter((e) => e.type === 'error').map((e) => e.detail.kind)).toContain('microphone-ended');

  // The inference Worker dies: an error event, a restart, and typed turns work again.
  await page.evaluate(() => (document.getElementById('v') as any).recognizer.engine.worker.terminate());
  await page.waitForFunction(() => (window as any).events.some((e: Logged) => e.type === 'error' && e.detail.kind === 'worker-died'), undefined, { timeout: 30_000 });
  await expect(second.locator('[part=status]').first()).toContainText('was restarted', { timeout: 120_000 });
  await second.locator('[part=text-input]').fill('Still here after the restart.');
  await second.getByRole('button', { name: 'Send' }).click();
  await page.waitForFunction(() => (document.getElementById('v') as any).turns.some((t: any) => t.transcript === 'Still here after the restart.'), undefined, { timeout: 60_000 });
  await page.evaluate(() => (document.getElementById('v') as any).dispose());
  await expect(second).toHaveAttribute('data-state', 'idle');
  expect(foreign, 'requests to other origins').toEqual([]);
  expect(violations, 'Content-Security-Policy violations').toEqual([]);
});

test('without \'wasm-unsafe-eval\' in the policy of every response, the widget fails to load and says what the policy needs', async ({ page }) => {
  await servePlainPage(page, CSP.replace(" 'wasm-unsafe-eval'", ''));
  await page.goto('/plain/widget.html');
  const widget = page.locator('emolens-recognizer');
  await expect(widget).toHaveAttribute('data-state', 'error', { timeout: 180_000 });
  const failure = (await events(page)).find((e) => e.type === 'error' && e.detail.kind === 'load');
  expect(failure?.detail.message).toMatch(/WebAssembly is blocked by the Content-Security-Policy.*'wasm-unsafe-eval'/);
  await expect(widget.locator('[part=status]').first()).toContainText("'wasm-unsafe-eval'");
});
