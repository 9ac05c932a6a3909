/**
 * A hold survives a refresh and a second tab or device, in a real browser (Debian's Chromium driven by
 * playwright-core): the pay form comes back with the hold's time left as the server gives it, a second context of
 * the same shopper (its cookie) shows the hold too, and paying there turns the first to paid with one push.
 * Photographed at desktop and phone widths into test-artifacts/screenshots/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { useBrowser } from './browser-testing.js';
import { fillPayForm, test, type Api } from '../infra/testing/index.js';
import type { MyReservationsResponse } from './index.js';

const SHOTS = fileURLToPath(new URL('../test-artifacts/screenshots/', import.meta.url));
const WIDTHS = [
  { name: 'desktop', viewport: { width: 1280, height: 860 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
];
const WAIT = { timeout: 15_000 };

const browser = useBrowser();
mkdirSync(SHOTS, { recursive: true });

/** A page that records uncaught errors and console errors other than the 4xx answers the page handles. */
async function pageIn(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of (4\d\d)/.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  return { page, problems };
}

async function scheduledDrop(api: Api): Promise<{ brandToken: string; dropId: string }> {
  const op = await api.operator();
  const brand = await api.brand(op.token, 'Studio Nord');
  const created = await api.post('/api/drops', {
    token: brand.token,
    body: {
      title: 'Lounge Chair No. 7',
      sku: 'LC-7',
      priceCents: 49_000,
      stock: 100,
      perUserLimit: 2,
      admissionPerMinute: 600,
      holdSeconds: 600,
      opensAt: new Date(Date.now() + 3600_000).toISOString(),
    },
  });
  expect(created.status).toBe(201);
  return { brandToken: brand.token, dropId: created.body.id as string };
}

/** The shopper's reservations as the page's own session reads them. */
const myReservations = (page: Page) =>
  page.evaluate(async () => (await fetch('/api/reservations')).json() as Promise<MyReservationsResponse>);

describe('a held unit on any tab', () => {
  for (const { name, viewport } of WIDTHS) {
    test(`${name}: refresh and a second context show the hold; paying in the second turns the first to paid`, async ({
      api,
      dropline,
    }) => {
      const server = await dropline.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${server.port}`;
      const { brandToken, dropId } = await scheduledDrop(api);
      const first = await browser().newContext({ viewport });
      const one = await pageIn(first);

      await one.page.goto(`${base}/#/drops/${dropId}`);
      await one.page.getByRole('button', { name: 'Continue as guest' }).click();
      await one.page.getByRole('button', { name: 'Join the queue' }).click();
      await one.page.getByRole('heading', { name: 'Your place is drawn at the opening' }).waitFor(WAIT);
      expect((await api.post(`/api/drops/${dropId}/open`, { token: brandToken })).status).toBe(200);
      await one.page.getByRole('heading', { name: 'It’s your turn' }).waitFor(WAIT);
      await one.page.getByRole('button', { name: 'Reserve' }).click();
      await one.page.getByRole('heading', { name: '1 held for you' }).waitFor(WAIT);

      // The workers write the reservation to PostgreSQL asynchronously; then a refresh finds it.
      await expect.poll(async () => (await myReservations(one.page)).reservations.length, WAIT).toBe(1);
      const [held] = (await myReservations(one.page)).reservations;
      await one.page.reload();
      await one.page.getByRole('heading', { name: '1 held for you' }).waitFor(WAIT);
      const left = one.page.locator('[data-countdown]');
      expect(await left.getAttribute('data-countdown')).toBe(held?.expiresAt);
      expect(await left.textContent()).toMatch(/[1-9]/);
      await one.page.getByLabel('Card number').waitFor(WAIT);
      await one.page.screenshot({ path: `${SHOTS}hold-after-refresh-${name}.png`, fullPage: true });

      const second = await browser().newContext({ viewport, storageState: await first.storageState() });
      const two = await pageIn(second);
      await two.page.goto(`${base}/#/drops/${dropId}`);
      await two.page.getByRole('heading', { name: '1 held for you' }).waitFor(WAIT);
      await two.page.screenshot({ path: `${SHOTS}hold-second-context-${name}.png`, fullPage: true });

      await fillPayForm(two.page);
      await two.page.getByRole('button', { name: /^Pay / }).click();
      await two.page.getByRole('heading', { name: 'Order confirmed' }).waitFor(WAIT);
      await one.page.getByRole('heading', { name: 'Order confirmed' }).waitFor(WAIT);
      expect(await one.page.getByRole('heading', { name: '1 held for you' }).count()).toBe(0);
      await one.page.screenshot({ path: `${SHOTS}hold-paid-elsewhere-${name}.png`, fullPage: true });

      expect([...one.problems, ...two.problems]).toEqual([]);
      await first.close();
      await second.close();
    });
  }
});
