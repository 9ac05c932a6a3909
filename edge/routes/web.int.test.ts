/**
 * The pages' security headers: a Content-Security-Policy with no `unsafe-inline` on every page, `nosniff` on pages,
 * assets and API answers; and the built pages carry no inline script or style for the policy to refuse.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { test } from '../../infra/testing/index.js';

const DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

describe('security headers', () => {
  test('every page has a CSP of our own origin, no unsafe-inline; every answer is nosniff', async ({
    api,
  }) => {
    for (const page of ['/', '/brand', '/operator']) {
      const r = await api.get(page);
      expect(r.status).toBe(200);
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const asset = readdirSync(`${DIST}assets`).find((f) => f.endsWith('.js'))!;
    expect((await api.get(`/assets/${asset}`)).headers.get('x-content-type-options')).toBe('nosniff');
    for (const path of ['/api/drops', '/api/auth/me', '/api/nowhere', '/healthz']) {
      expect((await api.get(path)).headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });

  test('the built pages load scripts and styles from files only: nothing inline', () => {
    for (const file of readdirSync(DIST).filter((f) => f.endsWith('.html'))) {
      const html = readFileSync(`${DIST}${file}`, 'utf8');
      for (const script of html.match(/<script\b[^>]*>/g) ?? []) expect(script, file).toMatch(/\bsrc=/);
      expect(html, file).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    }
  });
});
