/**
 * The collaboration journey on the brand dashboard, in a real browser (Debian's Chromium driven by playwright-core):
 * brand A schedules a drop with partner B (70/30) in the page, opens it (confirmed in a dialog), a shopper buys a
 * unit, and both dashboards show the sale live over the socket and "A × B"; A downloads the orders' CSV and marks
 * the order shipped, which the shopper's order shows; B sees the drop read-only; a reload draws the same chart; nothing
 * scrolls sideways at 390 px and axe finds no serious WCAG 2 A/AA violation.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { describe, expect } from 'vitest';
import { SESSION_COOKIE } from '../edge/index.js';
import { buyOne, test, TEST_BUYER } from '../infra/testing/index.js';
import { accessibilityViolations, scrollsSideways, useBrowser, WIDTHS } from './browser-testing.js';

const SHOTS = fileURLToPath(new URL('../test-artifacts/screenshots/', import.meta.url));
const WAIT = { timeout: 15_000 };
const [DESKTOP, PHONE] = [WIDTHS[0].viewport, WIDTHS[1].viewport];

const browser = useBrowser();
mkdirSync(SHOTS, { recursive: true });

/** A browser context signed in with `token` (the session cookie), its pages' errors collected. */
async function signedIn(base: string, token: string, viewport: { width: number; height: number }) {
  const context: BrowserContext = await browser().newContext({
    viewport,
    locale: 'en-US',
    timezoneId: 'Europe/Berlin',
  });
  context.setDefaultTimeout(WAIT.timeout);
  await context.addCookies([{ name: SESSION_COOKIE, value: token, url: base }]);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { page, problems };
}

describe('the brand dashboard', () => {
  test('a collaboration drop: scheduled with a partner, opened, sold live on both dashboards, shipped', async ({
    api,
    config,
    dropline,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const op = await api.operator();
    const lead = await api.brand(op.token, 'Nordlicht');
    const partner = await api.brand(op.token, 'Kasai');

    // A schedules the drop with B at 70/30, the price in euros.
    const a = await signedIn(base, lead.token, DESKTOP);
    await a.page.goto(`${base}/brand`);
    await a.page.getByRole('heading', { name: 'Schedule a drop' }).waitFor();
    await a.page.getByLabel('Title').fill('Lamp No. 3');
    await a.page.getByLabel('SKU').fill('LN-3');
    await a.page.getByLabel('Currency').fill('EUR');
    await a.page.getByLabel('Price').fill('249.5');
    await a.page.getByLabel('Units', { exact: true }).fill('5');
    await a.page.getByLabel('Fulfilment').selectOption('shipped');
    await a.page.getByLabel('Find a partner brand').fill('Kasa');
    await a.page.getByRole('button', { name: 'Add Kasai' }).click();
    await a.page.getByLabel('Your share (%)').fill('70');
    await a.page.getByLabel('Kasai’s share (%)').fill('20');
    await a.page.getByRole('button', { name: 'Schedule drop' }).click();
    // Checked in the page: the shares, and the price in the currency's units.
    await a.page.getByText('The shares add up to 90%: make them 100%.').waitFor();
    await a.page.getByLabel('Kasai’s share (%)').fill('30');
    await a.page.getByLabel('Price').fill('249.001');
    await a.page.getByRole('button', { name: 'Schedule drop' }).click();
    await a.page.getByText('Enter a price like 249.00').waitFor();
    await a.page.getByLabel('Price').fill('249.00');
    await a.page.getByRole('button', { name: 'Schedule drop' }).click();
    await a.page.getByText('“Lamp No. 3” is scheduled').waitFor();
    const view = a.page.locator('.drop-view');
    await view.getByRole('heading', { name: 'Lamp No. 3' }).waitFor();
    await view.getByText('Nordlicht × Kasai').waitFor();
    const [drop] = await dropline.sql<{ id: string; price_cents: string }[]>`
      SELECT id, price_cents FROM drops WHERE title = 'Lamp No. 3'`;
    expect(Number(drop!.price_cents)).toBe(24_900);
    expect(
      await dropline.sql`SELECT brand_id, share_percent, lead FROM drop_brands WHERE drop_id = ${drop!.id}
        ORDER BY share_percent DESC`,
    ).toEqual([
      { brand_id: lead.user.brandId, share_percent: 70, lead: true },
      { brand_id: partner.user.brandId, share_percent: 30, lead: false },
    ]);

    // While scheduled, the lead changes it in a form prefilled with every field, the price in euros.
    await view.getByRole('button', { name: 'Edit drop' }).click();
    const edit = a.page.getByRole('region', { name: 'Change “Lamp No. 3”' });
    expect(await edit.getByLabel('Price').inputValue()).toBe('249.00');
    expect(await edit.getByLabel('Kasai’s share (%)').inputValue()).toBe('30');
    expect(await edit.getByLabel('Fulfilment').inputValue()).toBe('shipped');
    await edit.getByLabel('Price').fill('259.00');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await view.getByText('€259.00 · 5 units · shipped').waitFor();
    expect(await a.page.getByRole('region', { name: 'Change “Lamp No. 3”' }).count()).toBe(0);

    // Opening asks first; Escape keeps it scheduled.
    await view.getByRole('button', { name: 'Open now' }).click();
    const dialog = a.page.getByRole('dialog', { name: 'Open the drop now?' });
    await dialog.getByText('“Lamp No. 3” opens at once').waitFor();
    await a.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await view.locator('.badge').textContent()).toBe('scheduled');
    await view.getByRole('button', { name: 'Open now' }).click();
    await dialog.getByRole('button', { name: 'Open now' }).click();
    await view.getByRole('button', { name: 'Close drop' }).waitFor();
    expect(await view.locator('.badge').textContent()).toBe('open');

    // B sees the drop read-only, on a phone.
    const b = await signedIn(base, partner.token, PHONE);
    await b.page.goto(`${base}/brand?drop=${drop!.id}`);
    const bView = b.page.locator('.drop-view');
    await bView.getByText('Partner drop — Nordlicht leads').waitFor();
    await bView.getByText('Nordlicht × Kasai').waitFor();
    for (const name of ['Edit drop', 'Open now', 'Close drop', 'Cancel drop'])
      expect(await bView.getByRole('button', { name }).count(), name).toBe(0);

    // A sale, pushed live to both dashboards: the stock tiles and the revenue (read from the sales history).
    const { shopper, orderId } = await buyOne(api, config, drop!.id);
    for (const page of [a.page, b.page]) {
      await expect.poll(() => page.locator('#stat-sold').textContent(), WAIT).toBe('1');
      await expect.poll(() => page.locator('#stat-revenue').textContent(), WAIT).toBe('€259.00');
      await expect
        .poll(() => page.getByRole('img', { name: /^Units sold over time: 1 at / }).count(), WAIT)
        .toBe(1);
      // The orders section lists the new order too, without a reload.
      await page.locator('.drop-view').getByText(TEST_BUYER.email).first().waitFor();
    }

    // A's CSV names the buyer.
    const csv = await a.page.evaluate<string, string>(
      (path) => fetch(path).then((r) => r.text()),
      `/api/drops/${drop!.id}/orders.csv`,
    );
    expect(csv).toContain(TEST_BUYER.email);

    // A reload draws the same chart, from the server's history, and lists the order.
    await a.page.reload();
    await a.page.getByRole('img', { name: /^Units sold over time: 1 at / }).waitFor();
    await expect.poll(() => a.page.locator('#stat-revenue').textContent(), WAIT).toBe('€259.00');

    // A marks the order shipped with a tracking reference; the shopper's order shows it.
    await a.page.getByRole('textbox', { name: /^Tracking for / }).fill('DHL 00340434161234567890');
    await a.page.getByRole('button', { name: 'Mark shipped' }).click();
    await a.page.getByRole('button', { name: 'Update tracking' }).waitFor();
    const order = await api.get(`/api/orders/${orderId}`, { token: shopper.token });
    expect(order.body.shipment).toMatchObject({ tracking: 'DHL 00340434161234567890' });

    // B, reloaded, reads the order but ships nothing.
    await b.page.reload();
    await b.page.getByRole('img', { name: /^Units sold over time: 1 at / }).waitFor();
    await b.page.getByText(TEST_BUYER.email).first().waitFor();
    for (const name of ['Mark shipped', 'Update tracking', 'Edit drop', 'Close drop'])
      expect(await b.page.getByRole('button', { name }).count(), name).toBe(0);
    expect(await accessibilityViolations(a.page)).toEqual([]);

    // A closes the drop, asked first.
    await view.getByRole('button', { name: 'Close drop' }).click();
    const closing = a.page.getByRole('dialog', { name: 'Close the drop?' });
    await closing.getByRole('button', { name: 'Close drop' }).click();
    await view.locator('.badge', { hasText: 'closed' }).waitFor();
    expect(await view.getByRole('button', { name: 'Close drop' }).count()).toBe(0);
    await a.page.screenshot({ path: `${SHOTS}brand-collaboration-desktop.png`, fullPage: true });

    // At 390 px nothing scrolls sideways, and revenue tiles keep large amounts inside them.
    for (const page of [a.page, b.page]) {
      await page.setViewportSize(PHONE);
      expect(await scrollsSideways(page)).toBe(false);
      const clipped = await page.evaluate<boolean[]>(`[
        '€1,047.00', '€1,234,567.89'
      ].map((text) => {
        const value = document.querySelector('#stat-revenue');
        value.textContent = text;
        return value.scrollWidth > value.clientWidth || value.parentElement.scrollWidth > value.parentElement.clientWidth;
      })`);
      expect(clipped).toEqual([false, false]);
    }
    expect(await accessibilityViolations(b.page)).toEqual([]);
    await b.page.screenshot({ path: `${SHOTS}brand-partner-phone.png`, fullPage: true });
    expect([...a.problems, ...b.problems]).toEqual([]);
  }, 60_000);
});
