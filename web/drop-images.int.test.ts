/**
 * Product images and descriptions in a real browser: the lead image on the list's card (lazy, sized up front) and on
 * the drop page, at desktop and phone widths with nothing wider than the screen; a description holding markup shows
 * that markup as text, line breaks kept, and runs none of it.
 */
import type { Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { accessibilityViolations, useBrowser, WIDTHS } from './browser-testing.js';
import { test, testImages, type Dropline } from '../infra/testing/index.js';

const WAIT = { timeout: 15_000 };
const HOSTILE = '<img src=x onerror="window.__injected = true">\nSecond line <b>not bold</b>';

const browser = useBrowser();

async function upload(dropline: Dropline, dropId: string, token: string, bytes: Uint8Array, alt: string) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'photo');
  form.append('alt', alt);
  const r = await dropline.app!.request(`/api/drops/${dropId}/images`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${token}` },
  });
  expect(r.status).toBe(201);
}

/** No element reaches past the viewport's right edge. */
const overflows = (page: Page) =>
  page.evaluate<boolean>('document.documentElement.scrollWidth > document.documentElement.clientWidth');

describe('images and descriptions on the shopper’s pages', () => {
  test('the lead image with its alt text, and a description shown as text', async ({ api, dropline }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const { brand, drop } = await api.openDrop(
      { title: 'Pictured chair', description: HOSTILE },
      { open: false },
    );
    await upload(dropline, drop.id, brand.token, testImages.png.bytes, 'A red chair, front');
    await upload(dropline, drop.id, brand.token, testImages.jpeg.bytes, 'The chair from behind');

    for (const { name, viewport } of WIDTHS) {
      const context = await browser().newContext({ viewport });
      const page = await context.newPage();
      await page.goto(`${base}/`);
      const card = page.locator('article', { has: page.getByRole('link', { name: 'Pictured chair' }) });
      await card.waitFor(WAIT);
      const lead = card.getByRole('img', { name: 'A red chair, front' });
      expect(await lead.getAttribute('loading'), name).toBe('lazy');
      expect([await lead.getAttribute('width'), await lead.getAttribute('height')]).toEqual(['3', '2']);
      expect(await overflows(page), name).toBe(false);

      await page.goto(`${base}/#/drops/${drop.id}`);
      const description = page.locator('#drop-description');
      await description.waitFor(WAIT);
      expect(await description.textContent()).toBe(HOSTILE);
      expect(await description.locator('img, b').count()).toBe(0);
      expect(
        await page.evaluate<string>(
          "getComputedStyle(document.getElementById('drop-description')).whiteSpace",
        ),
      ).toBe('pre-line');
      // Two lines: the line break is kept.
      const lines = await page.evaluate<number>(`(() => {
        const range = document.createRange();
        range.selectNodeContents(document.getElementById('drop-description'));
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      })()`);
      expect(lines).toBeGreaterThanOrEqual(2);
      expect(await page.evaluate<unknown>('window.__injected')).toBeUndefined();

      const pageLead = page.locator('.gallery img.drop-image');
      expect(await pageLead.getAttribute('alt')).toBe('A red chair, front');
      await expect
        .poll(
          () => page.evaluate<number>("document.querySelector('.gallery img.drop-image').naturalWidth"),
          WAIT,
        )
        .toBe(3);
      await page.getByRole('img', { name: 'The chair from behind' }).waitFor(WAIT);
      expect(await overflows(page), name).toBe(false);
      expect(await accessibilityViolations(page), name).toEqual([]);
      await context.close();
    }
  });
});
