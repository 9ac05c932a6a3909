/**
 * The pages, built by Vite into web/dist: the shopper's at `/`, the brand's at `/brand`, the operator's at
 * `/operator`, their assets under `/assets/` (content-hashed, so cached for a year).
 */
import { existsSync } from 'node:fs';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { EdgeEnv } from '../context.js';

const PAGES = { '/': 'index.html', '/brand': 'brand.html', '/operator': 'operator.html' } as const;

/**
 * The pages' Content-Security-Policy: scripts, styles, workers and connections from our own origin only (the
 * socket's ws:// or wss:// included), no inline script or style (`unsafe-inline` never), no plugins, no framing.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  workerSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export function registerWeb(app: Hono<EdgeEnv>, { root }: { root: string }) {
  const headers = secureHeaders({
    crossOriginEmbedderPolicy: false,
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
  });
  app.use('/assets/*', headers, async (c, next) => {
    await next();
    if (c.res.ok) c.header('Cache-Control', 'public, max-age=31536000, immutable');
  });
  app.get('/assets/*', serveStatic({ root }));
  for (const [path, file] of Object.entries(PAGES)) {
    app.get(path, headers, async (c, next) => {
      if (!existsSync(`${root}/${file}`)) {
        return c.html(
          '<!doctype html><title>Dropline</title><p>The pages are not built: run <code>npm run build:web</code>.</p>',
          503,
        );
      }
      c.header('Cache-Control', 'no-cache');
      return serveStatic({ root, path: file })(c, next);
    });
  }
}
