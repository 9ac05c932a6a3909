/**
 * Checkout in a real browser (Debian's Chromium driven by playwright-core) at desktop and phone widths: a guest
 * holds a unit of a EUR drop that ships, a bad CVC is refused in the page (no pay request leaves it), the form
 * pays, the paid state links to the receipt (number, product, brand, amount in euros, paid at with its zone,
 * shipping address), and "Your orders" lists the order with its product, brand, number and currency and leads back
 * to the receipt; nothing scrolls sideways and axe finds no serious WCAG 2 A/AA violation.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { accessibilityViolations, scrollsSideways, useBrowser } from './browser-testing.js';
import { fillPayForm, test } from '../infra/testing/index.js';

const SHOTS = fileURLToPath(new URL('../test-artifacts/screenshots/', import.meta.url));
const WAIT = { timeout: 15_000 };
const NUMBER = /DL-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/;

const browser = useBrowser();
mkdirSync(SHOTS, { recursive: true });

describe('checkout and receipt', () => {
  for (const [name, viewport] of [
    ['desktop', { width: 1280, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    test(`at ${viewport.width} px: a bad CVC is refused in the page; the form pays; the receipt and the orders list`, async ({
      api,
      dropline,
    }) => {
      const server = await dropline.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${server.port}`;
      const { drop } = await api.openDrop({
        title: 'Wool Scarf',
        sku: 'WS-1',
        priceCents: 4_950,
        currency: 'EUR',
        stock: 5,
        admissionPerMinute: 6000,
      });
      const context = await browser().newContext({ viewport, locale: 'en-US', timezoneId: 'Europe/Berlin' });
      context.setDefaultTimeout(WAIT.timeout);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      const payRequests: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'POST' && r.url().endsWith('/pay')) payRequests.push(r.url());
      });

      await page.goto(`${base}/#/drops/${drop.id}`);
      await page.getByRole('button', { name: 'Continue as guest' }).click();
      await page.getByRole('button', { name: 'Join the queue' }).click();
      await page.getByRole('button', { name: 'Reserve' }).click();
      await page.getByRole('heading', { name: '1 held for you' }).waitFor(WAIT);

      // Every field has its label and autocomplete.
      const autocomplete = async (label: string) =>
        page.getByLabel(label, { exact: true }).getAttribute('autocomplete');
      expect(
        await Promise.all(
          [
            'Full name',
            'Street and number',
            'Postal code',
            'Country (2 letters)',
            'Card number',
            'Expiry (MM/YY)',
            'CVC',
          ].map(autocomplete),
        ),
      ).toEqual(['name', 'address-line1', 'postal-code', 'country', 'cc-number', 'cc-exp', 'cc-csc']);
      expect(await page.getByLabel(/^Email for the receipt/).getAttribute('autocomplete')).toBe('email');

      // A bad CVC and a wrong card number are refused next to their fields; nothing is sent.
      await fillPayForm(page, { cvc: '12', card: '4242 4242 4242 4241' });
      await page.getByRole('button', { name: /^Pay / }).click();
      const cvc = page.getByLabel(/^CVC/);
      await expect.poll(() => cvc.getAttribute('aria-invalid'), WAIT).toBe('true');
      expect(await page.locator('[id="f-card.cvc-error"]').textContent()).toBe(
        'Enter the 3 or 4 digits on the back of the card.',
      );
      expect(await page.locator('[id="f-card.number-error"]').textContent()).toBe(
        'This card number is not valid. Check the digits.',
      );
      expect(payRequests).toEqual([]);
      expect(await accessibilityViolations(page)).toEqual([]);
      expect(await scrollsSideways(page)).toBe(false);
      await page.screenshot({ path: `${SHOTS}checkout-refused-${name}.png`, fullPage: true });

      await fillPayForm(page);
      await page.getByRole('button', { name: /^Pay / }).click();
      await page.getByRole('heading', { name: 'Order confirmed' }).waitFor(WAIT);
      expect(payRequests).toHaveLength(1);
      await page.getByRole('link', { name: 'See your receipt' }).click();

      const receipt = page.locator('article.receipt');
      await receipt.waitFor(WAIT);
      const text = (await receipt.textContent()) ?? '';
      expect(text).toMatch(NUMBER);
      const number = NUMBER.exec(text)![0];
      for (const shown of [
        'Wool Scarf',
        'Test Brand',
        '€49.50',
        '12 Linden Road',
        '10115 Berlin',
        'Ada Shopper',
      ])
        expect(text).toContain(shown);
      // Paid at, with the shopper's time zone.
      expect(text).toMatch(/Paid at.*\d{1,2}:\d{2}.*GMT\+1|Paid at.*\d{1,2}:\d{2}.*CET/);
      expect(await accessibilityViolations(page)).toEqual([]);
      expect(await scrollsSideways(page)).toBe(false);
      await page.screenshot({ path: `${SHOTS}receipt-${name}.png`, fullPage: true });

      await page.getByRole('link', { name: 'Your orders' }).first().click();
      const order = page.locator('article.order');
      await order.waitFor(WAIT);
      const listed = (await order.textContent()) ?? '';
      for (const shown of ['Wool Scarf', 'Test Brand', number, '€49.50']) expect(listed).toContain(shown);
      expect(await accessibilityViolations(page)).toEqual([]);
      expect(await scrollsSideways(page)).toBe(false);
      await page.screenshot({ path: `${SHOTS}orders-${name}.png`, fullPage: true });

      await page.getByRole('link', { name: 'Wool Scarf' }).click();
      await page.getByRole('heading', { name: `Order ${number}` }).waitFor(WAIT);
      expect(problems).toEqual([]);
      await context.close();
    }, 90_000);
  }

  test('a digital drop asks no address; a registered shopper’s email is optional and the account’s is used', async ({
    api,
    dropline,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const { drop } = await api.openDrop({
      title: 'Sound Pack',
      sku: 'SP-1',
      priceCents: 1_200,
      currency: 'JPY',
      fulfilment: 'digital',
      admissionPerMinute: 6000,
    });
    const email = `listener-${Date.now()}@example.com`;
    expect(
      (await api.post('/api/auth/signup', { body: { email, password: 'correct horse battery' } })).status,
    ).toBe(201);
    const context = await browser().newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
    context.setDefaultTimeout(WAIT.timeout);
    const page = await context.newPage();
    await page.goto(`${base}/#/drops/${drop.id}`);
    await page.getByLabel(/^Email/).fill(email);
    await page.getByLabel(/^Password/).fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Join the queue' }).click();
    await page.getByRole('button', { name: 'Reserve' }).click();
    await page.getByRole('heading', { name: '1 held for you' }).waitFor(WAIT);
    await page.getByLabel('Email for the receipt (optional)').waitFor(WAIT);
    expect(await page.getByLabel(/^Street and number/).count()).toBe(0);
    await fillPayForm(page, { noAddress: true, email: '' });
    await page.getByRole('button', { name: 'Pay ¥1,200' }).click();
    await page.getByRole('link', { name: 'See your receipt' }).click();
    const receipt = page.locator('article.receipt');
    await receipt.waitFor(WAIT);
    const text = (await receipt.textContent()) ?? '';
    // Yen have no minor unit: 1200 is ¥1,200.
    for (const shown of ['Sound Pack', '¥1,200', email]) expect(text).toContain(shown);
    expect(text).not.toContain('Shipping to');
    await context.close();
  }, 60_000);
});
