/**
 * A collaboration drop in the shopper's pages: the brands releasing it named together, `Atelier A × Bureau B`, on
 * the list's card and under the drop page's title, at desktop and phone widths, the pages passing axe.
 */
import type { Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { accessibilityViolations, useBrowser, WIDTHS } from './browser-testing.js';
import { test } from '../infra/testing/index.js';

/** A page loading (and its API calls answered); a text already shown is read with WAIT. */
const LOAD = { timeout: 15_000 };
const WAIT = { timeout: 5_000 };
const browser = useBrowser();

describe('a collaboration drop', () => {
  test('shoppers read its brands together on the list and on its page', async ({ api, dropline }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const operator = await api.operator();
    const [a, b] = await Promise.all([
      api.brand(operator.token, 'Atelier A'),
      api.brand(operator.token, 'Bureau B'),
    ]);
    const created = await api.post('/api/drops', {
      token: a.token,
      body: {
        title: 'Shared Stool',
        sku: 'SS-1',
        priceCents: 12_000,
        stock: 20,
        opensAt: new Date(Date.now() + 3600_000).toISOString(),
        brands: [
          { brandId: a.user.brandId, sharePercent: 55 },
          { brandId: b.user.brandId, sharePercent: 45 },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const solo = await api.post('/api/drops', {
      token: b.token,
      body: { title: 'Solo Lamp', sku: 'SL-1', priceCents: 9_000, stock: 5, opensAt: created.body.opensAt },
    });
    expect(solo.status).toBe(201);

    for (const { name, viewport } of WIDTHS) {
      const context = await browser().newContext({ viewport });
      try {
        const page: Page = await context.newPage();
        await page.goto(`${base}/#/`);
        const card = page.locator('article.card', { hasText: 'Shared Stool' });
        await card.waitFor(LOAD);
        expect(await card.locator('.brands').textContent(WAIT), name).toBe('Atelier A × Bureau B');
        const soloCard = page.locator('article.card', { hasText: 'Solo Lamp' });
        expect(await soloCard.locator('.brands').textContent(WAIT), name).toBe('Bureau B');
        expect(await accessibilityViolations(page), name).toEqual([]);

        await page.goto(`${base}/#/drops/${created.body.id}`);
        await page.locator('#drop-brands').waitFor(LOAD);
        expect(await page.locator('#drop-brands').textContent(WAIT), name).toBe('Atelier A × Bureau B');
        await page.getByRole('heading', { name: 'Shared Stool' }).waitFor(LOAD);
        expect(await accessibilityViolations(page), name).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });
});
