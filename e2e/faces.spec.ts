/**
 * Several faces in the real page: a fake camera that shows two people side by side gives two tracks whose ids stay
 * the same over the run, each drawn with its label; the turns take their face from the largest face until the
 * user clicks the other one; per-frame work leaves no tensor behind.
 */
import { chromium, expect, test, type Page } from '@playwright/test';
import { startLive } from './demo-start.ts';
import { BASE_ARGS, FAKE_AUDIO, TWO_FACES_VIDEO } from '../playwright.config.ts';

const ORIGIN = 'http://127.0.0.1:4173';

type Demo = { frameTracks: number[][]; faces: number; turns: { modalities: { face?: Record<string, number> } }[]; tensors: () => Promise<number>; errors: string[] };
const demo = (page: Page) => page.evaluate(() => {
  const d = (window as any).emolensDemo as Demo;
  return { frameTracks: d.frameTracks, faces: d.faces, turnFaces: d.turns.map((t) => t.modalities.face ?? null), errors: d.errors };
});

test('two faces: two stable tracks, both drawn; a click makes the smaller one the turns\' face; tensors flat', async () => {
  test.setTimeout(300_000);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...BASE_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${TWO_FACES_VIDEO}`, `--use-file-for-fake-audio-capture=${FAKE_AUDIO}`],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${ORIGIN}/?backend=wasm`);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 180_000 });
    await startLive(page);
    await expect(page.locator('#live-indicator')).toBeVisible();
    await page.waitForFunction(() => (window as any).emolensDemo.frameTracks.length >= 30, undefined, { timeout: 120_000 });

    const { frameTracks } = await demo(page);
    const two = frameTracks.filter((ids) => ids.length === 2);
    console.log(`faces per frame over ${frameTracks.length} frames: ${JSON.stringify(frameTracks.map((ids) => ids.length))}`);
    expect(two.length, 'frames with both faces').toBeGreaterThanOrEqual(frameTracks.length * 0.8);
    // Nobody moves, enters or leaves: the whole run has the same two ids, in the same (size) order.
    const ids = new Set(frameTracks.flat());
    expect([...ids].sort(), `track ids seen: ${[...ids]}`).toEqual([...new Set(two[0])].sort());
    expect(ids.size).toBe(2);
    for (const f of two) expect(f).toEqual(two[0]);

    // Both faces drawn: the overlay holds two labelled boxes (pixels in the accent colour and in grey).
    const drawn = await page.evaluate(() => {
      const c = document.getElementById('overlay') as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let accent = 0, grey = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] < 200) continue;
        if (px[i] === 0x33 && px[i + 1] === 0x99 && px[i + 2] === 0xff) accent++;
        else if (px[i] === 0xcc && px[i + 1] === 0xcc && px[i + 2] === 0xcc) grey++;
      }
      return { accent, grey };
    });
    expect(drawn.accent, 'the speaker\'s face box').toBeGreaterThan(500);
    expect(drawn.grey, 'the other face\'s box').toBeGreaterThan(500);

    // Per-frame work with two faces must not leak tensors.
    const before = await page.evaluate(async () => ({ faces: (window as any).emolensDemo.faces as number, tensors: (await (window as any).emolensDemo.tensors()) as number }));
    await page.waitForFunction((n) => (window as any).emolensDemo.faces >= n + 10, before.faces, { timeout: 120_000 });
    await expect.poll(() => page.evaluate(() => (window as any).emolensDemo.tensors()), { message: 'tensors after 10 more two-face frames', timeout: 5_000 }).toBeLessThanOrEqual(before.tensors);

    // Turns so far took the largest face (the right-hand person); a click on the left-hand one makes it the speaker's.
    await page.waitForFunction(() => (window as any).emolensDemo.turns.length >= 2, undefined, { timeout: 180_000 });
    const largest = (await demo(page)).turnFaces.filter(Boolean) as Record<string, number>[];
    const box = (await page.locator('#overlay').boundingBox())!;
    const scale = Math.min(box.width / 640, box.height / 480);
    // The left face's centre in the 640×480 frame is about (175, 300).
    await page.locator('#overlay').click({ position: { x: (box.width - 640 * scale) / 2 + 175 * scale, y: (box.height - 480 * scale) / 2 + 300 * scale } });
    const clickedAt = largest.length;
    await page.waitForFunction((n) => (window as any).emolensDemo.turns.length >= n + 3, clickedAt, { timeout: 180_000 });
    // The first turn after the click may have begun before it: compare the ones after it.
    const picked = ((await demo(page)).turnFaces.slice(clickedAt + 1).filter(Boolean)) as Record<string, number>[];
    const distance = (a: Record<string, number>, b: Record<string, number>) => Object.keys(a).reduce((s, k) => s + Math.abs(a[k] - b[k]), 0);
    const within = Math.max(distance(largest[0], largest[1]), distance(picked[0], picked[1]));
    const across = distance(largest[largest.length - 1], picked[picked.length - 1]);
    console.log(`turn face heads: L1 within a face ${within.toFixed(3)}, across faces ${across.toFixed(3)}`);
    expect(across, 'the turns\' face changed with the click').toBeGreaterThan(within + 0.05);
    await page.locator('#stop').click();
    expect((await demo(page)).errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
