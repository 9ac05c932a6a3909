/**
 * The proof of work in a real browser (Chromium, headless): the operator asks a drop's joiners for one in the
 * console, and the shopper's join button solves it in a Web Worker, showing its progress, and joins.
 */
import { describe, expect } from 'vitest';
import { useBrowser } from './browser-testing.js';
import { test } from '../infra/testing/index.js';

const WAIT = { timeout: 15_000 };
const browser = useBrowser();

async function newPage() {
  const page = await (await browser().newContext()).newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (4\d\d)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return { page, problems };
}

describe('proof of work on the pages', () => {
  test('the operator sets a drop’s difficulty; the join button solves it with progress shown', async ({
    api,
    dropline,
    config,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const { drop } = await api.openDrop({ title: 'Work Lamp', admissionPerMinute: 1 });
    // Someone ahead, so the shopper waits (and stays waiting) once in line.
    await api.post(`/api/drops/${drop.id}/queue`, { token: (await api.guest()).token });

    const operator = await newPage();
    await operator.page.goto(`${base}/operator?drop=${drop.id}`);
    await operator.page.getByLabel('Email').fill(config.operator!.email);
    await operator.page.getByLabel('Password').fill(config.operator!.password);
    await operator.page.getByRole('button', { name: 'Sign in' }).click();
    await operator.page.getByRole('heading', { name: 'Suspected hoarding' }).waitFor(WAIT);
    await operator.page.getByLabel('Proof of work to join', { exact: false }).fill('14');
    await operator.page.getByRole('button', { name: 'Apply' }).click();
    await operator.page.getByText('joiners solve 14 bits of work').waitFor(WAIT);

    const shopper = await newPage();
    await shopper.page.goto(`${base}/#/drops/${drop.id}`);
    await shopper.page.getByRole('button', { name: 'Continue as guest' }).click();
    const join = shopper.page.getByRole('button', { name: 'Join the queue' });
    await join.waitFor(WAIT);
    // Records whether the progress bar was ever drawn: a solve at 14 bits may take less than a poll's interval.
    await shopper.page.evaluate(`
      const seen = document.createElement('meta');
      seen.id = 'progress-seen';
      new MutationObserver(() => {
        if (document.getElementById('join-progress')) document.head.append(seen);
      }).observe(document.body, { childList: true, subtree: true });
    `);
    await join.click();
    await shopper.page.locator('#stat-ahead').waitFor({ timeout: 60_000 });
    expect(await shopper.page.locator('#progress-seen').count()).toBe(1);
    const metrics = await api.get(`/api/admin/drops/${drop.id}/metrics`, {
      token: (await api.operator()).token,
    });
    expect(metrics.body.queueLength).toBe(2);
    expect([...operator.problems, ...shopper.problems]).toEqual([]);
  });
});
