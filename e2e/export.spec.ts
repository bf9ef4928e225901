/**
 * The session as data: the demo downloads its turns as JSON and CSV, "Forget this session" leaves no result in the
 * page, and a page that cannot load any model opens either file and shows the same turns again (list and charts).
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

type Turn = { index: number; speaker: string; transcript?: string; label: string; probabilities: Record<string, number>; gate: Record<string, number>; valence: number };
const shownTurns = (page: Page) => page.evaluate(() => (window as any).emolensDemo.turns as Turn[]);

async function downloaded(page: Page, button: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(button).click()]);
  return readFileSync((await file.path())!, 'utf8');
}

test('export the turns as JSON and CSV, then open each in a page without models: the same turns, list and charts', async ({ page, browser }) => {
  test.setTimeout(300_000);
  await page.goto('/?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 180_000 });
  for (const [speaker, text] of [['Ann', 'I am so glad you came, thank you!'], ['Bo', 'This is terrible, "really" terrible, I am furious.'], ['Ann', 'Oh no, what happened?']]) {
    await page.locator('#speaker').fill(speaker);
    await page.locator('#text').fill(text);
    await page.locator('#send').click();
  }
  await page.waitForFunction(() => (window as any).emolensDemo.turns.length >= 3, undefined, { timeout: 60_000 });
  const original = await shownTurns(page);
  const json = await downloaded(page, '#export-json');
  const csv = await downloaded(page, '#export-csv');
  expect(JSON.parse(json).schema).toBe('emolens-session');
  expect(csv.split('\r\n')[0]).toMatch(/^kind,index,timestamp,/);

  // "Forget this session": no result is left in the page (the downloads above are what the user kept).
  await page.locator('#forget').click();
  await expect(page.locator('#export-status')).toContainText('Forgotten');
  expect(await shownTurns(page)).toEqual([]);
  await expect(page.locator('#turns .turn')).toHaveCount(0);
  await page.locator('#export-json').click();
  await expect(page.locator('#export-status')).toContainText('nothing to download');

  // A second page whose model requests all fail: opening an export needs none.
  const offline = await browser.newPage();
  await offline.route('**/models/**', (route) => route.abort());
  await offline.goto('/?backend=wasm');
  await expect(offline.locator('body')).toHaveAttribute('data-ready', 'error', { timeout: 120_000 });
  for (const [name, text] of [['session.json', json], ['session.csv', csv]] as const) {
    await offline.locator('#open-export').setInputFiles({ name, mimeType: name.endsWith('json') ? 'application/json' : 'text/csv', buffer: Buffer.from(text) });
    await expect(offline.locator('#export-status')).toContainText(`${name}: 3 turns shown`);
    const reopened = await shownTurns(offline);
    expect(reopened.map((t) => [t.index, t.speaker, t.transcript, t.label])).toEqual(original.map((t) => [t.index, t.speaker, t.transcript, t.label]));
    for (const [i, t] of reopened.entries()) {
      for (const [label, p] of Object.entries(original[i].probabilities)) expect(t.probabilities[label]).toBe(p);
      expect(t.gate).toEqual(original[i].gate);
      expect(t.valence).toBe(original[i].valence);
    }
    await expect(offline.locator('#turns .turn')).toHaveCount(3);
    await expect(offline.locator('#va-plot .turn-dot')).toHaveCount(3);
    await expect(offline.locator('#timeline .turn-column')).toHaveCount(3);
  }
  // Something that is not an export is refused with a message, and what is shown stays.
  await offline.locator('#open-export').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await expect(offline.locator('#message')).toContainText('Not an EmoLens session file');
  await expect(offline.locator('#turns .turn')).toHaveCount(3);
  await offline.close();
});
