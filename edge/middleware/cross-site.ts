/**
 * Cross-site request refusal. A browser attaches the session cookie to requests that other sites make it send, so a
 * write authenticated by the cookie must show that it comes from our own pages: `Sec-Fetch-Site: same-origin`, or
 * an `Origin` equal to the public origin. A foreign `Origin` or any other `Sec-Fetch-Site` gets 403 `cross_site`.
 * A request with neither header comes from no browser (browsers send Origin on every POST, PUT, PATCH and DELETE),
 * so it has nothing to forge. The body must also be declared `application/json`, bodiless or not: a page of another
 * site can send that only after a CORS preflight, which the edge never grants. Bearer clients are not concerned: no
 * other site can make a browser send their header.
 *
 * An upload route (`multipart` below) takes `multipart/form-data`, which any page can send without a preflight. There
 * a cookie-signed write must prove that it comes from our own pages (`Sec-Fetch-Site: same-origin` or our `Origin`):
 * having neither header is not enough.
 */
import type { MiddlewareHandler } from 'hono';
import type { EdgeEnv } from '../context.js';
import { HttpProblem } from '../problems.js';
import { SESSION_COOKIE } from './session.js';

export interface CrossSiteOptions {
  /** The pages' origin; undefined (development, test) means the origin the request was addressed to. */
  publicOrigin: string | undefined;
  /** The routes (method and path) that take `multipart/form-data` from our own pages. */
  multipart?: (method: string, path: string) => boolean;
}

/** The request headers the check reads, as Fetch and Node both give them. */
export interface OriginHeaders {
  origin: string | undefined;
  secFetchSite: string | undefined;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The routes that set the session cookie: a forged sign-in would swap the victim's session for the attacker's. */
const COOKIE_SETTING = new Set(['/api/auth/guest', '/api/auth/login', '/api/auth/signup']);
const JSON_TYPE = /^application\/json\s*(;|$)/i;
const MULTIPART_TYPE = /^multipart\/form-data\s*;/i;

/**
 * Why a browser request is refused as cross-site, or undefined when it may go on. `ownOrigin` is the origin the
 * request was addressed to, used when no public origin is configured.
 */
export function crossSiteRefusal(
  { origin, secFetchSite }: OriginHeaders,
  publicOrigin: string | undefined,
  ownOrigin: string,
): string | undefined {
  const expected = publicOrigin ?? ownOrigin;
  if (secFetchSite?.toLowerCase() === 'same-origin' || (origin !== undefined && origin === expected)) {
    return undefined;
  }
  if (origin !== undefined) return `requests from ${origin.slice(0, 200)} may not use this session`;
  if (secFetchSite !== undefined) return `${secFetchSite.slice(0, 50)} requests may not use this session`;
  return undefined;
}

/** Whether a Cookie header carries the session cookie (valid or not: the check does not depend on its validity). */
export function hasSessionCookie(cookie: string | undefined): boolean {
  return cookie !== undefined && cookie.split(';').some((c) => c.trim().startsWith(`${SESSION_COOKIE}=`));
}

/** Whether the request shows that it comes from our own pages (not merely that it names no other site). */
function fromOwnPage({ origin, secFetchSite }: OriginHeaders, expected: string): boolean {
  return secFetchSite?.toLowerCase() === 'same-origin' || (origin !== undefined && origin === expected);
}

export function crossSite({ publicOrigin, multipart }: CrossSiteOptions): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    if (!WRITES.has(c.req.method) || c.req.header('authorization') !== undefined) return next();
    if (!COOKIE_SETTING.has(c.req.path) && !hasSessionCookie(c.req.header('cookie'))) return next();
    const headers = { origin: c.req.header('origin'), secFetchSite: c.req.header('sec-fetch-site') };
    const ownOrigin = new URL(c.req.url).origin;
    const refusal = crossSiteRefusal(headers, publicOrigin, ownOrigin);
    if (refusal) throw new HttpProblem('cross_site', refusal);
    const type = c.req.header('content-type') ?? '';
    if (
      multipart?.(c.req.method, c.req.path) &&
      MULTIPART_TYPE.test(type) &&
      fromOwnPage(headers, publicOrigin ?? ownOrigin)
    ) {
      return next();
    }
    if (!JSON_TYPE.test(type)) {
      throw new HttpProblem(
        'unsupported_media_type',
        'a request signed in by the session cookie must be sent as Content-Type: application/json',
      );
    }
    return next();
  };
}
