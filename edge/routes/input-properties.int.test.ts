/**
 * The property that no input answers 5xx: hostile requests to every HTTP route (infra/testing/hostile-requests.ts)
 * are answered 2xx-4xx; every 4xx is problem+json; and a refused request changes nothing, in PostgreSQL or in the
 * open drop's Redis keys. Requests run in-process through `app.request()`.
 */
import fc from 'fast-check';
import type { Hono } from 'hono';
import { afterAll, describe, expect, vi } from 'vitest';
import {
  hostileRoutes,
  stateSnapshots,
  test,
  type Api,
  type Caller,
  type Config,
  type HostileRequest,
  type KnownIds,
} from '../../infra/testing/index.js';
import { createAdmissionTokens, type EdgeEnv } from '../index.js';

const SETTLE = { timeout: 10_000, interval: 20 };
const DECLINED = 402;
/** Answers per route and status, printed after the run: a route that never gets past validation shows. */
const answers = new Map<string, Map<number, number>>();
const count = (route: string, status: number) => {
  const byStatus = answers.get(route) ?? new Map<number, number>();
  answers.set(route, byStatus.set(status, (byStatus.get(status) ?? 0) + 1));
};

afterAll(() => {
  const total = [...answers.values()].reduce((sum, m) => sum + [...m.values()].reduce((a, b) => a + b, 0), 0);
  const lines = [...answers].map(
    ([route, m]) => `  ${route}: ${[...m].map(([s, n]) => `${s}×${n}`).join(' ')}`,
  );
  console.log(`input properties: ${total} HTTP cases over ${answers.size} routes\n${lines.join('\n')}`);
});

/** Three drops of one brand, the open one paused (no admissions move its keys), and a guest's hold of it. */
async function world(api: Api, config: Config) {
  const operator = await api.operator();
  const brand = await api.brand(operator.token);
  const create = async (body: Record<string, unknown> = {}) => {
    const opensAt = new Date(Date.now() + 3_600_000).toISOString();
    const body2 = { title: 'Bowl', sku: 'BW-1', priceCents: 2500, stock: 20, opensAt, ...body };
    const r = await api.post('/api/drops', { token: brand.token, body: body2 });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  };
  const [openDrop, scheduledDrop, spareDrop] = [
    await create({ perUserLimit: 5 }),
    await create(),
    await create(),
  ];
  for (const [path, body] of [
    [`/api/drops/${openDrop}/open`, undefined],
    [`/api/admin/drops/${openDrop}/admission`, { paused: true }],
  ] as const) {
    const token = body ? operator.token : brand.token;
    const r = await (body ? api.put(path, { token, body }) : api.post(path, { token }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
  const guest = await api.guest();
  const admissions = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  const admissionToken = await admissions.sign({
    shopperId: guest.user.id,
    dropId: openDrop,
    expiresAt: new Date(Date.now() + 10 * 60_000),
  });
  const held = await api.post(`/api/drops/${openDrop}/reservations`, {
    token: guest.token,
    headers: { 'x-admission-token': admissionToken },
  });
  expect(held.status, JSON.stringify(held.body)).toBe(201);
  const known: KnownIds = { openDrop, scheduledDrop, spareDrop, reservation: held.body.id, admissionToken };
  const tokens: Record<Caller, string | undefined> = {
    anonymous: undefined,
    guest: guest.token,
    shopper: (await api.shopper()).token,
    brand: brand.token,
    operator: operator.token,
    forged: `${guest.token.slice(0, -4)}AAAA`,
    cookie: guest.token,
  };
  return { known, tokens, operator: operator.token };
}

interface Answer {
  status: number;
  type: string | null;
  text: string;
}

async function send(app: Hono<EdgeEnv>, r: HostileRequest, token: string | undefined): Promise<Answer> {
  const headers = new Headers(r.headers);
  if (token && r.caller === 'cookie') headers.set('cookie', `dropline_session=${token}`);
  else if (token) headers.set('authorization', `Bearer ${token}`);
  const res = await app.request(r.path, {
    method: r.method,
    headers,
    ...(r.body === undefined ? {} : { body: r.body }),
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** The page routes answer 503 while web/dist is not built (or is being rebuilt): not a matter of the input. */
const pagesNotBuilt = (r: HostileRequest, a: Answer) =>
  a.status === 503 && r.method === 'GET' && a.text.includes('The pages are not built');

function expectProblemAnswer(r: HostileRequest, a: Answer) {
  const what = `${r.method} ${r.path} (${r.caller}) → ${a.status} ${a.text.slice(0, 300)}`;
  expect(a.type, what).toBe('application/problem+json');
  const body = JSON.parse(a.text) as { status?: unknown; code?: unknown; detail?: unknown };
  expect({ status: body.status, code: typeof body.code, detail: typeof body.detail }, what).toEqual({
    status: a.status,
    code: 'string',
    detail: 'string',
  });
}

/** Waits until the open drop's events are all in PostgreSQL, so a success's late writes land before the next case. */
async function settle(api: Api, operator: string, dropId: string) {
  await vi.waitFor(async () => {
    const r = await api.get(`/api/admin/drops/${dropId}/metrics`, { token: operator });
    expect(r.body.eventsPending).toBe(0);
  }, SETTLE);
}

describe('no input answers 5xx', () => {
  test(
    'hostile requests to every HTTP route: 2xx-4xx, 4xx as problem+json, and a refused one changes nothing',
    { timeout: 180_000 },
    async ({ api, config, dropline, prefix }) => {
      const app = dropline.app!;
      const { known, tokens, operator } = await world(api, config);
      const snapshots = stateSnapshots({ sql: dropline.sql, redis: dropline.redis, prefix });
      const watched = [known.openDrop];
      await settle(api, operator, known.openDrop);
      const routes = hostileRoutes(known);
      for (const { route, request, runs } of routes) {
        await fc.assert(
          fc.asyncProperty(request, async (r) => {
            const before = await snapshots.take(watched);
            const answer = await send(app, r, tokens[r.caller]);
            count(route, answer.status);
            if (pagesNotBuilt(r, answer)) return;
            expect(
              answer.status,
              `${route}: ${r.method} ${r.path} → ${answer.text.slice(0, 300)}`,
            ).toBeLessThan(500);
            if (answer.status >= 400) expectProblemAnswer(r, answer);
            // A declined card is not refused input: the payment was tried, and its record says it was declined.
            if (answer.status >= 400 && answer.status !== DECLINED) {
              expect(await snapshots.take(watched), `${r.method} ${r.path} changed state`).toEqual(before);
            } else if (r.method !== 'GET') {
              await settle(api, operator, known.openDrop);
            }
          }),
          { numRuns: runs },
        );
      }
      expect(routes.length).toBeGreaterThanOrEqual(30);
    },
  );
});
