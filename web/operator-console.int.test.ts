/**
 * The operator console in a real browser, at desktop and phone widths: it opens on the overview of live and
 * upcoming drops; a drop's console shows its audit log with the person's email, the time to the second with its
 * zone and values as values; pausing shows a warning, not a success. Nothing scrolls sideways; axe finds nothing
 * serious.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { accessibilityViolations, recordPageProblems, useBrowser, WIDTHS } from './browser-testing.js';
import { test } from '../infra/testing/index.js';

const WAIT = { timeout: 10_000 };
const SHOTS = fileURLToPath(new URL('../test-artifacts/screenshots/', import.meta.url));
const browser = useBrowser();
mkdirSync(SHOTS, { recursive: true });

/** The page is no wider than its window: wide tables scroll inside their own boxes. */
const overflow = (page: Page) =>
  page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

describe('the operator console', () => {
  test('overview, audit with people and exact times, a paused line as a warning, at both widths', async ({
    api,
    config,
    dropline,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const { operator, drop } = await api.openDrop({ title: 'Console Lamp', stock: 12, priceCents: 8_900 });
    // An audited change from nothing to words: shown as "— → Back soon", never as JSON.
    const put = await api.put(`/api/admin/drops/${drop.id}/admission`, {
      token: operator.token,
      body: { pauseMessage: 'Back soon' },
    });
    expect(put.status).toBe(200);

    let signedIn: Awaited<ReturnType<BrowserContext['storageState']>> | undefined;
    for (const { name, viewport } of WIDTHS) {
      const context = await browser().newContext({
        viewport,
        locale: 'en-GB',
        timezoneId: 'UTC',
        ...(signedIn ? { storageState: signedIn } : {}),
      });
      const page = await context.newPage();
      const problems = recordPageProblems(page);
      await page.goto(`${base}/operator`);
      if (!signedIn) {
        await page.getByLabel('Email').fill(config.operator!.email);
        await page.getByLabel('Password').fill(config.operator!.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
      }

      // The console opens on the overview: the drop is there, with its figures.
      const overview = page.getByRole('region', { name: 'Live and upcoming drops' });
      const link = overview.getByRole('link', { name: 'Console Lamp' });
      await link.waitFor(WAIT);
      const row = overview.getByRole('row').filter({ has: page.getByRole('link', { name: 'Console Lamp' }) });
      await expect
        .poll(() => row.getByRole('cell').allTextContents(), WAIT)
        .toEqual([
          'Console Lamp',
          name === 'desktop' ? 'open' : 'openpaused',
          expect.stringMatching(/\d{4}, \d\d:\d\d UTC$/),
          '0',
          '0',
          '12',
          '0',
          '0',
          'US$0.00',
        ]);
      // The people of Dropline are managed below the overview.
      await page.getByRole('region', { name: 'People' }).waitFor(WAIT);
      expect({ name, overflow: await overflow(page) }).toEqual({ name, overflow: 0 });
      expect({ name, violations: await accessibilityViolations(page) }).toEqual({ name, violations: [] });
      await page.screenshot({ path: `${SHOTS}operator-overview-${name}.png`, fullPage: true });

      // A drop's name opens its console, whose address names the drop.
      await link.click();
      await page.getByRole('heading', { name: 'Admission', exact: true }).waitFor(WAIT);
      expect(new URL(page.url()).searchParams.get('drop')).toBe(drop.id);
      expect(await page.locator('#orders-csv').getAttribute('href')).toBe(`/api/drops/${drop.id}/orders.csv`);

      const audit = page.getByRole('region', { name: 'Audit log' });
      const change = audit.getByRole('row').filter({ hasText: 'pauseMessage' });
      await change.waitFor(WAIT);
      const [at, who, what] = await change.getByRole('cell').allTextContents();
      expect(at).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d:\d\d UTC$/);
      expect(who).toBe(config.operator!.email);
      expect(what).toBe('pauseMessage: — → Back soon');

      const status = page.locator('#admission-status .alert');
      if (name === 'desktop') {
        // Pausing is a warning (in words, not only amber), not a success.
        await page.getByRole('button', { name: 'Pause admission' }).click();
        await audit.getByRole('cell', { name: 'paused: no → yes' }).waitFor(WAIT);
      }
      // Paused, the console says so as a warning whenever the drop is shown.
      await status.waitFor(WAIT);
      expect(await status.getAttribute('class')).toBe('alert warn');
      expect(await status.textContent()).toMatch(/^⚠ Warning: Admission is paused/);

      expect({ name, overflow: await overflow(page) }).toEqual({ name, overflow: 0 });
      expect({ name, violations: await accessibilityViolations(page) }).toEqual({ name, violations: [] });
      await page.screenshot({ path: `${SHOTS}operator-drop-${name}.png`, fullPage: true });

      // Back to the overview, which shows the pause.
      await page.getByRole('link', { name: '← All live and upcoming drops' }).click();
      await overview.getByText('paused').waitFor(WAIT);
      expect(new URL(page.url()).search).toBe('');

      signedIn = await context.storageState();
      expect({ name, problems }).toEqual({ name, problems: [] });
      await context.close();
    }
  }, 60_000);
});
