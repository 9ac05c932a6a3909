/**
 * Two tabs of one shopper (two browser contexts with its cookie, as a second device would be) never tell two
 * stories for longer than a push: joining, leaving, holding and giving back in either shows in the other, in a real
 * browser (Debian's Chromium driven by playwright-core), at desktop and phone widths.
 */
import type { Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { useBrowser, WIDTHS } from './browser-testing.js';
import { test } from '../infra/testing/index.js';
import type { ShopperState } from './src/shopper/shopper-state.js';

/** A push arrives within this (the socket is up, nothing is polled). */
const PUSH = { timeout: 5_000 };

const browser = useBrowser();

const showing = (page: Page, state: ShopperState) =>
  page.locator(`#state-card[data-state="${state}"]`).waitFor(PUSH);
const both = (pages: Page[], state: ShopperState) => Promise.all(pages.map((p) => showing(p, state)));

describe('two tabs of one shopper', () => {
  for (const { name, viewport } of WIDTHS) {
    test(
      `${name}: what one tab does, the other shows within a push`,
      { timeout: 90_000 },
      async ({ api, dropline }) => {
        const server = await dropline.listen(0, '127.0.0.1');
        const base = `http://127.0.0.1:${server.port}`;
        const { drop } = await api.openDrop({
          stock: 5,
          perUserLimit: 2,
          admissionPerMinute: 600,
          holdSeconds: 600,
        });
        const first = await browser().newContext({ viewport });
        const one = await first.newPage();
        await one.goto(`${base}/#/drops/${drop.id}`);
        await one.getByRole('button', { name: 'Continue as guest' }).click();
        await showing(one, 'none');
        // The same shopper on a second device: its session cookie, another browser context.
        const second = await browser().newContext({ viewport, storageState: await first.storageState() });
        const two = await second.newPage();
        await two.goto(`${base}/#/drops/${drop.id}`);
        await showing(two, 'none');
        const problems: string[] = [];
        for (const page of [one, two]) page.on('pageerror', (error) => problems.push(error.message));

        await one.getByRole('button', { name: 'Join the queue' }).click();
        await both([one, two], 'admitted');
        await two.getByRole('button', { name: 'Reserve', exact: true }).click();
        await both([one, two], 'holding');

        // Given back from the first tab, after saying so: both are back to the turn.
        one.once('dialog', (dialog) => void dialog.accept());
        await one.getByRole('button', { name: 'Give it back' }).click();
        await both([one, two], 'admitted');

        // Held again, and given back from the second: a dismissed confirmation keeps the hold.
        await one.getByRole('button', { name: 'Reserve', exact: true }).click();
        await both([one, two], 'holding');
        two.once('dialog', (dialog) => void dialog.dismiss());
        await two.getByRole('button', { name: 'Give it back' }).click();
        const hold = await two.evaluate(
          async (path) => ((await (await fetch(path)).json()) as { hold: unknown }).hold,
          `/api/drops/${drop.id}/queue/me`,
        );
        expect(hold).not.toBeNull();
        await both([one, two], 'holding');
        two.once('dialog', (dialog) => void dialog.accept());
        await two.getByRole('button', { name: 'Give it back' }).click();
        await both([one, two], 'admitted');

        expect(problems).toEqual([]);
        await Promise.all([first.close(), second.close()]);
      },
    );
  }
});
