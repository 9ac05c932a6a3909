/**
 * Fulfilment in a real browser (Debian's Chromium driven by playwright-core): the shopper's orders page and receipt
 * read "Shipped on <date> · tracking <ref>" once the brand marks the order shipped, at desktop and phone widths,
 * nothing scrolling sideways, axe finding no serious WCAG 2 A/AA violation.
 */
import { describe, expect } from 'vitest';
import { SESSION_COOKIE } from '../edge/index.js';
import { buyOne, test } from '../infra/testing/index.js';
import { accessibilityViolations, scrollsSideways, useBrowser, WIDTHS } from './browser-testing.js';

const WAIT = { timeout: 15_000 };
const PIPELINE = { timeout: 10_000, interval: 50 };
const browser = useBrowser();

describe('a shipped order in the shopper’s pages', () => {
  test('the orders page and the receipt read "Shipped on <date> · tracking <ref>"', async ({
    api,
    config,
    dropline,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const { brand, drop } = await api.openDrop({ title: 'Field Jacket', sku: 'FJ-1', priceCents: 4_999 });
    const { shopper, orderId } = await buyOne(api, config, drop.id);
    const tracking = '1Z999AA10123456784';
    let shippedAt = '';
    await expect
      .poll(async () => {
        const r = await api.post(`/api/drops/${drop.id}/orders/${orderId}/shipment`, {
          token: brand.token,
          body: { tracking },
        });
        shippedAt = r.body.shipment?.shippedAt ?? '';
        return r.status;
      }, PIPELINE)
      .toBe(200);
    const day = new Date(shippedAt).toLocaleDateString('en-US', {
      dateStyle: 'medium',
      timeZone: 'Europe/Berlin',
    });
    const expected = `Shipped on ${day} · tracking ${tracking}`;

    for (const { name, viewport } of WIDTHS) {
      const context = await browser().newContext({ viewport, locale: 'en-US', timezoneId: 'Europe/Berlin' });
      try {
        context.setDefaultTimeout(WAIT.timeout);
        await context.addCookies([{ name: SESSION_COOKIE, value: shopper.token, url: base }]);
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('pageerror', (error) => problems.push(error.message));

        await page.goto(`${base}/#/orders`);
        const card = page.locator('article.order', { hasText: 'Field Jacket' });
        await card.waitFor();
        expect(await card.locator('.shipped').textContent(), name).toBe(expected);
        expect(await scrollsSideways(page), name).toBe(false);
        expect(await accessibilityViolations(page), name).toEqual([]);

        await card.getByRole('link', { name: 'Field Jacket' }).click();
        const receipt = page.locator('article.receipt');
        await receipt.waitFor();
        expect(await receipt.getByText(expected).count(), name).toBe(1);
        expect(await scrollsSideways(page), name).toBe(false);
        expect(await accessibilityViolations(page), name).toEqual([]);
        expect(problems, name).toEqual([]);
      } finally {
        await context.close();
      }
    }
  }, 60_000);
});
