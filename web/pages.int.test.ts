/**
 * The three pages in a real browser (Debian's Chromium driven by playwright-core), against a Dropline serving them:
 * a shopper queues, is admitted, reserves, pays and sees the order; a brand schedules a drop; an operator raises the
 * rate and a waiting shopper's ETA falls. Each page is checked with axe (WCAG 2 A and AA) and photographed at
 * desktop and phone widths into test-artifacts/screenshots/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { accessibilityViolations, useBrowser } from './browser-testing.js';
import { fillPayForm, test, type Api } from '../infra/testing/index.js';

const SHOTS = fileURLToPath(new URL('../test-artifacts/screenshots/', import.meta.url));
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };
const WAIT = { timeout: 15_000 };

const browser = useBrowser();
mkdirSync(SHOTS, { recursive: true });

async function newPage(viewport = DESKTOP): Promise<Page> {
  const context = await browser().newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of (4\d\d)/.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  (page as Page & { problems: string[] }).problems = problems;
  return page;
}

const problemsOf = (page: Page) => (page as Page & { problems: string[] }).problems;

/** A screenshot at desktop width, and the same URL at phone width. */
async function photograph(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}${name}-desktop.png`, fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: `${SHOTS}${name}-phone.png`, fullPage: true });
  await page.setViewportSize(DESKTOP);
}

async function brandAndDrop(api: Api, body: Record<string, unknown>) {
  const op = await api.operator();
  const email = `studio-${Date.now()}-${Math.random().toString(36).slice(2, 6)}@example.com`;
  await api.post('/api/admin/users', {
    token: op.token,
    body: { email, password: 'studio password', role: 'brand', brandName: 'Studio Nord' },
  });
  const brand = (await api.post('/api/auth/login', { body: { email, password: 'studio password' } }))
    .body as { token: string };
  const created = await api.post('/api/drops', {
    token: brand.token,
    body: {
      title: 'Lounge Chair No. 7',
      sku: 'LC-7',
      description: 'Bent oak and wool, made in a run of 100 with Studio Nord.',
      priceCents: 49_000,
      stock: 100,
      opensAt: new Date(Date.now() + 3600_000).toISOString(),
      ...body,
    },
  });
  expect(created.status).toBe(201);
  return { op, brand, email, dropId: created.body.id as string };
}

describe('the shopper', () => {
  test('queues, is admitted, reserves, pays and sees the order', async ({ api, dropline }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const { brand, dropId } = await brandAndDrop(api, { admissionPerMinute: 600, perUserLimit: 2 });

    const page = await newPage();
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Drops' }).waitFor(WAIT);
    await page.getByRole('link', { name: 'Lounge Chair No. 7' }).waitFor(WAIT);
    await photograph(page, 'shopper-drops');

    await page.goto(`${base}/#/drops/${dropId}`);
    await page.getByRole('button', { name: 'Continue as guest' }).click();
    await page.getByRole('button', { name: 'Join the queue' }).click();
    await page.getByRole('heading', { name: 'Your place is drawn at the opening' }).waitFor(WAIT);
    expect(await accessibilityViolations(page)).toEqual([]);
    await photograph(page, 'shopper-prequeue');

    expect((await api.post(`/api/drops/${dropId}/open`, { token: brand.token })).status).toBe(200);
    await page.getByRole('heading', { name: 'It’s your turn' }).waitFor(WAIT);
    await photograph(page, 'shopper-admitted');
    await page.getByLabel('How many').selectOption('2');
    await page.getByRole('button', { name: 'Reserve' }).click();
    await page.getByRole('heading', { name: '2 held for you' }).waitFor(WAIT);
    expect(await accessibilityViolations(page)).toEqual([]);

    // A declined card is shown at the card field, and the hold stays.
    await fillPayForm(page, { card: '4000 0000 0000 0002' });
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByText('the card was declined. Try another card.').waitFor(WAIT);
    await photograph(page, 'shopper-checkout');
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByRole('heading', { name: 'Order confirmed' }).waitFor(WAIT);
    await photograph(page, 'shopper-confirmed');

    await page.getByRole('link', { name: 'See your orders' }).first().click();
    await expect
      .poll(async () => {
        await page.reload();
        return page.locator('article.order .badge', { hasText: 'paid' }).count();
      }, WAIT)
      .toBe(1);
    await photograph(page, 'shopper-orders');
    expect(problemsOf(page)).toEqual([]);
  });

  test('a closed drop shows a clear state and a way on', async ({ api, dropline }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const { brand, dropId } = await brandAndDrop(api, {});
    await api.post(`/api/drops/${dropId}/open`, { token: brand.token });
    await api.post(`/api/drops/${dropId}/close`, { token: brand.token });
    const page = await newPage(PHONE);
    await page.goto(`${base}/#/drops/${dropId}`);
    // A visitor needs no session to learn the drop is over.
    await page.getByRole('heading', { name: 'This drop has closed' }).waitFor(WAIT);
    await page.getByRole('link', { name: 'See other drops' }).waitFor(WAIT);
    await page.goto(`${base}/#/drops/${crypto.randomUUID()}`);
    await page.getByText('This drop does not exist.').waitFor(WAIT);
    expect(problemsOf(page)).toEqual([]);
  });
});

describe('a lost connection', () => {
  test('shows a clear state, then the shopper is back in the same place', async ({ api, dropline }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const { op, brand, dropId } = await brandAndDrop(api, {});
    await api.put(`/api/admin/drops/${dropId}/admission`, { token: op.token, body: { paused: true } });
    await api.post(`/api/drops/${dropId}/open`, { token: brand.token });
    const page = await newPage();
    await page.goto(`${base}/#/drops/${dropId}`);
    await page.getByRole('button', { name: 'Continue as guest' }).click();
    await page.getByRole('button', { name: 'Join the queue' }).click();
    const place = await page.locator('#stat-position').textContent();
    // Every socket of this edge is dropped (as when an edge restarts): the page says so and reconnects.
    dropline.gateway()!.io.of('/drops').disconnectSockets(false);
    await page.getByText('Connection lost. Reconnecting… your place is kept.').waitFor(WAIT);
    await photograph(page, 'shopper-reconnecting');
    await page.getByText('Connection lost').waitFor({ state: 'detached', ...WAIT });
    expect(await page.locator('#stat-position').textContent()).toBe(place);
  });
});

describe('the brand', () => {
  test('signs in and schedules a drop, with errors shown at their fields', async ({ api, dropline }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const { email } = await brandAndDrop(api, {});

    const page = await newPage();
    await page.goto(`${base}/brand`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('wrong email or password').waitFor(WAIT);
    await page.getByLabel('Password').fill('studio password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Schedule a drop' }).waitFor(WAIT);

    // Checked before sending …
    await page.getByRole('button', { name: 'Schedule drop' }).click();
    await page.getByText('Give the drop a title.').waitFor(WAIT);
    await expect.poll(() => page.getByLabel('Title').getAttribute('aria-invalid')).toBe('true');
    // … and the server's answer lands at its field too.
    await page.getByLabel('Title').fill('Side Table');
    await page.getByLabel('SKU').fill('ST-1');
    await page.getByLabel('Price').fill('120');
    await page.getByLabel('Units').fill('40');
    await page.getByLabel('Currency').fill('U1');
    await page.getByRole('button', { name: 'Schedule drop' }).click();
    await page.locator('#f-currency-error').getByText('three-letter').waitFor(WAIT);
    expect(await accessibilityViolations(page)).toEqual([]);
    await photograph(page, 'brand-form-errors');

    await page.getByLabel('Currency').fill('EUR');
    await page.getByRole('button', { name: 'Schedule drop' }).click();
    await page.getByText('“Side Table” is scheduled').waitFor(WAIT);
    await page.getByRole('button', { name: 'Side Table' }).click();
    await page.getByRole('heading', { name: 'Units sold over time' }).waitFor(WAIT);
    const rows =
      await dropline.sql`SELECT title, currency, price_cents, stock FROM drops WHERE title = 'Side Table'`;
    expect(rows).toEqual([{ title: 'Side Table', currency: 'EUR', price_cents: 12_000, stock: 40 }]);
    await photograph(page, 'brand-dashboard');
    expect(problemsOf(page)).toEqual([]);
  });
});

describe('the operator', () => {
  test('raises the admission rate and a waiting shopper’s ETA falls', async ({ api, dropline, config }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const { brand, dropId } = await brandAndDrop(api, { admissionPerMinute: 2 });
    await api.post(`/api/drops/${dropId}/open`, { token: brand.token });
    for (let i = 0; i < 20; i++)
      await api.post(`/api/drops/${dropId}/queue`, { token: (await api.guest()).token });

    const shopper = await newPage();
    await shopper.goto(`${base}/#/drops/${dropId}`);
    await shopper.getByRole('button', { name: 'Continue as guest' }).click();
    await shopper.getByRole('button', { name: 'Join the queue' }).click();
    await shopper.locator('#stat-ahead').waitFor(WAIT);
    const etaBefore = await shopper.locator('#stat-eta').textContent();
    expect(etaBefore).toMatch(/^about \d+ min — around \d\d:\d\d/);
    await photograph(shopper, 'shopper-waiting');

    const operator = await newPage();
    await operator.goto(`${base}/operator?drop=${dropId}`);
    await operator.getByLabel('Email').fill(config.operator!.email);
    await operator.getByLabel('Password').fill(config.operator!.password);
    await operator.getByRole('button', { name: 'Sign in' }).click();
    // Signed in, the console opens on the drop named in the address.
    await operator.getByRole('heading', { name: 'Admission', exact: true }).waitFor(WAIT);
    await operator.getByLabel('Admissions per minute', { exact: true }).fill('600');
    await operator.getByRole('button', { name: 'Apply' }).click();
    await operator.getByText('Admission is at 600 per minute').waitFor(WAIT);
    await operator.getByRole('cell', { name: 'perMinute: 2 → 600' }).waitFor(WAIT);
    expect(await accessibilityViolations(operator)).toEqual([]);
    await photograph(operator, 'operator-console');

    // "about 10 min — around 16:41 CET" → 10; "under a minute", or no wait shown any more (admitted) → 0.
    const minutes = (text: string | null) => Number(/^about (\d+) min/.exec(text ?? '')?.[1] ?? 0);
    await expect
      .poll(async () => {
        const eta = shopper.locator('#stat-eta');
        return (await eta.count()) === 0 ? 0 : minutes(await eta.textContent());
      }, WAIT)
      .toBeLessThan(minutes(etaBefore));
    await shopper.getByRole('heading', { name: 'It’s your turn' }).waitFor(WAIT);
    expect(problemsOf(shopper)).toEqual([]);
    expect(problemsOf(operator)).toEqual([]);
  });
});
