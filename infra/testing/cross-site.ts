/**
 * Cross-site request tests: a write signed by the session cookie, sent as another site's page would make a browser
 * send it, must be refused and change nothing; the same write with a Bearer token still works.
 */
import { expect } from 'vitest';
import type { Api, ApiResponse } from './api.js';
import { expectProblem } from './problems.js';

export const FOREIGN_ORIGIN = 'https://evil.example';

export interface Write {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What browsers send from another site: fetch metadata and Origin together, or either alone (older browsers). */
const FOREIGN_HEADERS: Record<string, string>[] = [
  { origin: FOREIGN_ORIGIN, 'sec-fetch-site': 'cross-site' },
  { origin: FOREIGN_ORIGIN },
  { 'sec-fetch-site': 'cross-site' },
  { origin: 'null', 'sec-fetch-site': 'cross-site' },
  { origin: 'https://shop.evil.example', 'sec-fetch-site': 'same-site' },
];

/** Types a page may send without a CORS preflight: a form, or a `no-cors` fetch. */
const SIMPLE_TYPES = ['text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data'];

const cookieOf = (token: string | undefined): Record<string, string> =>
  token ? { cookie: `dropline_session=${token}` } : {};

/**
 * Sends `write` with the cookie of `cookieToken` (none for the sign-in routes' attack) from another site, then from
 * our own origin with a content type a form can send: 403 `cross_site`, then 415, no cookie set, and `unchanged`
 * holds after each attempt.
 */
export async function expectRefusedAcrossSites(
  api: Api,
  write: Write,
  cookieToken: string | undefined,
  unchanged: () => Promise<void>,
): Promise<void> {
  const send = (headers: Record<string, string>) =>
    api.call(write.method, write.path, {
      ...(write.body === undefined ? {} : { body: write.body }),
      headers: { ...write.headers, ...cookieOf(cookieToken), ...headers },
    });
  const refused = async (r: ApiResponse, status: number, code: string) => {
    expectProblem(r, status, code);
    expect(r.headers.get('set-cookie')).toBeNull();
    await unchanged();
  };
  for (const headers of FOREIGN_HEADERS) await refused(await send(headers), 403, 'cross_site');
  for (const type of SIMPLE_TYPES) {
    await refused(
      await send({ 'sec-fetch-site': 'same-origin', 'content-type': type }),
      415,
      'unsupported_media_type',
    );
  }
}

/** The same write with a Bearer token, from another site's origin even: it works as it did. */
export function sendWithToken(api: Api, write: Write, token: string): Promise<ApiResponse> {
  return api.call(write.method, write.path, {
    token,
    ...(write.body === undefined ? {} : { body: write.body }),
    headers: { ...write.headers, origin: FOREIGN_ORIGIN, 'sec-fetch-site': 'cross-site' },
  });
}

/** The same write from our own page (fetch metadata `same-origin`, JSON): it works. */
export function sendFromOwnPage(api: Api, write: Write, cookieToken: string): Promise<ApiResponse> {
  return api.call(write.method, write.path, {
    ...(write.body === undefined ? {} : { body: write.body }),
    headers: { ...write.headers, ...cookieOf(cookieToken), 'sec-fetch-site': 'same-origin' },
  });
}
