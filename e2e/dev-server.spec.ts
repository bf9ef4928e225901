/** `npm start` serves the demo through Vite's dev server, which loads modules differently from the build: check it works. */
import { expect, test } from '@playwright/test';

test('the dev server (npm start) loads every model and answers a typed turn', async ({ page }) => {
  await page.goto('http://127.0.0.1:5173/?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-ready', /true|error/, { timeout: 180_000 });
  await expect(page.locator('#message')).toBeHidden();
  await page.locator('#text').fill('I love this so much, thank you!');
  await page.locator('#send').click();
  await page.waitForFunction(() => (window as any).emolensDemo.turns.length >= 1, undefined, { timeout: 60_000 });
  const turn = await page.evaluate(() => (window as any).emolensDemo.turns[0]);
  expect(Object.keys(turn.modalities)).toEqual(['text']);
  expect(turn.gate).toEqual({ text: 1, audio: 0, face: 0 });
  expect(Math.abs(Object.values(turn.probabilities as Record<string, number>).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);
  await expect(page.locator('#turns .turn')).toHaveCount(1);
});
