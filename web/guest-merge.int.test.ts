/**
 * A guest who holds a unit keeps it by signing up, in a real browser (Debian's Chromium driven by playwright-core):
 * signing out first warns of what it would lose, with confirm and cancel; signing up mid-hold brings the page back
 * as the account's with the same hold and its time left, and the account pays it in the checkout form. Both
 * dialogs are checked with axe (WCAG 2 A and AA). Photographed into test-artifacts/screenshots/
 * (git-ignored).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { accessibilityViolations, useBrowser } from './browser-testing.js';
import { fillPayForm, test, type Api } from '../infra/testing/index.js';
import type { MyReservationsResponse } from './index.js';

const SHOTS = fileURLToPath(new URL('../test-artifacts/screenshots/', import.meta.url));
const WAIT = { timeout: 15_000 };

const browser = useBrowser();
mkdirSync(SHOTS, { recursive: true });

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

const myReservations = (page: Page) =>
  page.evaluate(async () => (await fetch('/api/reservations')).json() as Promise<MyReservationsResponse>);

describe('a guest holding a unit', () => {
  test('is warned before signing out, signs up mid-hold and pays the same hold', async ({
    api,
    dropline,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const { brandToken, dropId } = await scheduledDrop(api);
    const context = await browser().newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));

    await page.goto(`${base}/#/drops/${dropId}`);
    await page.getByRole('button', { name: 'Continue as guest' }).click();
    await page.getByRole('button', { name: 'Join the queue' }).click();
    expect((await api.post(`/api/drops/${dropId}/open`, { token: brandToken })).status).toBe(200);
    await page.getByRole('heading', { name: 'It’s your turn' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Reserve' }).click();
    await page.getByRole('heading', { name: '1 held for you' }).waitFor(WAIT);
    // The warning counts the hold from the guest's reservations, which the workers write a moment later.
    await expect.poll(async () => (await myReservations(page)).reservations.length, WAIT).toBe(1);
    const [held] = (await myReservations(page)).reservations;

    // Signing out warns first; cancel keeps the guest signed in with its hold.
    await page.getByRole('button', { name: 'Sign out' }).click();
    const warning = page.getByRole('dialog', { name: 'Sign out?' });
    await warning.waitFor(WAIT);
    expect(
      await warning.getByText(/^You are signed in as a guest: signing out loses your hold/).count(),
    ).toBe(1);
    expect(await warning.textContent()).toContain('sign up to keep it');
    await page.screenshot({ path: `${SHOTS}guest-sign-out-warning.png`, fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);
    await warning.getByRole('button', { name: 'Cancel' }).click();
    await warning.waitFor({ state: 'detached', ...WAIT });
    await page.getByRole('heading', { name: '1 held for you' }).waitFor(WAIT);

    // Signing up from the warning, mid-hold: the page comes back as the account's, with the same hold to pay.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await warning.getByRole('button', { name: 'Sign up to keep them' }).click();
    const signUp = page.getByRole('dialog', { name: 'Sign up to keep what you have' });
    await signUp.waitFor(WAIT);
    expect(await accessibilityViolations(page)).toEqual([]);
    const email = `guest-${randomBytes(4).toString('hex')}@example.com`;
    await signUp.getByLabel('Email').fill(email);
    await signUp.getByLabel('Password').fill('correct horse battery');
    await signUp.getByRole('button', { name: 'Create account' }).click();
    await signUp.waitFor({ state: 'detached', ...WAIT });
    await page.getByText(email).waitFor(WAIT);
    await page.getByText('Signed in: your hold is now your account’s.').waitFor(WAIT);
    await page.getByRole('heading', { name: '1 held for you' }).waitFor(WAIT);
    expect(await page.locator('[data-countdown]').getAttribute('data-countdown')).toBe(held?.expiresAt);
    await page.screenshot({ path: `${SHOTS}guest-signed-up-mid-hold.png`, fullPage: true });
    const mine = await myReservations(page);
    expect(mine.reservations).toMatchObject([{ id: held?.id, status: 'held' }]);

    // The account pays the same hold in the page's checkout form.
    await fillPayForm(page);
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByRole('heading', { name: 'Order confirmed' }).waitFor(WAIT);
    await expect
      .poll(async () => (await myReservations(page)).reservations.map((r) => r.status), WAIT)
      .toEqual(['paid']);

    // Another guest holding a unit confirms: signed out, the page offers to sign in again.
    const other = await browser().newContext({ viewport: { width: 1280, height: 860 } });
    const second = await other.newPage();
    second.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await second.goto(`${base}/#/drops/${dropId}`);
    await second.getByRole('button', { name: 'Continue as guest' }).click();
    await second.getByRole('button', { name: 'Join the queue' }).click();
    await second.getByRole('button', { name: 'Reserve' }).click();
    await second.getByRole('heading', { name: '1 held for you' }).waitFor(WAIT);
    await expect.poll(async () => (await myReservations(second)).reservations.length, WAIT).toBe(1);
    await second.getByRole('button', { name: 'Sign out' }).click();
    await second
      .getByRole('dialog', { name: 'Sign out?' })
      .getByRole('button', { name: 'Sign out anyway' })
      .click();
    await second.getByRole('button', { name: 'Continue as guest' }).waitFor(WAIT);
    expect(await second.getByRole('button', { name: 'Sign out' }).count()).toBe(0);

    expect(problems).toEqual([]);
    await other.close();
    await context.close();
  }, 90_000);
});
