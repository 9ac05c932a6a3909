/**
 * Fulfilment in a real browser (Debian's Chromium driven by playwright-core): the shopper's orders page and receipt
 * read "Shipped on <date> · tracking <ref>" once the brand marks the order shipped, at desktop and phone widths,
 * nothing scrolling sideways, axe finding no serious WCAG 2 A/AA violation.
 */
import type { Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { createAdmissionTokens, SESSION_COOKIE } from '../edge/index.js';
import { payBody, test, type Api, type Config } from '../infra/testing/index.js';
import { accessibilityViolations, useBrowser, WIDTHS } from './browser-testing.js';

const WAIT = { timeout: 15_000 };
const PIPELINE = { timeout: 10_000, interval: 50 };
const browser = useBrowser();

/** Whether the page is wider than its window (it would scroll sideways). */
const scrollsSideways = (page: Page) =>
  page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth');

/** A shopper holds and pays one unit through the API, with an admission signed directly. */
async function buyOne(api: Api, config: Config, dropId: string) {
  const shopper = await api.shopper();
  const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  const admission = await tokens.sign({
    shopperId: shopper.user.id,
    dropId,
    expiresAt: new Date(Date.now() + 5 * 60_000),
  });
  const held = await api.post(`/api/drops/${dropId}/reservations`, {
    token: shopper.token,
    body: { quantity: 1 },
    headers: { 'x-admission-token': admission },
  });
  expect(held.status, JSON.stringify(held.body)).toBe(201);
  const paid = await api.post(`/api/reservations/${held.body.id}/pay`, {
    token: shopper.token,
    body: payBody(),
  });
  expect(paid.status, JSON.stringify(paid.body)).toBe(200);
  return { shopper, orderId: held.body.id as string };
}

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
