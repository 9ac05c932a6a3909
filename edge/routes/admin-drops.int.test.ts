import { randomUUID } from 'node:crypto';
import { describe, expect, vi } from 'vitest';
import { type Api, type ApiResponse, type Dropline, expectProblem, test } from '../../infra/testing/index.js';
import type { AuditJson, DropMetricsJson } from './admin-drops.js';
import type { DropJson } from './drops.js';

const HOUR = 3600_000;
const opensAt = () => new Date(Date.now() + HOUR).toISOString();

type AuditEntry = AuditJson['entries'][number];

const fieldsOf = (r: ApiResponse): string[] => r.body.errors.map((e: { field: string }) => e.field);

/** A brand's drop, with the operator's views of it. */
async function dropOf(api: Api, extra: Record<string, unknown> = {}) {
  const operator = await api.operator();
  const brand = await api.brand(operator.token);
  const created = await api.post('/api/drops', {
    token: brand.token,
    body: { title: 'Vase', sku: 'VA-1', priceCents: 4500, stock: 80, opensAt: opensAt(), ...extra },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const drop = created.body as DropJson;
  const admin = `/api/admin/drops/${drop.id}`;
  const ok = async (r: Promise<ApiResponse>) => {
    const answer = await r;
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer;
  };
  return {
    operator,
    brand,
    drop,
    admin,
    act: (action: 'open' | 'close' | 'cancel', token = brand.token) =>
      ok(api.post(`/api/drops/${drop.id}/${action}`, { token })),
    admission: async () => (await ok(api.get(`${admin}/admission`, { token: operator.token }))).body,
    put: (body: unknown) => api.put(`${admin}/admission`, { token: operator.token, body }),
    audit: async (query = '') =>
      (await ok(api.get(`${admin}/audit${query}`, { token: operator.token }))).body as AuditJson,
    metrics: async () =>
      (await ok(api.get(`${admin}/metrics`, { token: operator.token }))).body as DropMetricsJson,
    join: (token: string) => api.post(`/api/drops/${drop.id}/queue`, { token }),
    me: (token: string) => api.get(`/api/drops/${drop.id}/queue/me`, { token }),
    read: async () => (await ok(api.get(`/api/drops/${drop.id}`))).body as DropJson,
  };
}

const guests = (api: Api, n: number) => Promise.all(Array.from({ length: n }, () => api.guest()));

/** Joins every guest (each must get 201). */
async function joinAll(d: Awaited<ReturnType<typeof dropOf>>, all: { token: string }[]) {
  const answers = await Promise.all(all.map((g) => d.join(g.token)));
  expect(answers.map((a) => a.status)).toEqual(all.map(() => 201));
}

describe('admission settings', () => {
  test('GET gives the drop’s settings; PUT changes any of them, and the drop shows the change', async ({
    api,
  }) => {
    const d = await dropOf(api, { admissionPerMinute: 120, maxActive: 50 });
    expect(await d.admission()).toEqual({
      perMinute: 120,
      maxActive: 50,
      paused: false,
      pauseMessage: null,
      challengeBits: 0,
    });

    type Settings = {
      perMinute: number;
      maxActive: number;
      paused: boolean;
      pauseMessage: string | null;
      challengeBits: number;
    };
    const steps: [Record<string, unknown>, Settings][] = [
      [
        { perMinute: 300 },
        { perMinute: 300, maxActive: 50, paused: false, pauseMessage: null, challengeBits: 0 },
      ],
      [
        { maxActive: 7 },
        { perMinute: 300, maxActive: 7, paused: false, pauseMessage: null, challengeBits: 0 },
      ],
      [
        { paused: true },
        { perMinute: 300, maxActive: 7, paused: true, pauseMessage: null, challengeBits: 0 },
      ],
      [
        { perMinute: 10, maxActive: 20, paused: false, challengeBits: 12 },
        { perMinute: 10, maxActive: 20, paused: false, pauseMessage: null, challengeBits: 12 },
      ],
    ];
    for (const [i, [body, expected]] of steps.entries()) {
      // The first steps run while the drop is scheduled, the last while it is open.
      if (i === 2) await d.act('open');
      const r = await d.put(body);
      expect({ body, status: r.status, answer: r.body }).toEqual({ body, status: 200, answer: expected });
      expect(await d.admission()).toEqual(expected);
      expect(await d.read()).toMatchObject({
        admissionPerMinute: expected.perMinute,
        maxActive: expected.maxActive,
      });
    }
  });

  test('only operators read or change them, or read the audit log and metrics', async ({ api }) => {
    const d = await dropOf(api, { admissionPerMinute: 120 });
    const otherBrand = await api.brand(d.operator.token, 'Other');
    const [shopper, guest] = [await api.shopper(), await api.guest()];
    const refused: [string, string | undefined, number, string][] = [
      ['anonymous', undefined, 401, 'unauthorized'],
      ['shopper', shopper.token, 403, 'forbidden'],
      ['guest', guest.token, 403, 'forbidden'],
      ['owning brand', d.brand.token, 403, 'forbidden'],
      ['other brand', otherBrand.token, 403, 'forbidden'],
    ];
    const auditBefore = await d.audit();
    for (const [who, token, status, code] of refused) {
      const answers = {
        read: await api.get(`${d.admin}/admission`, { token }),
        change: await api.put(`${d.admin}/admission`, { token, body: { perMinute: 5, paused: true } }),
        audit: await api.get(`${d.admin}/audit`, { token }),
        metrics: await api.get(`${d.admin}/metrics`, { token }),
      };
      for (const [route, r] of Object.entries(answers)) {
        expect({ who, route, status: r.status, code: r.body.code }).toEqual({ who, route, status, code });
        expect(r.headers.get('content-type')).toBe('application/problem+json');
      }
    }
    expect(await d.admission()).toEqual({
      perMinute: 120,
      maxActive: 500,
      paused: false,
      pauseMessage: null,
      challengeBits: 0,
    });
    expect(await d.audit()).toEqual(auditBefore);
  });

  test('bad bodies are 400 validation_failed naming the field, and change nothing', async ({ api }) => {
    const d = await dropOf(api, { admissionPerMinute: 120, maxActive: 50 });
    const before = await d.admission();
    const auditBefore = await d.audit();
    const cases: [string, unknown, string | null][] = [
      ['an empty object', {}, null],
      ['no body at all', undefined, null],
      ['malformed JSON', '{"perMinute":', null],
      ['an array', [{ perMinute: 5 }], null],
      ['perMinute 0', { perMinute: 0 }, 'perMinute'],
      ['perMinute -1', { perMinute: -1 }, 'perMinute'],
      ['perMinute 1.5', { perMinute: 1.5 }, 'perMinute'],
      ['perMinute "10"', { perMinute: '10' }, 'perMinute'],
      ['perMinute null', { perMinute: null }, 'perMinute'],
      ['maxActive 0', { maxActive: 0 }, 'maxActive'],
      ['maxActive 2.5', { maxActive: 2.5 }, 'maxActive'],
      ['paused "yes"', { paused: 'yes' }, 'paused'],
      ['paused 1', { paused: 1 }, 'paused'],
      ['an unknown field', { colour: 'red' }, 'colour'],
      ['a good field beside a bad one', { perMinute: 60, maxActive: 0 }, 'maxActive'],
      ['a good field beside an unknown one', { paused: true, rate: 5 }, 'rate'],
    ];
    for (const [name, body, field] of cases) {
      const r = await d.put(body);
      expect({ name, status: r.status, code: r.body?.code }).toEqual({
        name,
        status: 400,
        code: 'validation_failed',
      });
      expect(r.headers.get('content-type')).toBe('application/problem+json');
      // The one field named; a body with no known field may also get a body-level ('') error saying so.
      if (field)
        expect({ name, fields: fieldsOf(r).filter((f) => f !== '') }).toEqual({ name, fields: [field] });
      else expect(r.body.errors.length).toBeGreaterThan(0);
    }
    expect(await d.admission()).toEqual(before);
    expect(await d.audit()).toEqual(auditBefore);
    expect(await d.read()).toMatchObject({ admissionPerMinute: 120, maxActive: 50 });
  });

  test('an unknown or malformed drop id is 404 not_found', async ({ api }) => {
    const operator = await api.operator();
    const token = operator.token;
    for (const id of [randomUUID(), 'abc']) {
      const admin = `/api/admin/drops/${id}`;
      for (const r of [
        await api.get(`${admin}/admission`, { token }),
        await api.put(`${admin}/admission`, { token, body: { perMinute: 5 } }),
        await api.get(`${admin}/audit`, { token }),
        await api.get(`${admin}/metrics`, { token }),
      ]) {
        expectProblem(r, 404, 'not_found');
      }
    }
  });

  test('a closed or cancelled drop is 409 conflict and keeps its settings', async ({ api }) => {
    const closed = await dropOf(api, { admissionPerMinute: 120 });
    await closed.act('open');
    await closed.act('close');
    const cancelled = await dropOf(api, { admissionPerMinute: 120 });
    await cancelled.act('cancel');
    for (const d of [closed, cancelled]) {
      const auditBefore = await d.audit();
      for (const body of [{ perMinute: 5 }, { paused: true }, { perMinute: 120 }]) {
        expectProblem(await d.put(body), 409, 'conflict');
      }
      expect(await d.admission()).toEqual({
        perMinute: 120,
        maxActive: 500,
        paused: false,
        pauseMessage: null,
        challengeBits: 0,
      });
      expect(await d.audit()).toEqual(auditBefore);
    }
  });
});

describe('the audit log', () => {
  test('lists every change newest first, with its actor and from → to', async ({ api }) => {
    const d = await dropOf(api, { admissionPerMinute: 600, maxActive: 500 });
    expect(await d.audit()).toEqual({ entries: [], nextCursor: null });
    const started = Date.now();

    await d.act('open');
    expect((await d.put({ perMinute: 120, maxActive: 40 })).status).toBe(200);
    const afterTwo = await d.audit();
    // Setting values the drop already has changes nothing, and audits nothing.
    const unchanged = await d.put({ perMinute: 120, paused: false });
    expect(unchanged.status).toBe(200);
    expect(unchanged.body).toEqual({
      perMinute: 120,
      maxActive: 40,
      paused: false,
      pauseMessage: null,
      challengeBits: 0,
    });
    expect(await d.audit()).toEqual(afterTwo);
    expect((await d.put({ paused: true })).status).toBe(200);
    await d.act('close', d.operator.token);

    const { entries, nextCursor } = await d.audit();
    expect(nextCursor).toBeNull();
    const operatorActor = expect.stringContaining(d.operator.user.id);
    const brandActor = expect.stringContaining(d.brand.user.id);
    const shown = entries.map((e) => ({ actor: e.actor, actorEmail: e.actorEmail, change: e.change }));
    // Each person by their email, resolved from the actor's user id.
    const operatorEmail = d.operator.user.email;
    const brandEmail = d.brand.user.email;
    expect(operatorEmail).toMatch(/@/);
    expect(brandEmail).toMatch(/@/);
    // One PUT, two fields: two entries, in either order.
    const onePut = shown.slice(2, 4).sort((a, b) => a.change.field.localeCompare(b.change.field));
    expect([...shown.slice(0, 2), ...onePut, ...shown.slice(4)]).toEqual([
      {
        actor: operatorActor,
        actorEmail: operatorEmail,
        change: { field: 'status', from: 'open', to: 'closed' },
      },
      { actor: operatorActor, actorEmail: operatorEmail, change: { field: 'paused', from: false, to: true } },
      { actor: operatorActor, actorEmail: operatorEmail, change: { field: 'maxActive', from: 500, to: 40 } },
      { actor: operatorActor, actorEmail: operatorEmail, change: { field: 'perMinute', from: 600, to: 120 } },
      {
        actor: brandActor,
        actorEmail: brandEmail,
        change: { field: 'status', from: 'scheduled', to: 'open' },
      },
    ]);
    expect(entries.slice(0, -1).every((e) => !e.actor.includes(d.brand.user.id))).toBe(true);

    for (const e of entries) {
      expect(Object.keys(e).sort()).toEqual(['actor', 'actorEmail', 'at', 'change']);
      expect(Object.keys(e.change).sort()).toEqual(['field', 'from', 'to']);
      expect(new Date(e.at).toISOString()).toBe(e.at);
      // PostgreSQL's clock and ours are the same machine's; a little slack for rounding.
      expect(Date.parse(e.at)).toBeGreaterThanOrEqual(started - 1000);
      expect(Date.parse(e.at)).toBeLessThanOrEqual(Date.now() + 1000);
    }
    const times = entries.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  test('Dropline’s own changes (the schedule, the inventory) name no email', async ({ api, dropline }) => {
    const d = await dropOf(api);
    // As the schedule and the inventory write them when a drop opens on time and sells out for good.
    await dropline.sql`
      INSERT INTO drop_audit (drop_id, actor, field, from_value, to_value) VALUES
        (${d.drop.id}, 'system:schedule', 'status', '"scheduled"', '"open"'),
        (${d.drop.id}, 'system:inventory', 'status', '"open"', '"sold_out"')`;
    expect((await d.put({ perMinute: 90 })).status).toBe(200);
    const { entries } = await d.audit();
    expect(entries.map((e) => [e.actor, e.actorEmail])).toEqual([
      [`operator:${d.operator.user.id}`, d.operator.user.email],
      ['system:inventory', null],
      ['system:schedule', null],
    ]);
  });

  test('?limit=1 pages to the end without duplicates; a bad cursor or limit is 400', async ({ api }) => {
    const d = await dropOf(api, { admissionPerMinute: 100 });
    for (const perMinute of [101, 102, 103, 104, 105]) {
      expect((await d.put({ perMinute })).status).toBe(200);
    }
    const all = await d.audit();
    expect(all.entries.map((e) => e.change.to)).toEqual([105, 104, 103, 102, 101]);

    const paged: AuditEntry[] = [];
    let cursor: string | null = null;
    for (let page = 0; ; page++) {
      expect(page).toBeLessThan(10);
      const r: AuditJson = await d.audit(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.entries).toHaveLength(1);
      paged.push(...r.entries);
      cursor = r.nextCursor;
      if (cursor === null) break;
      expect(typeof cursor).toBe('string');
    }
    expect(paged).toEqual(all.entries);

    const two = await d.audit('?limit=2');
    expect(two.entries).toEqual(all.entries.slice(0, 2));
    expect(typeof two.nextCursor).toBe('string');

    const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const [query, field] of [
      ['cursor=garbage', 'cursor'],
      [`cursor=${encode('x')}`, 'cursor'],
      [`cursor=${encode(-1)}`, 'cursor'],
      [`cursor=${encode(1.5)}`, 'cursor'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=abc', 'limit'],
    ] as const) {
      const r = await api.get(`${d.admin}/audit?${query}`, { token: d.operator.token });
      expectProblem(r, 400, 'validation_failed');
      expect({ query, fields: fieldsOf(r) }).toEqual({ query, fields: [field] });
    }
  });
});

/** The controller's last tick of the drop (ms), as it records it in the drop's waiting-room config hash. */
async function lastTick(dropline: Dropline, prefix: string, dropId: string): Promise<number> {
  return Number((await dropline.redis.hget(`${prefix}{drop:${dropId}}:q:config`, 'lastTick')) ?? 0);
}

describe('admission changes take effect within a second', () => {
  test('pausing stops admissions; resuming at a higher rate admits the rest at once', async ({
    api,
    dropline,
    prefix,
  }) => {
    const d = await dropOf(api, { admissionPerMinute: 60 });
    const line = await guests(api, 40);
    await joinAll(d, line);
    await d.act('open');
    // Admission is running (one a second) before the pause.
    await vi.waitFor(async () => expect((await d.metrics()).admittedTotal).toBeGreaterThanOrEqual(1), {
      timeout: 5_000,
      interval: 50,
    });

    expect((await d.put({ paused: true })).body).toEqual({
      perMinute: 60,
      maxActive: 500,
      paused: true,
      pauseMessage: null,
      challengeBits: 0,
    });
    const pausedAt = Date.now();
    const atPause = (await d.metrics()).admittedTotal;
    // Wait for ticks that began well after the pause: 2.5 s at one a second would have admitted two or three.
    await vi.waitFor(
      async () => expect(await lastTick(dropline, prefix, d.drop.id)).toBeGreaterThan(pausedAt + 2_500),
      { timeout: 10_000, interval: 50 },
    );
    const paused = await d.metrics();
    // One tick may have been in flight when the pause was written.
    expect(paused.admittedTotal - atPause).toBeLessThanOrEqual(1);
    expect(paused.queueLength).toBe(40 - paused.admittedTotal);
    // While paused, nobody waiting gets an estimate.
    const views = await Promise.all(line.map(async (g) => (await d.me(g.token)).body));
    const waiting = views.filter((v) => v.status === 'waiting');
    expect(waiting.length).toBe(40 - paused.admittedTotal);
    expect(waiting.every((v) => v.etaSeconds === null)).toBe(true);

    // Resumed at 6000 a minute, the other 39 or so come in well within 3 s (at 60 a minute it would take 40 s).
    expect((await d.put({ paused: false, perMinute: 6000 })).body).toEqual({
      perMinute: 6000,
      maxActive: 500,
      paused: false,
      pauseMessage: null,
      challengeBits: 0,
    });
    await vi.waitFor(async () => expect((await d.metrics()).admittedTotal).toBe(40), {
      timeout: 3_000,
      interval: 50,
    });
    expect(await d.metrics()).toMatchObject({ queueLength: 0, admittedTotal: 40, activeAdmissions: 40 });
    expect((await d.read()).admissionPerMinute).toBe(6000);
  });
});

describe('metrics', () => {
  const KEYS = [
    'queueLength',
    'admittedTotal',
    'activeAdmissions',
    'heldUnits',
    'soldUnits',
    'availableUnits',
    'joinsPerMinute',
    'admitsPerMinute',
    'eventsPending',
  ].sort();

  test('exactly the contract’s figures, agreeing with the joins made', async ({ api }) => {
    // admissionPerMinute 1: the first admission would come a minute after opening, so the line stands still.
    const d = await dropOf(api, { stock: 37, admissionPerMinute: 1 });
    const idle = await d.metrics();
    expect(Object.keys(idle).sort()).toEqual(KEYS);
    expect(idle).toMatchObject({
      queueLength: 0,
      admittedTotal: 0,
      activeAdmissions: 0,
      heldUnits: 0,
      soldUnits: 0,
      availableUnits: 37,
      joinsPerMinute: 0,
      admitsPerMinute: 0,
    });
    // Nothing happened, so nothing is pending (null while the pipeline has not reported).
    expect([null, 0]).toContain(idle.eventsPending);

    const five = await guests(api, 5);
    await joinAll(d, five);
    // A repeat join is no join.
    expect((await d.join(five[0]!.token)).status).toBe(200);
    // The pre-queue is not the waiting line.
    expect(await d.metrics()).toMatchObject({ queueLength: 0, joinsPerMinute: 5, availableUnits: 37 });

    await d.act('open');
    const open = await d.metrics();
    expect(Object.keys(open).sort()).toEqual(KEYS);
    expect(open).toMatchObject({
      queueLength: 5,
      admittedTotal: 0,
      activeAdmissions: 0,
      heldUnits: 0,
      soldUnits: 0,
      availableUnits: 37,
      joinsPerMinute: 5,
      admitsPerMinute: 0,
    });
  });

  test('admissions show in admittedTotal, activeAdmissions and admitsPerMinute', async ({ api }) => {
    const d = await dropOf(api, { admissionPerMinute: 600 });
    await d.act('open');
    const three = await guests(api, 3);
    await joinAll(d, three);
    await vi.waitFor(async () => expect((await d.metrics()).admittedTotal).toBe(3), {
      timeout: 10_000,
      interval: 50,
    });
    expect(await d.metrics()).toMatchObject({
      queueLength: 0,
      admittedTotal: 3,
      activeAdmissions: 3,
      admitsPerMinute: 3,
      joinsPerMinute: 3,
      availableUnits: 80,
    });

    // One leaves: no longer active, but it was admitted.
    expect((await api.delete(`/api/drops/${d.drop.id}/queue/me`, { token: three[0]!.token })).status).toBe(
      204,
    );
    expect(await d.metrics()).toMatchObject({ admittedTotal: 3, activeAdmissions: 2, queueLength: 0 });
  });
});
