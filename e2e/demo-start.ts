/** Starting the demo's live session as a user does: Start, then agreeing to what the consent dialog says. */
import { expect, type Page } from '@playwright/test';

/** Clicks Start and, when the consent dialog opens (the first Start of a page), accepts it. */
export async function startLive(page: Page): Promise<void> {
  await page.locator('#start').click();
  // The dialog opens in Start's click handler, before any device is asked for.
  if (await page.locator('#consent').isVisible()) {
    await expect(page.locator('#consent')).toContainText('nothing is stored unless you download it');
    await page.locator('#consent-accept').click();
  }
}
