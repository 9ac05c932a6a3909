/**
 * The waiting room as a person meets it, in a real browser (Debian's Chromium driven by playwright-core), at desktop
 * and phone widths: a push moves the figures without taking the focus away or speaking; the organiser's pause, with
 * their message, is shown and spoken at once, and focus follows to the new card's heading; a visitor's page moves to
 * open by itself at the opening time; a drop selling out for good while 20 shoppers wait tells every one of them.
 */
import type { Page } from 'playwright-core';
import { describe, expect, vi } from 'vitest';
import { useBrowser, WIDTHS } from './browser-testing.js';
import { test, type Api } from '../infra/testing/index.js';
import type { QueueMeJson } from './index.js';

const WAIT = { timeout: 15_000 };
const PAYMENT = {
  card: { number: '4242424242424242', expMonth: 12, expYear: new Date().getFullYear() + 3, cvc: '123' },
  buyer: {
    name: 'Ada Lindqvist',
    email: 'ada@example.com',
    address: { line1: 'Storgata 1', city: 'Oslo', postalCode: '0155', country: 'NO' },
  },
};

const browser = useBrowser();

async function shopperPage(viewport: { width: number; height: number }, url: string) {
  const context = await browser().newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(url);
  return { page, problems, close: () => context.close() };
}

const showing = (page: Page, state: string) =>
  page.locator(`#state-card[data-state="${state}"]`).waitFor(WAIT);
const focused = (page: Page) =>
  page.locator(':focus').evaluate((el) => `${el.tagName}:${el.textContent?.trim()}`);

/** A shopper through the API: joins, and once admitted may hold and pay. */
async function apiShopper(api: Api, dropId: string) {
  const { token } = await api.guest();
  const me = async () => (await api.get(`/api/drops/${dropId}/queue/me`, { token })).body as QueueMeJson;
  return {
    me,
    join: async () => expect((await api.post(`/api/drops/${dropId}/queue`, { token })).status).toBe(201),
    leave: async () =>
      expect((await api.delete(`/api/drops/${dropId}/queue/me`, { token })).status).toBe(204),
    async holdAndPay(quantity: number, pay: () => Promise<void>): Promise<void> {
      const admission = await vi.waitFor(async () => {
        const state = await me();
        expect(state.admission).toBeDefined();
        return state.admission!.token;
      }, WAIT);
      const held = await api.post(`/api/drops/${dropId}/reservations`, {
        token,
        headers: { 'x-admission-token': admission },
        body: { quantity },
      });
      expect(held.status).toBe(201);
      await pay();
      const paid = await api.post(`/api/reservations/${held.body.id}/pay`, { token, body: PAYMENT });
      expect(paid.status).toBe(200);
    },
    async admitted(): Promise<void> {
      await vi.waitFor(async () => expect((await me()).status).toBe('admitted'), WAIT);
    },
  };
}

describe('the waiting room', () => {
  for (const { name, viewport } of WIDTHS) {
    test(`${name}: a push moves the figures quietly; a pause with its message is shown and spoken`, async ({
      api,
      dropline,
      config,
    }) => {
      const server = await dropline.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${server.port}`;
      const { drop } = await api.openDrop({ stock: 5, maxActive: 1, admissionPerMinute: 600 });
      // The one active place is taken and two wait ahead: the page's shopper is third.
      const first = await apiShopper(api, drop.id);
      await first.join();
      await first.admitted();
      const ahead = [await apiShopper(api, drop.id), await apiShopper(api, drop.id)];
      for (const a of ahead) await a.join();
      const shopper = await shopperPage(viewport, `${base}/#/drops/${drop.id}`);
      const { page } = shopper;
      await page.getByRole('button', { name: 'Continue as guest' }).click();
      await page.getByRole('button', { name: 'Join the queue' }).click();
      await showing(page, 'waiting');
      expect(await page.locator('#stat-position').textContent()).toBe('3rd');
      const progress = () => page.locator('[role="progressbar"]').getAttribute('aria-valuenow');
      expect(await progress()).toBe('0');

      // The admitted one leaves: the next is let in, and the page's shopper is half way to the front.
      await first.leave();
      await expect.poll(() => page.locator('#stat-position').textContent(), WAIT).toBe('2nd');
      expect(await progress()).toBe('50');
      // The way come is kept across a reload.
      await page.reload();
      await showing(page, 'waiting');
      await expect.poll(progress, WAIT).toBe('50');

      // Someone joins behind: the count moves in place, the focus stays, nothing is spoken.
      await page.getByRole('button', { name: 'Leave the line' }).focus();
      const spoken = await page.locator('#announcer').textContent();
      await (await apiShopper(api, drop.id)).join();
      await expect.poll(() => page.locator('#stat-in-line').textContent(), WAIT).toBe('3');
      expect(await focused(page)).toBe('BUTTON:Leave the line');
      expect(await page.locator('#announcer').textContent()).toBe(spoken);

      // The organiser pauses, with a word for those waiting, from the console.
      const operator = await browser().newPage({ viewport });
      await operator.goto(`${base}/operator?drop=${drop.id}`);
      await operator.getByLabel('Email').fill(config.operator!.email);
      await operator.getByLabel('Password').fill(config.operator!.password);
      await operator.getByRole('button', { name: 'Sign in' }).click();
      await operator.getByLabel('Message to waiting shoppers while paused (optional)').fill('Back at 16:00');
      await operator.getByRole('button', { name: 'Pause admission' }).click();
      await operator.getByText('Admission is paused').waitFor(WAIT);

      await showing(page, 'paused');
      expect(await page.locator('#pause-message').textContent()).toBe('Back at 16:00');
      expect(await page.locator('#announcer').textContent()).toBe('The line is paused');
      // Focus was in the card it replaced: it moves to the new card's heading, not to the top of the page.
      expect(await focused(page)).toBe('H2:The line is paused');
      expect(shopper.problems).toEqual([]);
      await operator.close();
      await shopper.close();
    });

    test(`${name}: a visitor's page moves to open at the opening time, without a reload`, async ({
      api,
      dropline,
    }) => {
      const server = await dropline.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${server.port}`;
      const { drop } = await api.openDrop(
        { opensAt: new Date(Date.now() + 8000).toISOString() },
        { open: false },
      );
      const visitor = await shopperPage(viewport, `${base}/#/drops/${drop.id}`);
      const { page } = visitor;
      await page.locator('.badge.scheduled').waitFor(WAIT);
      await page.evaluate(() => ((globalThis as unknown as { stayed: boolean }).stayed = true));
      await page.locator('.badge.open').waitFor(WAIT);
      expect(await page.evaluate(() => (globalThis as unknown as { stayed?: boolean }).stayed)).toBe(true);
      await page.locator('#state-card[data-state="signed_out"]').waitFor(WAIT);
      expect(visitor.problems).toEqual([]);
      await visitor.close();
    });

    test(`${name}: selling out for good while 20 shoppers wait tells every one of them`, async ({
      api,
      dropline,
    }) => {
      const server = await dropline.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${server.port}`;
      const { drop } = await api.openDrop({
        stock: 2,
        perUserLimit: 2,
        maxActive: 1,
        admissionPerMinute: 600,
      });
      const buyer = await apiShopper(api, drop.id);
      await buyer.join();
      const waiting = await Promise.all(Array.from({ length: 19 }, () => apiShopper(api, drop.id)));
      const shopper = await shopperPage(viewport, `${base}/#/drops/${drop.id}`);
      const { page } = shopper;

      await buyer.holdAndPay(2, async () => {
        // Every unit held: the line stays, and the page says how many may come back, and by when.
        for (const w of waiting) await w.join();
        await page.getByRole('button', { name: 'Continue as guest' }).click();
        await page.getByRole('button', { name: 'Join the queue' }).click();
        await showing(page, 'sold_out_for_now');
        await expect
          .poll(() => page.locator('#returning').textContent(), WAIT)
          .toMatch(/^2 units are held by shoppers paying now; any not paid come back by \d\d:\d\d/);
      });

      await showing(page, 'sold_out_for_good');
      expect(await page.locator('#state-title').textContent()).toBe('All 2 sold');
      expect(await page.locator('#announcer').textContent()).toBe('All 2 sold');
      for (const w of waiting) expect((await w.me()).status).toBe('all_sold');
      expect(
        (await api.post(`/api/drops/${drop.id}/queue`, { token: (await api.guest()).token })).status,
      ).toBe(409);
      expect(shopper.problems).toEqual([]);
      await shopper.close();
    });
  }
});
