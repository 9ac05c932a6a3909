/**
 * Outages end by themselves, seen from outside: Dropline processes run against a NATS and a Redis of the test's own,
 * which the test kills and starts again; `/readyz`, paying, the outbox relay, the event consumer and the admission
 * controller must follow without a restart.
 */
import { describe, expect, onTestFinished, vi } from 'vitest';
import {
  connectPostgres,
  countOf,
  type DroplineProcess,
  payBody,
  privateNats,
  privateRedis,
  type PrivateService,
  spawnDropline,
  test,
} from '../../infra/testing/index.js';

/** Each condition is expected within seconds; the deadline only bounds a failure. */
const SOON = { timeout: 20_000, interval: 100 };
/** Longer than nats.js's default ten reconnect attempts take at RECONNECT_WAIT_MS=250 (about 3 s). */
const OUTAGE_MS = 6000;

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on shapes
  body: any;
}

/** A JSON client of a running edge. */
function client(base: string) {
  return async (
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    // Every write says JSON, bodiless ones too: a sign-in without it is refused (415).
    if (method !== 'GET') headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
}

type Call = ReturnType<typeof client>;

/** A drop of a new brand, open, with `stock` units and many admissions a minute. */
async function openDrop(call: Call): Promise<string> {
  const operator = (
    await call('POST', '/api/auth/login', {
      body: { email: 'operator@dropline.local', password: 'dropline-operator' },
    })
  ).body.token as string;
  const email = `brand-${Date.now()}@example.com`;
  const password = 'brand password 1';
  expect(
    (
      await call('POST', '/api/admin/users', {
        token: operator,
        body: { email, password, role: 'brand', brandName: 'B' },
      })
    ).status,
  ).toBe(201);
  const brand = (await call('POST', '/api/auth/login', { body: { email, password } })).body.token as string;
  const created = await call('POST', '/api/drops', {
    token: brand,
    body: {
      title: 'Chair',
      sku: 'C-1',
      priceCents: 1000,
      stock: 10,
      opensAt: new Date(Date.now() + 3600_000).toISOString(),
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect((await call('POST', `/api/drops/${created.body.id}/open`, { token: brand })).status).toBe(200);
  return created.body.id as string;
}

/** A guest who joins the drop's line and is admitted by the admission controller; its session and admission token. */
async function admittedGuest(call: Call, dropId: string) {
  const guest = (await call('POST', '/api/auth/guest')).body.token as string;
  // Until the drop is in Redis (after Redis returned empty, the workers mirror it again within seconds); joining
  // again answers the same place.
  await vi.waitFor(async () => {
    const joined = await call('POST', `/api/drops/${dropId}/queue`, { token: guest });
    expect([200, 201], JSON.stringify(joined.body)).toContain(joined.status);
  }, SOON);
  const admission = await vi.waitFor(async () => {
    const me = await call('GET', `/api/drops/${dropId}/queue/me`, { token: guest });
    expect(me.body.admission?.token).toEqual(expect.any(String));
    return me.body.admission.token as string;
  }, SOON);
  return { guest, admission };
}

async function reserve(call: Call, dropId: string, shopper: { guest: string; admission: string }) {
  const reserved = await call('POST', `/api/drops/${dropId}/reservations`, {
    token: shopper.guest,
    headers: { 'x-admission-token': shopper.admission },
    body: {},
  });
  expect(reserved.status, JSON.stringify(reserved.body)).toBe(201);
  return reserved.body.id as string;
}

/** Waits until the workers applied the reservation's events to PostgreSQL: the order has `status`. */
async function orderBecomes(call: Call, token: string, id: string, status: string) {
  await vi.waitFor(
    async () => expect((await call('GET', `/api/orders/${id}`, { token })).body?.status).toBe(status),
    SOON,
  );
}

/** Starts `role` against the private services; resolves with the process and, for an edge, its base URL. */
async function start(role: 'all' | 'edge' | 'workers', env: Record<string, string>) {
  const p = spawnDropline(role, { ...env, PORT: '0', HOST: '127.0.0.1', RECONNECT_WAIT_MS: '250' });
  onTestFinished(async () => {
    await p.stop();
  });
  if (role === 'workers') {
    await p.waitFor(/Dropline workers are running/);
    return { p, base: '' };
  }
  const [, port] = await p.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
  return { p, base: `http://127.0.0.1:${port}` };
}

/**
 * Kills `service`, runs `during` once /readyz answers 503, checks that /readyz names the failed check until `ms`
 * after the kill, then starts the service again; resolves with how long /readyz took to answer 200 after that.
 */
async function outage(
  call: Call,
  service: PrivateService,
  check: 'nats' | 'redis',
  { ms, during }: { ms: number; during?: () => Promise<void> },
) {
  await service.kill();
  const killedAt = Date.now();
  await vi.waitFor(async () => expect((await call('GET', '/readyz')).status).toBe(503), SOON);
  await during?.();
  // Throughout the outage, not once: every answer meanwhile is 503 naming the failed check.
  while (Date.now() - killedAt < ms) {
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ code: 'unavailable', checks: { [check]: 'failed' } });
  }
  await service.start();
  const back = Date.now();
  await vi.waitFor(async () => expect((await call('GET', '/readyz')).status).toBe(200), SOON);
  return Date.now() - back;
}

describe('/readyz and the processes across outages', () => {
  test('NATS down longer than ten reconnect attempts: 503 meanwhile, pay refused at once, everything resumes after', async ({
    databaseUrl,
    prefix,
  }) => {
    const nats = await privateNats();
    onTestFinished(() => nats.close());
    const name = prefix.replace(/:$/, '');
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_PREFIX: prefix,
      NATS_URL: nats.url,
      EVENTS_STREAM: name,
      EVENTS_SUBJECT_PREFIX: name,
    };
    // An edge and a workers process, as deployed: the workers relay the outbox and apply the events.
    const edge = await start('edge', env);
    const workers: { p: DroplineProcess } = await start('workers', env);
    const call = client(edge.base);
    const sql = connectPostgres(databaseUrl, { max: 1 });
    onTestFinished(() => sql.end());
    expect((await call('GET', '/readyz')).status).toBe(200);
    const dropId = await openDrop(call);
    const first = await admittedGuest(call, dropId);
    const firstId = await reserve(call, dropId, first);
    await orderBecomes(call, first.guest, firstId, 'held');
    const second = await admittedGuest(call, dropId);

    let secondId = '';
    const recovered = await outage(call, nats, 'nats', {
      ms: OUTAGE_MS,
      during: async () => {
        const started = Date.now();
        const refused = await call('POST', `/api/reservations/${firstId}/pay`, {
          token: first.guest,
          body: payBody(),
        });
        expect(refused.status, JSON.stringify(refused.body)).toBe(503);
        expect(refused.body.code).toBe('unavailable');
        expect(Date.now() - started).toBeLessThan(1000);
        // Refused before anything was recorded or the card touched.
        expect(
          await countOf(sql`SELECT count(*)::int AS count FROM payments WHERE reservation_id = ${firstId}`),
        ).toBe(0);
        expect(
          await countOf(
            sql`SELECT count(*)::int AS count FROM test_provider_ledger WHERE reference = ${firstId}`,
          ),
        ).toBe(0);
        // Redis still answers: a reservation is taken, its event waits in the outbox.
        secondId = await reserve(call, dropId, second);
      },
    });
    expect(recovered).toBeLessThan(5000);

    // The relay publishes what waited; the consumer applies it; a payment's event goes through.
    await orderBecomes(call, second.guest, secondId, 'held');
    const paid = await call('POST', `/api/reservations/${firstId}/pay`, {
      token: first.guest,
      body: payBody(),
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    await orderBecomes(call, first.guest, firstId, 'paid');
    // The ledger is keyed as checked during the outage: one authorization, the one that was paid.
    expect(
      await countOf(
        sql`SELECT count(*)::int AS count FROM test_provider_ledger WHERE reference = ${firstId} AND operation = 'authorize'`,
      ),
    ).toBe(1);
    expect(workers.p.child.exitCode).toBeNull();
    expect(edge.p.output()).toMatch(/NATS reachable again/);
  }, 120_000);

  test('Redis down and back empty: 503 meanwhile, then ready and admitting again without a restart', async ({
    databaseUrl,
    prefix,
  }) => {
    const redis = await privateRedis();
    onTestFinished(() => redis.close());
    const name = prefix.replace(/:$/, '');
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      EVENTS_STREAM: name,
      EVENTS_SUBJECT_PREFIX: name,
    };
    const { base, p } = await start('all', env);
    const call = client(base);
    const dropId = await openDrop(call);
    await admittedGuest(call, dropId);

    const recovered = await outage(call, redis, 'redis', { ms: OUTAGE_MS });
    expect(recovered).toBeLessThan(5000);
    // The admission ticks go on: once the workers mirrored the drop again, a new shopper is admitted.
    await admittedGuest(call, dropId);
    expect(p.output()).toMatch(/Redis reachable again/);
  }, 120_000);
});
