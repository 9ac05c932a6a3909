/**
 * The operator console's people section in a real browser: the operator creates a brand user with a new brand and
 * another joining it (found by name), finds them, disables one after a dialog (its session ends at once), sets the
 * other's password and reads the audit. At desktop and phone widths nothing scrolls sideways and axe finds nothing
 * serious.
 */
import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { accessibilityViolations, recordPageProblems, useBrowser, WIDTHS } from './browser-testing.js';
import { test } from '../infra/testing/index.js';

const WAIT = { timeout: 10_000 };
const browser = useBrowser();

const overflow = (page: Page) =>
  page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

describe('the operator manages people', () => {
  test('create (new and existing brand), find, disable after a dialog, new password, audit, at both widths', async ({
    api,
    config,
    dropline,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const tag = randomUUID().slice(0, 8);
    const founder = `founder-${tag}@example.com`;
    const joiner = `joiner-${tag}@example.com`;
    const brandName = `Atelier ${tag}`;

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
      const people = page.getByRole('region', { name: 'People' });
      await people.getByRole('heading', { name: 'People' }).waitFor(WAIT);

      if (!signedIn) {
        // A brand user with a new brand.
        await people.getByLabel('Email', { exact: true }).fill(founder);
        await people.getByLabel('Password (at least 8 characters)').fill('founder password 1');
        await people.getByLabel('Role').first().selectOption('brand');
        await people.getByLabel('New brand’s name').fill(brandName);
        await people.getByRole('button', { name: 'Create user' }).click();
        await people.getByText(`Created ${founder}.`).waitFor(WAIT);

        // Another joins it, found by name; a refusal shows at its field first.
        await people.getByLabel('Email', { exact: true }).fill(joiner);
        await people.getByLabel('Password (at least 8 characters)').fill('short');
        await people.getByLabel('Role').first().selectOption('brand');
        await people.getByLabel('The brand').selectOption('existing');
        await people.getByLabel('Find a brand by name').fill(tag);
        await expect
          .poll(() => people.locator('select[name="brandId"] option').allTextContents(), WAIT)
          .toEqual([brandName]);
        await people.getByRole('button', { name: 'Create user' }).click();
        await people.getByText('must be at least 8 characters').waitFor(WAIT);
        await people.getByLabel('Password (at least 8 characters)').fill('joiner password 1');
        await people.getByRole('button', { name: 'Create user' }).click();
        await people.getByText(`Created ${joiner}.`).waitFor(WAIT);
        const session = await api.post('/api/auth/login', {
          body: { email: founder, password: 'founder password 1' },
        });
        const joined = await api.post('/api/auth/login', {
          body: { email: joiner, password: 'joiner password 1' },
        });
        expect(joined.body.user.brandId).toBe(session.body.user.brandId);

        // Found by a part of the email.
        await people.getByLabel('Email contains').fill(tag.toUpperCase());
        await people.getByRole('button', { name: 'Find' }).click();
        const users = people.getByRole('region', { name: 'Users' });
        await expect.poll(() => users.getByRole('row').count(), WAIT).toBe(3);

        // Disabling asks first; cancelling changes nothing, confirming ends the session at once.
        await people.getByRole('button', { name: `Disable ${founder}` }).click();
        const dialog = page.getByRole('dialog', { name: `Disable ${founder}?` });
        await dialog.waitFor(WAIT);
        expect(await accessibilityViolations(page)).toEqual([]);
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        expect((await api.get('/api/auth/me', { token: session.body.token })).status).toBe(200);
        await people.getByRole('button', { name: `Disable ${founder}` }).click();
        await dialog.getByRole('button', { name: 'Disable' }).click();
        await people.getByText(`${founder} is disabled.`).waitFor(WAIT);
        await people.getByRole('button', { name: `Enable ${founder}` }).waitFor(WAIT);
        expect((await api.get('/api/auth/me', { token: session.body.token })).status).toBe(401);

        // A new password for the other.
        await people.getByRole('button', { name: `New password for ${joiner}` }).click();
        await people.getByLabel('New password (at least 8 characters)').fill('joiner password 2');
        await people.getByRole('button', { name: 'Set the password' }).click();
        await people.getByText(`${joiner} has a new password`).waitFor(WAIT);
        expect((await api.get('/api/auth/me', { token: joined.body.token })).status).toBe(401);
        const again = await api.post('/api/auth/login', {
          body: { email: joiner, password: 'joiner password 2' },
        });
        expect(again.status).toBe(200);
        signedIn = await context.storageState();
      }

      // The audit of the disabled user, with the operator's email.
      await people.getByLabel('Email contains').fill(tag);
      await people.getByRole('button', { name: 'Find' }).click();
      await people.getByRole('button', { name: `Changes to ${founder}` }).click();
      const audit = people.getByRole('region', { name: `Changes to ${founder}` });
      await audit.getByRole('cell', { name: 'disabled: no → yes' }).waitFor(WAIT);
      await audit.getByRole('cell', { name: config.operator!.email }).first().waitFor(WAIT);

      expect({ name, overflow: await overflow(page) }).toEqual({ name, overflow: 0 });
      expect({ name, violations: await accessibilityViolations(page) }).toEqual({ name, violations: [] });
      expect(problems).toEqual([]);
      await context.close();
    }
  }, 120_000);
});
