/**
 * Every error state of the live demo gives a message a person can act on. Each group runs in its own Chromium,
 * launched with the devices that produce the condition for real:
 *   denied     fake devices, but no auto-accept of the permission prompt (headless Chromium refuses it);
 *   no device  no fake devices at all (this machine has no camera or microphone);
 *   no face + silence   fake devices that show a flat grey picture and play digital silence.
 * "Device busy" (NotReadableError: another application holds the camera) cannot be produced here, so that one
 * replaces getUserMedia with a function that throws the DOMException Chromium throws in that case.
 */
import { chromium, expect, test, type Page } from '@playwright/test';
import { startLive } from './demo-start.ts';
import { BASE_ARGS, BLANK_VIDEO, SILENT_AUDIO } from '../playwright.config.ts';

const ORIGIN = 'http://127.0.0.1:4173';

/** A page in a Chromium of its own, launched with `args` (the fake-device flags decide the condition). */
async function pageWith(args: string[]): Promise<{ page: Page; close: () => Promise<void> }> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: [...BASE_ARGS, ...args] });
  const page = await browser.newPage();
  return { page, close: () => browser.close() };
}

async function openAndStart(page: Page): Promise<void> {
  await page.goto(`${ORIGIN}/?backend=wasm`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 180_000 });
  await startLive(page);
}

test('the consent dialog says what is analysed and that nothing leaves the page, before any device is asked for; Not now opens nothing', async ({ page }) => {
  await page.addInitScript(() => {
    const asked = { n: 0 };
    (window as any).devicesAsked = asked;
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (constraints) => { asked.n++; return real(constraints); };
  });
  await page.goto('/?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 180_000 });
  await page.locator('#start').click();
  const dialog = page.locator('#consent');
  await expect(dialog).toBeVisible();
  for (const words of ['face', 'voice', 'words', 'on this device', 'no image, sound or text leaves it', 'nothing is stored unless you download it', 'expression estimates']) await expect(dialog).toContainText(words);
  expect(await page.evaluate(() => (window as any).devicesAsked.n), 'no device asked for while the dialog is open').toBe(0);
  await page.locator('#consent-cancel').click();
  await expect(page.locator('#message')).toContainText('Nothing was opened');
  await expect(page.locator('#start')).toBeEnabled();
  expect(await page.evaluate(() => (window as any).devicesAsked.n)).toBe(0);
  // Asked again on the next Start; accepted, the devices open and the live sign shows.
  await page.locator('#start').click();
  await expect(dialog).toBeVisible();
  await page.locator('#consent-accept').click();
  await expect(page.locator('#live-indicator')).toBeVisible();
  expect(await page.evaluate(() => (window as any).devicesAsked.n)).toBe(1);
  await page.locator('#stop').click();
  // Once agreed in this page, Start opens the devices straight away.
  await page.locator('#start').click();
  await expect(page.locator('#live-indicator')).toBeVisible();
  await expect(dialog).toBeHidden();
  await page.locator('#stop').click();
});

test('a refused camera/microphone permission says how to allow it, and Start stays available', async () => {
  const { page, close } = await pageWith(['--use-fake-device-for-media-stream']);
  try {
    await openAndStart(page);
    await expect(page.locator('#message')).toContainText('access was denied');
    await expect(page.locator('#message')).toContainText('site settings');
    await expect(page.locator('#start')).toBeEnabled();
    await expect(page.locator('#live-indicator')).toBeHidden();
    // Typed turns still work without the devices.
    await page.locator('#text').fill('Fine, I will just type then.');
    await page.locator('#send').click();
    await expect(page.locator('#turns .turn')).toHaveCount(1, { timeout: 60_000 });
  } finally { await close(); }
});

test('no camera or microphone on the machine gives a "not found" message', async () => {
  const { page, close } = await pageWith(['--use-fake-ui-for-media-stream']);
  try {
    await openAndStart(page);
    await expect(page.locator('#message')).toContainText('No camera or microphone was found');
    await expect(page.locator('#start')).toBeEnabled();
  } finally { await close(); }
});

test('a camera held by another application gives a "busy" message', async ({ page }) => {
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Could not start video source', 'NotReadableError'));
  });
  await openAndStart(page);
  await expect(page.locator('#message')).toContainText('busy');
  await expect(page.locator('#start')).toBeEnabled();
});

test('a camera that sees no face and a silent microphone are both reported, and no turn is invented', async () => {
  const { page, close } = await pageWith(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${BLANK_VIDEO}`, `--use-file-for-fake-audio-capture=${SILENT_AUDIO}`]);
  try {
    await openAndStart(page);
    await expect(page.locator('#live-indicator')).toBeVisible();
    await expect(page.locator('#face-now')).toHaveText('No face in view', { timeout: 60_000 });
    await expect(page.locator('#message')).toContainText('silent', { timeout: 30_000 });
    expect(await page.locator('#turns .turn').count()).toBe(0);
    await page.locator('#stop').click();
    const states = await page.evaluate(() => (window as any).emolensDemo.tracks().map((t: MediaStreamTrack) => t.readyState));
    expect(states).toEqual(['ended', 'ended']);
  } finally { await close(); }
});
