/**
 * Helpers shared by the k6 scripts in this folder: environment variables with defaults, JSON request headers,
 * JSON bodies read without throwing, the stock figures' shape, and guest sign-in (POST /api/auth/guest).
 *
 * Not a script of its own; the scripts import it as `./lib.ts` (k6 ≥ 0.52 runs TypeScript directly).
 * Environment variables read through here: BASE_URL (default http://localhost:3000), DROP_ID (required).
 */
import { check } from 'k6';
import http from 'k6/http';
import type { Response } from 'k6/http';

/** A `-e NAME=value` (or environment) variable, or `fallback` when it is unset or empty. */
export function env(name: string, fallback: string): string {
  const value = __ENV[name];
  return value === undefined || value.trim() === '' ? fallback : value.trim();
}

/** A variable that has no sensible default: stops the test (in the init context) when it is missing. */
export function requiredEnv(name: string): string {
  const value = env(name, '');
  if (value === '') throw new Error(`set ${name}, e.g. k6 run -e ${name}=… <script>`);
  return value;
}

/** A positive whole number (`RATE=4000`), or `fallback`; anything else stops the test. */
export function envInt(name: string, fallback: number): number {
  const raw = env(name, String(fallback));
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive whole number (got "${raw}")`);
  }
  return value;
}

/** A k6 duration (`60s`, `5m`, `1h30m`), or `fallback`; anything else stops the test. */
export function envDuration(name: string, fallback: string): string {
  const value = env(name, fallback);
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(value)) {
    throw new Error(`${name} must be a duration such as 60s, 5m or 1h30m (got "${value}")`);
  }
  return value;
}

/** The API's origin, without a trailing slash. */
export function baseUrl(): string {
  return env('BASE_URL', 'http://localhost:3000').replace(/\/+$/, '');
}

/** The drop under test. */
export function dropId(): string {
  return requiredEnv('DROP_ID');
}

/** Headers of a JSON request, with the session's Bearer token and any extra headers. */
export function jsonHeaders(token?: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    Accept: 'application/json, application/problem+json',
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...extra,
  };
}

/** The response's JSON body, or undefined when there is none or it is not JSON (a refused connection, a proxy page). */
export function readJson<T>(res: Response): T | undefined {
  if (typeof res.body !== 'string' || res.body === '') return undefined;
  try {
    return JSON.parse(res.body) as T;
  } catch {
    return undefined;
  }
}

/**
 * The figures of GET /api/drops/:id/stock that the scripts check. The edge's own type cannot be imported: k6 runs
 * no Node code.
 */
export interface StockFigures {
  total: number;
  available: number;
  held: number;
  sold: number;
}

/** The problem+json `code` of an error response (`sold_out`, `rate_limited`, …), if it has one. */
export function problemCode(res: Response): string | undefined {
  const code = readJson<{ code?: unknown }>(res)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A one-off idempotency key: unique per VU, iteration and call (1–200 visible ASCII characters). */
export function idempotencyKey(step: string): string {
  return `k6-${step}-${__VU}-${__ITER}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Signs in as a new guest shopper: POST /api/auth/guest → 201 `{token}`. Returns the response (for the caller's own
 * metrics) and the session token, which is undefined (and the failed check recorded) when the server refused, e.g.
 * 429 with RATE_LIMITS on.
 */
export function guest(base: string): { res: Response; token: string | undefined } {
  const res = http.post(`${base}/api/auth/guest`, null, {
    headers: jsonHeaders(),
    tags: { name: 'POST /api/auth/guest' },
  });
  const token = readJson<{ token?: unknown }>(res)?.token;
  const ok = check(res, {
    'guest: status 201': (r) => r.status === 201,
    'guest: has a token': () => typeof token === 'string' && token !== '',
  });
  return { res, token: ok && typeof token === 'string' ? token : undefined };
}
