/**
 * The shopper's drop page is in one state at a time, in a real browser (Debian's Chromium driven by playwright-core):
 * a walk through every state of web/src/shopper/shopper-state.ts — signed out, not in line, pre-queue, left, paused,
 * waiting, sold out for now, admitted, holding, paid, sold out for good, expired, closed, cancelled — driven as
 * shoppers, brands and operators drive them, at desktop and phone widths. At each step the page shows that state's
 * card and nothing of any other state's: each state's heading and message, collected on the way, is absent from
 * every other step's screen, and axe finds nothing serious or critical on it (WCAG 2 A and AA). Photographed into
 * test-artifacts/screenshots/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { accessibilityViolations, useBrowser, WIDTHS } from './browser-testing.js';
import { test, type Api } from '../infra/testing/index.js';
import type { QueueMeJson, ReservationJson } from './index.js';
import { SHOPPER_STATES, type ShopperState } from './src/shopper/shopper-state.js';

const SHOTS = fileURLToPath(new URL('../test-artifacts/screenshots/', import.meta.url));
const WAIT = { timeout: 15_000 };
const CARD = {
  number: '4242424242424242',
  expMonth: 12,
  expYear: new Date().getFullYear() + 3,
  cvc: '123',
};
const BUYER = {
  name: 'Ada Lindqvist',
  email: 'ada@example.com',
  address: { line1: 'Storgata 1', city: 'Oslo', postalCode: '0155', country: 'NO' },
};

const browser = useBrowser();
mkdirSync(SHOTS, { recursive: true });

interface Seen {
  state: ShopperState;
  /** The state card's heading and first paragraph. */
  words: string[];
  /** Everything on screen at that step. */
  screen: string;
}

/** Waits for the page to show `state`, and records what it shows. */
async function expectState(page: Page, state: ShopperState, seen: Seen[], shot: string): Promise<void> {
  await page
    .locator(`#state-card[data-state="${state}"]`)
    .waitFor(WAIT)
    .catch(async (error: unknown) => {
      const shown = await page
        .locator('#state-card')
        .getAttribute('data-state')
        .catch(() => null);
      throw new Error(
        `waiting for ${state}, the page shows ${shown}: ${await page.locator('main').innerText()}`,
        {
          cause: error,
        },
      );
    });
  const words = await page
    .locator('#state-card')
    .evaluate((card) =>
      [card.querySelector('h2'), card.querySelector('p')].map((el) => el?.textContent?.trim() ?? ''),
    );
  const screen = await page.locator('main').innerText();
  seen.push({ state, words: words.filter((w) => w.length > 0), screen });
  expect(await accessibilityViolations(page), `axe on the ${state} screen`).toEqual([]);
  await page.screenshot({ path: `${SHOTS}state-${shot}.png`, fullPage: true });
}

/** The page's own session (its cookie) asking the API, as the page's scripts would. */
const fromPage = <T>(page: Page, path: string, init: { method?: string; body?: unknown } = {}) =>
  page.evaluate(
    async ({ path, init }) => {
      const res = await fetch(path, {
        method: init.method ?? 'GET',
        headers: { 'content-type': 'application/json' },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      return await res.json();
    },
    { path, init },
  ) as Promise<T>;

async function createDrop(
  api: Api,
  brand: { token: string },
  body: Record<string, unknown>,
): Promise<string> {
  const created = await api.post('/api/drops', {
    token: brand.token,
    body: {
      title: 'Trail Chair',
      sku: 'TC-1',
      priceCents: 12_000,
      currency: 'EUR',
      stock: 1,
      perUserLimit: 1,
      holdSeconds: 600,
      admissionPerMinute: 600,
      opensAt: new Date(Date.now() + 3600_000).toISOString(),
      ...body,
    },
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

/** Another shopper, through the API: joins, and once admitted holds the drop's one unit. */
async function otherShopper(api: Api, dropId: string) {
  const { token } = await api.guest();
  return {
    join: () => api.post(`/api/drops/${dropId}/queue`, { token }),
    async hold(): Promise<string> {
      let admission: string | undefined;
      await expect
        .poll(async () => {
          const me = (await api.get(`/api/drops/${dropId}/queue/me`, { token })).body as QueueMeJson;
          admission = me.admission?.token;
          return admission !== undefined;
        }, WAIT)
        .toBe(true);
      const held = await api.post(`/api/drops/${dropId}/reservations`, {
        token,
        headers: { 'x-admission-token': admission! },
        body: { quantity: 1 },
      });
      expect(held.status).toBe(201);
      return held.body.id as string;
    },
    release: (id: string) => api.delete(`/api/reservations/${id}`, { token }),
  };
}

describe('the shopper’s drop page', () => {
  for (const { name, viewport } of WIDTHS) {
    test(
      `${name}: shows one state at a time, every state in turn`,
      { timeout: 120_000 },
      async ({ api, dropline }) => {
        const server = await dropline.listen(0, '127.0.0.1');
        const base = `http://127.0.0.1:${server.port}`;
        const operator = await api.operator();
        const brand = await api.brand(operator.token, 'Fjell × Nord');
        const seen: Seen[] = [];
        const page = await (await browser().newContext({ viewport })).newPage();
        const problems: string[] = [];
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        const step = (state: ShopperState) => expectState(page, state, seen, `${name}-${state}`);

        // One unit, one shopper admitted at a time.
        const dropId = await createDrop(api, brand, { maxActive: 1 });
        await page.goto(`${base}/#/drops/${dropId}`);
        await step('signed_out');
        await page.getByRole('button', { name: 'Continue as guest' }).click();
        await step('none');
        await page.getByRole('button', { name: 'Join the queue' }).click();
        await step('prequeue');
        await page.getByRole('button', { name: 'Leave the line' }).click();
        await step('left');

        // Opened paused, with another shopper first in line.
        const admission = `/api/admin/drops/${dropId}/admission`;
        expect((await api.put(admission, { token: operator.token, body: { paused: true } })).status).toBe(
          200,
        );
        expect((await api.post(`/api/drops/${dropId}/open`, { token: brand.token })).status).toBe(200);
        const other = await otherShopper(api, dropId);
        expect((await other.join()).status).toBe(201);
        await page.getByRole('button', { name: 'Join again at the back' }).click();
        await step('paused');
        expect((await api.put(admission, { token: operator.token, body: { paused: false } })).status).toBe(
          200,
        );
        await step('waiting');
        const held = await other.hold();
        await step('sold_out_for_now');
        await other.release(held);
        await step('admitted');
        await page.getByRole('button', { name: 'Reserve', exact: true }).click();
        await step('holding');
        const hold = (await fromPage<QueueMeJson>(page, `/api/drops/${dropId}/queue/me`)).hold!;
        await fromPage(page, `/api/reservations/${hold.reservationId}/pay`, {
          method: 'POST',
          body: { card: CARD, buyer: BUYER },
        });
        await step('paid');
        // Every unit sold: a visitor finds the line closed for good.
        const visitor = await (await browser().newContext({ viewport })).newPage();
        await visitor.goto(`${base}/#/drops/${dropId}`);
        await expectState(visitor, 'sold_out_for_good', seen, `${name}-sold_out_for_good`);

        // A hold that runs out, then the drop closing.
        const short = await createDrop(api, brand, { stock: 5, holdSeconds: 2 });
        expect((await api.post(`/api/drops/${short}/open`, { token: brand.token })).status).toBe(200);
        await page.goto(`${base}/#/drops/${short}`);
        await page.getByRole('button', { name: 'Join the queue' }).click();
        await page.getByRole('button', { name: 'Reserve', exact: true }).click();
        await page.locator('#state-card[data-state="holding"]').waitFor(WAIT);
        await step('expired');
        expect((await api.post(`/api/drops/${short}/close`, { token: brand.token })).status).toBe(200);
        await step('closed');

        const cancelled = await createDrop(api, brand, {});
        expect((await api.post(`/api/drops/${cancelled}/cancel`, { token: brand.token })).status).toBe(200);
        await page.goto(`${base}/#/drops/${cancelled}`);
        await step('cancelled');

        expect(seen.map((s) => s.state).sort()).toEqual([...SHOPPER_STATES].sort());
        for (const at of seen)
          for (const other of seen.filter((s) => s.state !== at.state))
            for (const words of other.words)
              expect(at.screen, `${other.state}'s "${words}" on the ${at.state} screen`).not.toContain(words);
        expect(problems).toEqual([]);
        const mine = await fromPage<{ reservations: ReservationJson[] }>(page, '/api/reservations');
        expect(mine.reservations.map((r) => r.status).sort()).toEqual(['expired', 'paid']);
      },
    );
  }
});
