/**
 * Accessibility of the demo and the widget: axe-core finds no serious or critical violation (after load and after
 * turns), every control is reached with the keyboard, the fused result of each turn is announced in a live region,
 * and the charts say in words what they show.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

async function seriousViolations(page: Page, include?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  if (include) builder.include(include);
  const { violations } = await builder.analyze();
  for (const v of violations) console.log(`axe ${v.impact}: ${v.id} — ${v.help} (${v.nodes.length} nodes: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')})`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test('the demo: no serious axe violation, every control by keyboard, turns announced, charts in words', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 180_000 });
  expect(await seriousViolations(page)).toEqual([]);

  // Keyboard: Tab reaches each control in turn.
  const reached = new Set<string>();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.id ?? '');
    if (id) reached.add(id);
  }
  for (const id of ['start', 'speaker', 'stt', 'text', 'send', 'file', 'export-json', 'export-csv', 'forget', 'open-export', 'clear-cache', 'overlay']) expect([...reached], `Tab reaches #${id}`).toContain(id);

  // A turn typed and sent with the keyboard only; its result is announced (a polite live region) and charted in words.
  await page.locator('#text').focus();
  await page.keyboard.type('What a lovely surprise, thank you so much!');
  await page.keyboard.press('Enter');
  await expect(page.locator('#fused-now')).toHaveAttribute('aria-live', 'polite');
  await expect(page.locator('#fused-now')).toContainText(/^#1 Me: \w+ \d+%/, { timeout: 60_000 });
  await expect(page.locator('#va-plot')).toHaveAttribute('aria-label', /^Valence and arousal of 1 turn \(1 \w+\); latest, #1 Me: /);
  await expect(page.locator('#timeline')).toHaveAttribute('aria-label', /^Fused probabilities of 1 turn/);
  expect(await seriousViolations(page)).toEqual([]);

  // The consent dialog, open, passes too.
  await page.locator('#start').click();
  await expect(page.locator('#consent')).toBeVisible();
  expect(await seriousViolations(page, '#consent')).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(page.locator('#consent')).toBeHidden();
});

test('the widget: no serious axe violation in a plain page', async ({ page }) => {
  test.setTimeout(240_000);
  await page.route('**/a11y/widget.html', (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Widget</title>
<script type="module" src="/lib/emolens-widget.js"></script></head><body><main><h1>A page</h1>
<emolens-recognizer id="w" backend="wasm" modalities="text"></emolens-recognizer></main>
<script>window.ready = new Promise((r) => document.getElementById('w').addEventListener('ready', r, { once: true }));</script></body></html>` }));
  await page.goto('/a11y/widget.html');
  await page.evaluate(() => (window as any).ready);
  expect(await seriousViolations(page)).toEqual([]);
});
