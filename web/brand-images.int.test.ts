/**
 * The brand's images section in a real browser (Chromium), at a desktop width and at 390 px: the module is bundled
 * with the pages' styles and mounted on a page of the edge's own origin, signed in by the session cookie as the drop's
 * lead brand. The brand uploads an image with its alt text (a multipart form the cross-site check lets through from
 * our own page), is told plainly when a file is not an image, makes another image the lead, edits an alt text and
 * removes an image; nothing scrolls sideways and axe finds no serious WCAG 2 A/AA violation.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect } from 'vitest';
import { SESSION_COOKIE } from '../edge/index.js';
import { countOf, test, testImages } from '../infra/testing/index.js';
import { accessibilityViolations, scrollsSideways, useBrowser, WIDTHS } from './browser-testing.js';

const WAIT = { timeout: 15_000 };
const browser = useBrowser();
const bundle = { js: '', css: '' };

beforeAll(async () => {
  const out = await build({
    stdin: {
      contents: "import './styles.css';\nexport { imagesSection } from './brand-images.ts';\n",
      resolveDir: fileURLToPath(new URL('./src/', import.meta.url)),
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'imagesModule',
    outdir: 'bundle',
    logLevel: 'silent',
  });
  for (const file of out.outputFiles) {
    if (file.path.endsWith('.js')) bundle.js = file.text;
    if (file.path.endsWith('.css')) bundle.css = file.text;
  }
});

/** A page of the edge's origin holding only the drop's images section. */
async function sectionPage(
  base: string,
  token: string,
  dropId: string,
  viewport: { width: number; height: number },
) {
  const context = await browser().newContext({ viewport, locale: 'en-US' });
  context.setDefaultTimeout(WAIT.timeout);
  await context.addCookies([{ name: SESSION_COOKIE, value: token, url: base }]);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.route(`${base}/images-section`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body:
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Images</title>' +
        '<meta name="viewport" content="width=device-width, initial-scale=1">' +
        `<style>${bundle.css}</style></head><body><main class="page"></main></body></html>`,
    }),
  );
  await page.goto(`${base}/images-section`);
  await page.evaluate(bundle.js);
  await page.evaluate(`fetch('/api/drops/${dropId}').then((r) => r.json()).then((drop) => {
    window.changes = 0;
    document.querySelector('main').append(imagesModule.imagesSection(drop, () => (window.changes += 1)));
  })`);
  return { page, problems, close: () => context.close() };
}

async function chooseFile(page: Page, name: string, mimeType: string, bytes: Uint8Array, alt: string) {
  await page.getByLabel('Image file').setInputFiles({ name, mimeType, buffer: Buffer.from(bytes) });
  await page.getByLabel(/^Alt text \(what the image shows/).fill(alt);
  await page.getByRole('button', { name: 'Upload image' }).click();
}

describe('brand images section', () => {
  for (const { name, viewport } of WIDTHS) {
    test(`upload, a file refused, make lead, alt text, remove (${name})`, async ({ api, dropline }) => {
      const server = await dropline.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${server.port}`;
      const { brand, drop } = await api.openDrop({ title: 'Pictured Lamp' }, { open: false });
      const images = async () => (await api.get(`/api/drops/${drop.id}`)).body.images as { alt: string }[];
      const view = await sectionPage(base, brand.token, drop.id, viewport);
      try {
        const { page } = view;
        await page.getByRole('heading', { name: 'Images' }).waitFor();

        await chooseFile(page, 'lamp.png', 'image/png', testImages.png.bytes, 'The lamp, lit');
        await page.getByText('Image uploaded.').waitFor();
        await page.getByRole('img', { name: 'The lamp, lit' }).waitFor();

        // A text file named .png: refused, said plainly, nothing stored.
        await chooseFile(page, 'notes.png', 'image/png', new TextEncoder().encode('just notes'), 'Notes');
        await page.getByRole('alert').filter({ hasText: 'not a JPEG, PNG or WebP' }).waitFor();
        const stored = () =>
          countOf(dropline.sql`SELECT count(*)::int AS count FROM drop_images WHERE drop_id = ${drop.id}`);
        expect(await stored()).toBe(1);

        await chooseFile(page, 'back.jpg', 'image/jpeg', testImages.jpeg.bytes, 'The lamp from behind');
        await page.getByRole('img', { name: 'The lamp from behind' }).waitFor();
        await page.getByRole('button', { name: 'Make lead' }).click();
        await page.getByText('Lead image changed.').waitFor();
        expect((await images()).map((i) => i.alt)).toEqual(['The lamp from behind', 'The lamp, lit']);

        await page.getByLabel('Alt text (lead image)').fill('The lamp, back view');
        await page.getByRole('button', { name: 'Save alt text' }).first().click();
        await page.getByText('Alt text saved.').waitFor();
        expect((await images()).map((i) => i.alt)).toEqual(['The lamp, back view', 'The lamp, lit']);
        expect(await scrollsSideways(page)).toBe(false);
        expect(await accessibilityViolations(page)).toEqual([]);

        await page.getByRole('button', { name: 'Remove image 2' }).click();
        await page.getByText('Image removed.').waitFor();
        expect((await images()).map((i) => i.alt)).toEqual(['The lamp, back view']);
        expect(await page.evaluate<number>('window.changes')).toBe(5);
        expect(view.problems).toEqual([]);
      } finally {
        await view.close();
      }
    });
  }
});
