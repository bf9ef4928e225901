/**
 * Only what runs is downloaded: a text-only widget fetches no face or voice model and no face detector, a face-only
 * one no text model and no onnxruntime; a modality switched on later loads on its first turn.
 */
import { expect, test, type Page } from '@playwright/test';

const page = (modalities: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>One modality</title>
<script type="module" src="/lib/emolens-widget.js"></script></head>
<body><emolens-recognizer id="w" backend="wasm" modalities="${modalities}"></emolens-recognizer>
<script>
  window.events = [];
  const w = document.getElementById('w');
  for (const type of ['ready', 'utterance', 'error']) w.addEventListener(type, (e) => window.events.push({ type, detail: e.detail }));
</script></body></html>`;

/** Opens the widget page and returns the model and runtime files it requested until `until` is done. */
async function requested(p: Page, modalities: string): Promise<string[]> {
  const seen: string[] = [];
  p.context().on('request', (r) => { const { pathname } = new URL(r.url()); if (/^(\/lib)?\/(models|vendor)\//.test(pathname)) seen.push(pathname.replace(/^\/lib/, '')); });
  await p.route('**/one/widget.html', (route) => route.fulfill({ contentType: 'text/html', body: page(modalities) }));
  await p.goto('/one/widget.html');
  await p.waitForFunction(() => (window as any).events.some((e: { type: string }) => e.type === 'ready' || e.type === 'error'), undefined, { timeout: 180_000 });
  expect(await p.evaluate(() => (window as any).events.filter((e: { type: string }) => e.type === 'error'))).toEqual([]);
  return seen;
}

const FACE_FILES = /^\/(models\/face-encoder|vendor\/face-api)\//;
const VOICE_FILES = /^\/(models\/audio-encoder|vendor\/silero)\//;
const TEXT_FILES = /^\/(models\/text-(encoder|head)|vendor\/ort)\//;

test('a text-only widget fetches no face or voice file', async ({ page: p }) => {
  const files = await requested(p, 'text');
  expect(files.filter((f) => TEXT_FILES.test(f)).length, files.join(', ')).toBeGreaterThan(2);
  expect(files.filter((f) => FACE_FILES.test(f) || VOICE_FILES.test(f))).toEqual([]);
});

test('a face-only widget fetches no text model and no onnxruntime; text switched on later loads on its first turn', async ({ page: p }) => {
  test.setTimeout(300_000);
  const files = await requested(p, 'face');
  expect(files).toContain('/models/face-encoder/weights.bin');
  expect(files.filter((f) => TEXT_FILES.test(f) || VOICE_FILES.test(f))).toEqual([]);

  const later: string[] = [];
  p.context().on('request', (r) => { const { pathname } = new URL(r.url()); const path = pathname.replace(/^\/lib/, ''); if (TEXT_FILES.test(path)) later.push(path); });
  await p.evaluate(() => document.getElementById('w')!.setAttribute('modalities', 'face text'));
  await p.locator('emolens-recognizer [part=text-input]').fill('That is wonderful news, thank you!');
  await p.locator('emolens-recognizer .send').click();
  await p.waitForFunction(() => (window as any).events.some((e: { type: string }) => e.type === 'utterance' || e.type === 'error'), undefined, { timeout: 180_000 });
  const utterance = await p.evaluate(() => (window as any).events.find((e: { type: string }) => e.type === 'utterance')?.detail);
  expect(utterance, JSON.stringify(await p.evaluate(() => (window as any).events))).toBeTruthy();
  expect(Object.keys(utterance.modalities)).toEqual(['text']);
  expect(later, 'the text model was fetched for the first text turn').toContain('/models/text-encoder/onnx/model.onnx');
});
