/**
 * The brand's webhooks section in a real browser (Chromium), at a desktop width and at 390 px: the module is bundled
 * with the pages' styles and mounted on a page of the edge's own origin, signed in as a brand. The brand turns
 * webhooks on (a bad URL is refused at its field), sees its secret once and copies it, sees a delivery its receiver
 * refused (time to the second with its zone, attempts, last answer), fixes the receiver and sends it again; nothing
 * scrolls sideways and axe finds no serious WCAG 2 A/AA violation.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect } from 'vitest';
import { SESSION_COOKIE } from '../edge/index.js';
import { test } from '../infra/testing/index.js';
import { accessibilityViolations, scrollsSideways, useBrowser, WIDTHS } from './browser-testing.js';

const WAIT = { timeout: 15_000 };
const browser = useBrowser();
const bundle = { js: '', css: '' };

beforeAll(async () => {
  const out = await build({
    stdin: {
      contents: "import './styles.css';\nexport { webhooksSection } from './brand-webhooks.ts';\n",
      resolveDir: fileURLToPath(new URL('./src/', import.meta.url)),
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'webhooksModule',
    outdir: 'bundle',
    logLevel: 'silent',
  });
  for (const file of out.outputFiles) {
    if (file.path.endsWith('.js')) bundle.js = file.text;
    if (file.path.endsWith('.css')) bundle.css = file.text;
  }
});

/** A receiver that answers `status` (changed by the test). */
async function receiver() {
  let status = 500;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    answer(next: number) {
      status = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A page of the edge's origin holding only the section (bundled with the pages' styles). */
async function sectionPage(base: string, token: string, viewport: { width: number; height: number }) {
  const context = await browser().newContext({ viewport, locale: 'en-US', timezoneId: 'Europe/Berlin' });
  context.setDefaultTimeout(WAIT.timeout);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await context.addCookies([{ name: SESSION_COOKIE, value: token, url: base }]);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.route(`${base}/webhooks-section`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body:
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Webhooks</title>' +
        '<meta name="viewport" content="width=device-width, initial-scale=1">' +
        `<style>${bundle.css}</style></head><body><main class="page"></main></body></html>`,
    }),
  );
  await page.goto(`${base}/webhooks-section`);
  await page.evaluate(bundle.js);
  await page.evaluate(`document.querySelector('main').append(webhooksModule.webhooksSection())`);
  return { page, problems, close: () => context.close() };
}

describe('brand webhooks section', () => {
  for (const { name, viewport } of WIDTHS) {
    test(`turn on, secret once, a refused delivery sent again (${name})`, async ({ api, dropline }) => {
      const hook = await receiver();
      const server = await dropline.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${server.port}`;
      const { brand, drop } = await api.openDrop({ title: 'Section Lamp' }, { open: false });
      const view = await sectionPage(base, brand.token, viewport);
      try {
        const { page } = view;
        await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
        await page.getByText('Nothing sent yet.').waitFor();

        // A URL that is not https is refused at its field.
        await page.getByLabel('Endpoint URL').fill('ftp://files.example.com/hook');
        await page.getByRole('button', { name: 'Turn on webhooks' }).click();
        await expect
          .poll(() => page.getByLabel('Endpoint URL').getAttribute('aria-invalid'), WAIT)
          .toBe('true');
        await expect.poll(() => page.locator('#f-url-error').textContent(), WAIT).toContain('https');

        await page.getByLabel('Endpoint URL').fill(hook.url);
        await page.getByRole('button', { name: 'Turn on webhooks' }).click();
        const secret = (await page.locator('#webhook-secret').textContent()) ?? '';
        expect(secret).toMatch(/^whsec_/);
        await page.getByRole('button', { name: 'Copy secret' }).click();
        await page.getByText('Copied.').waitFor();
        expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);
        expect(await scrollsSideways(page)).toBe(false);

        // The drop opens; the receiver refuses the delivery (500).
        expect((await api.post(`/api/drops/${drop.id}/open`, { token: brand.token })).status).toBe(200);
        const row = page.locator('tbody tr').first();
        await expect
          .poll(async () => {
            await page.getByRole('button', { name: 'Refresh' }).click();
            return row.textContent();
          }, WAIT)
          .toContain('500');
        const cells = await row.locator('td').allTextContents();
        expect(cells[0]).toMatch(/\d{1,2}:\d{2}:\d{2}.*(GMT|CET|CEST)/);
        expect(cells.slice(1, 5)).toEqual(['drop.opened', 'pending', '1', '500']);
        expect(await scrollsSideways(page)).toBe(false);
        expect(await accessibilityViolations(page)).toEqual([]);

        hook.answer(200);
        await page.getByRole('button', { name: /^Send drop\.opened of .* again$/ }).click();
        await page.getByText('drop.opened is being sent again.').waitFor();
        await expect
          .poll(async () => {
            await page.getByRole('button', { name: 'Refresh' }).click();
            return row.locator('td').nth(2).textContent();
          }, WAIT)
          .toBe('delivered');
        expect(await row.locator('td').nth(4).textContent()).toBe('200');

        // Read again later, the secret is masked.
        await page.reload();
        await page.evaluate(bundle.js);
        await page.evaluate(`document.querySelector('main').append(webhooksModule.webhooksSection())`);
        await page.getByRole('button', { name: 'Save URL' }).waitFor();
        expect(await page.locator('code').first().textContent()).toBe(`whsec_…${secret.slice(-4)}`);
        expect(await page.content()).not.toContain(secret);
        expect(view.problems).toEqual([]);
      } finally {
        await view.close();
        await hook.close();
      }
    });
  }
});
