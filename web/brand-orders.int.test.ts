/**
 * The orders section of the brand dashboard in a real browser (Debian's Chromium driven by playwright-core): 60
 * orders paged 50 then "Load more", the status filter (and the CSV link following it), "Mark shipped" with a
 * tracking reference; at 390 px the table scrolls inside its own box while the page does not scroll sideways; axe
 * finds no serious WCAG 2 A/AA violation.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { SESSION_COOKIE } from '../edge/index.js';
import { test } from '../infra/testing/index.js';
import { accessibilityViolations, scrollsSideways, useBrowser, WIDTHS } from './browser-testing.js';

const WAIT = { timeout: 15_000 };
const [DESKTOP, PHONE] = [WIDTHS[0].viewport, WIDTHS[1].viewport];
const SHOTS = fileURLToPath(new URL('../test-artifacts/screenshots/', import.meta.url));
const browser = useBrowser();
mkdirSync(SHOTS, { recursive: true });

describe('the dashboard’s orders section', () => {
  test('pages, filters, links the CSV and marks an order shipped; fits a phone', async ({
    api,
    dropline,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const { brand, drop } = await api.openDrop(
      { title: 'Canvas Tote', sku: 'CT-1', priceCents: 2_500, stock: 100 },
      { open: false },
    );
    const buyer = await api.shopper();
    // 55 paid and 5 held orders, written straight into PostgreSQL, a minute apart (the newest held).
    const tag = randomBytes(6).toString('hex');
    await dropline.sql`
      INSERT INTO orders (id, drop_id, user_id, quantity, amount_cents, status, expires_at, created_at, paid_at)
      SELECT 'rsv_' || ${tag} || lpad(i::text, 31, '0'), ${drop.id}, ${buyer.user.id}, 1, 2500,
             CASE WHEN i <= 5 THEN 'held' ELSE 'paid' END, now(), now() - i * interval '1 minute',
             CASE WHEN i > 5 THEN now() - i * interval '1 minute' END
      FROM generate_series(1, 60) i`;
    await dropline.sql`
      INSERT INTO order_details (reservation_id, number, buyer_name, buyer_email, shipping_address)
      SELECT 'rsv_' || ${tag} || lpad(i::text, 31, '0'), 'DL-7000-' || lpad(i::text, 4, '0'),
             'Buyer ' || i, 'a-rather-long-address-' || i || '@example.test',
             jsonb_build_object('line1', i || ' Kastanienallee', 'city', 'Berlin', 'postalCode', '10435',
                                'country', 'DE')
      FROM generate_series(1, 60) i`;

    const context = await browser().newContext({
      viewport: DESKTOP,
      locale: 'en-US',
      timezoneId: 'Europe/Berlin',
    });
    try {
      context.setDefaultTimeout(WAIT.timeout);
      await context.addCookies([{ name: SESSION_COOKIE, value: brand.token, url: base }]);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      // The first page of orders is held back: until it arrives the section says it is loading, not "No orders".
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      await page.route(
        /\/api\/drops\/[^/]+\/orders\?/,
        async (route) => {
          await released;
          await route.continue();
        },
        { times: 1 },
      );
      await page.goto(`${base}/brand?drop=${drop.id}`);
      const section = page.locator('section[aria-labelledby^="orders-heading-"]');
      await section.getByText('Loading orders…').waitFor();
      expect(await section.getByText('No orders yet.').count()).toBe(0);
      release();
      await section.getByText('DL-7000-0001').waitFor();
      const rows = section.locator('tbody tr');
      expect(await rows.count()).toBe(50);
      expect(await section.getByText('55 units paid').count()).toBe(1);
      await section.getByRole('button', { name: 'Load more' }).click();
      await section.getByText('DL-7000-0060').waitFor();
      expect(await rows.count()).toBe(60);
      expect(await section.getByRole('button', { name: 'Load more' }).count()).toBe(0);

      // The filter narrows the table and the CSV link alike.
      const csv = section.getByRole('link', { name: 'Download CSV' });
      expect(await csv.getAttribute('href')).toBe(`/api/drops/${drop.id}/orders.csv`);
      await section.getByLabel('Show').selectOption('held');
      await expect.poll(() => rows.count(), WAIT).toBe(5);
      expect(await csv.getAttribute('href')).toBe(`/api/drops/${drop.id}/orders.csv?status=held`);
      expect(await section.getByRole('button', { name: 'Mark shipped' }).count()).toBe(0);
      const download = await page.evaluate<{ status: number; lines: number }, string>(
        (href) =>
          fetch(href).then(async (r) => ({ status: r.status, lines: (await r.text()).split('\r\n').length })),
        `/api/drops/${drop.id}/orders.csv?status=held`,
      );
      expect(download).toEqual({ status: 200, lines: 5 + 2 });

      // Mark the newest paid order shipped with a tracking reference.
      await section.getByLabel('Show').selectOption('paid');
      const row = rows.filter({ hasText: 'DL-7000-0006' });
      await row.waitFor();
      await row.getByLabel('Tracking for DL-7000-0006').fill('1Z999AA10123456784');
      await row.getByRole('button', { name: 'Mark shipped' }).click();
      await row.getByText(/^Shipped on .+ · tracking 1Z999AA10123456784$/).waitFor();
      await section.getByText(/^DL-7000-0006: Shipped on /).waitFor();
      expect(await row.getByRole('button', { name: 'Update tracking' }).count()).toBe(1);
      const [shipment] = await dropline.sql`
        SELECT tracking, actor FROM order_shipments WHERE order_id = ${`rsv_${tag}${'6'.padStart(31, '0')}`}`;
      expect(shipment).toEqual({ tracking: '1Z999AA10123456784', actor: brand.user.id });
      expect(await accessibilityViolations(page)).toEqual([]);
      await section.screenshot({ path: `${SHOTS}brand-orders-desktop.png` });

      // A phone: the table scrolls in its own box, the page does not.
      await page.setViewportSize(PHONE);
      expect(await scrollsSideways(page)).toBe(false);
      const box = section.locator('.orders-table');
      expect(await box.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
      await section.screenshot({ path: `${SHOTS}brand-orders-phone.png` });
      expect(await accessibilityViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});
