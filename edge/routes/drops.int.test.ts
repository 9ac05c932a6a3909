import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { createDropMirror, createInventoryKeys } from '../../inventory/index.js';
import { type Api, type ApiResponse, type Dropline, expectProblem, test } from '../../infra/testing/index.js';
import type { DropJson } from './drops.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const opensAt = () => new Date(Date.now() + HOUR).toISOString();
const validBody = () => ({ title: 'Chair', sku: 'CH-1', priceCents: 25000, stock: 100, opensAt: opensAt() });

const fieldsOf = (r: ApiResponse): string[] => r.body.errors.map((e: { field: string }) => e.field);

async function countDrops(sql: Dropline['sql']): Promise<number> {
  const [row] = await sql`SELECT count(*)::int AS count FROM drops`;
  return row?.count as number;
}

async function versionOf(sql: Dropline['sql'], id: string): Promise<number> {
  const [row] = await sql`SELECT version FROM drops WHERE id = ${id}`;
  return row?.version as number;
}

async function createDrop(api: Api, token: string, extra: Record<string, unknown> = {}): Promise<DropJson> {
  const r = await api.post('/api/drops', { token, body: { ...validBody(), ...extra } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as DropJson;
}

/** Every page of `GET /api/drops?{query}`, following `nextCursor` until it is null. */
async function listAll(api: Api, query: string): Promise<DropJson[]> {
  const drops: DropJson[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const r = await api.get(`/api/drops?${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    drops.push(...(r.body.drops as DropJson[]));
    cursor = r.body.nextCursor;
    if (cursor === null) return drops;
  }
  throw new Error('the listing never ended');
}

describe('creating drops', () => {
  test('a brand gets the defaults and its own brandId, whatever brandId the body names', async ({ api }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token, 'A');
    const other = await api.brand(op.token, 'B');
    const body = validBody();
    const r = await api.post('/api/drops', {
      token: brand.token,
      body: { ...body, brandId: other.user.brandId },
    });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.any(String),
      brandId: brand.user.brandId,
      brands: [{ id: brand.user.brandId, name: 'A', sharePercent: 100, lead: true }],
      images: [],
      ...body,
      currency: 'USD',
      description: '',
      fulfilment: 'shipped',
      closesAt: null,
      perUserLimit: 1,
      holdSeconds: 1800,
      admissionPerMinute: 600,
      maxActive: 500,
      status: 'scheduled',
    });
    expect((await api.get(`/api/drops/${r.body.id}`)).body).toEqual(r.body);

    const malformed = await api.post('/api/drops', { token: brand.token, body: { ...body, brandId: 'x' } });
    expect(malformed.status).toBe(201);
    expect(malformed.body.brandId).toBe(brand.user.brandId);
  });

  test('fulfilment: shipped by default, pickup or digital when asked, anything else 400; PATCH changes it', async ({
    api,
    dropline,
  }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    for (const fulfilment of ['pickup', 'digital'] as const) {
      const drop = await createDrop(api, brand.token, { fulfilment });
      expect(drop.fulfilment).toBe(fulfilment);
      expect((await api.get(`/api/drops/${drop.id}`)).body.fulfilment).toBe(fulfilment);
    }
    const before = await countDrops(dropline.sql);
    for (const fulfilment of ['boat', 'SHIPPED', null, 1]) {
      const r = await api.post('/api/drops', { token: brand.token, body: { ...validBody(), fulfilment } });
      expectProblem(r, 400, 'validation_failed');
      expect(fieldsOf(r)).toEqual(['fulfilment']);
    }
    expect(await countDrops(dropline.sql)).toBe(before);
    const drop = await createDrop(api, brand.token);
    const patched = await api.patch(`/api/drops/${drop.id}`, {
      token: brand.token,
      body: { fulfilment: 'pickup' },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.fulfilment).toBe('pickup');
    const [row] = await dropline.sql<
      { fulfilment: string }[]
    >`SELECT fulfilment FROM drops WHERE id = ${drop.id}`;
    expect(row?.fulfilment).toBe('pickup');
  });

  test('an operator must name an existing brand', async ({ api, dropline }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const before = await countDrops(dropline.sql);
    for (const brandId of [undefined, randomUUID(), 'not-a-brand']) {
      const r = await api.post('/api/drops', { token: op.token, body: { ...validBody(), brandId } });
      expectProblem(r, 400, 'validation_failed');
      expect({ brandId, fields: fieldsOf(r) }).toEqual({ brandId, fields: ['brandId'] });
    }
    expect(await countDrops(dropline.sql)).toBe(before);

    const ok = await api.post('/api/drops', {
      token: op.token,
      body: { ...validBody(), brandId: brand.user.brandId },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.brandId).toBe(brand.user.brandId);
    expect(await countDrops(dropline.sql)).toBe(before + 1);
  });

  test('bad input is 400 validation_failed naming the field, and writes nothing', async ({
    api,
    dropline,
  }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const body = validBody();
    const without = (field: keyof typeof body) => {
      const copy: Record<string, unknown> = { ...body };
      delete copy[field];
      return copy;
    };
    const cases: [string, unknown, string][] = [
      ['malformed JSON', '{"title":', ''],
      ['an array', [body], ''],
      ['no title', without('title'), 'title'],
      ['no sku', without('sku'), 'sku'],
      ['no priceCents', without('priceCents'), 'priceCents'],
      ['no stock', without('stock'), 'stock'],
      ['no opensAt', without('opensAt'), 'opensAt'],
      ['stock 0', { ...body, stock: 0 }, 'stock'],
      ['stock -1', { ...body, stock: -1 }, 'stock'],
      ['stock 1000001', { ...body, stock: 1_000_001 }, 'stock'],
      ['stock 1.5', { ...body, stock: 1.5 }, 'stock'],
      ['stock "10"', { ...body, stock: '10' }, 'stock'],
      ['negative priceCents', { ...body, priceCents: -1 }, 'priceCents'],
      ['fractional priceCents', { ...body, priceCents: 10.5 }, 'priceCents'],
      ['month 13', { ...body, opensAt: '2030-13-45T00:00:00Z' }, 'opensAt'],
      ['opensAt "tomorrow"', { ...body, opensAt: 'tomorrow' }, 'opensAt'],
      ['opensAt a number', { ...body, opensAt: 12345 }, 'opensAt'],
      ['opensAt in the past', { ...body, opensAt: new Date(Date.now() - 60_000).toISOString() }, 'opensAt'],
      [
        'closesAt before opensAt',
        { ...body, closesAt: new Date(Date.parse(body.opensAt) - 60_000).toISOString() },
        'closesAt',
      ],
      ['closesAt equal to opensAt', { ...body, closesAt: body.opensAt }, 'closesAt'],
      ['holdSeconds 0', { ...body, holdSeconds: 0 }, 'holdSeconds'],
      ['holdSeconds 86401', { ...body, holdSeconds: 86_401 }, 'holdSeconds'],
      ['currency "usd"', { ...body, currency: 'usd' }, 'currency'],
      ['an unknown field', { ...body, colour: 'red' }, 'colour'],
    ];
    const before = await countDrops(dropline.sql);
    for (const [name, sent, field] of cases) {
      const r = await api.post('/api/drops', { token: brand.token, body: sent });
      expect({ name, status: r.status, code: r.body?.code }).toEqual({
        name,
        status: 400,
        code: 'validation_failed',
      });
      expect({ name, fields: fieldsOf(r) }).toEqual({ name, fields: [field] });
    }
    expect(await countDrops(dropline.sql)).toBe(before);
  });

  // PostgreSQL text cannot hold U+0000; a client sending it must get a 4xx, not a failed INSERT answered as 500.
  test('a NUL character in a text field is 400 naming the field, on create and on PATCH', async ({
    api,
    dropline,
  }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const drop = await createDrop(api, brand.token);
    const before = await countDrops(dropline.sql);
    for (const field of ['title', 'description', 'sku']) {
      const created = await api.post('/api/drops', {
        token: brand.token,
        body: { ...validBody(), [field]: 'a\u0000b' },
      });
      expect({ field, status: created.status, code: created.body.code }).toEqual({
        field,
        status: 400,
        code: 'validation_failed',
      });
      expect(fieldsOf(created)).toEqual([field]);
      const patched = await api.patch(`/api/drops/${drop.id}`, {
        token: brand.token,
        body: { [field]: 'a\u0000b' },
      });
      expect({ field, status: patched.status, code: patched.body.code }).toEqual({
        field,
        status: 400,
        code: 'validation_failed',
      });
    }
    expect(await countDrops(dropline.sql)).toBe(before);
    expect((await api.get(`/api/drops/${drop.id}`)).body).toEqual(drop);
  });

  test('a huge body is 413 and a body that is not JSON is 415, writing nothing', async ({
    api,
    dropline,
  }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const before = await countDrops(dropline.sql);
    const huge = await api.post('/api/drops', {
      token: brand.token,
      body: JSON.stringify({ ...validBody(), description: 'x'.repeat(5 * 1024 * 1024) }),
    });
    expectProblem(huge, 413, 'payload_too_large');

    const text = await api.post('/api/drops', {
      token: brand.token,
      body: JSON.stringify(validBody()),
      headers: { 'content-type': 'text/plain' },
    });
    expectProblem(text, 415, 'unsupported_media_type');
    expect(await countDrops(dropline.sql)).toBe(before);
  });
});

describe('reading drops', () => {
  test('the listing pages with limit=2 to the end, without duplicates, ordered by opensAt', async ({
    api,
  }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    // Far later than other tests' drops, created out of order so that insertion order cannot pass for opensAt
    // order; two share an opensAt, so that the id breaks the tie across a page boundary.
    const base = Date.now() + 400 * DAY;
    const mine: DropJson[] = [];
    for (const offset of [3, 1, 1, 0, 2]) {
      mine.push(
        await createDrop(api, brand.token, { opensAt: new Date(base + offset * HOUR).toISOString() }),
      );
    }

    const all = await listAll(api, 'limit=2');
    const ids = all.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    const times = all.map((d) => Date.parse(d.opensAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const expected = [...mine]
      .sort((a, b) => Date.parse(a.opensAt) - Date.parse(b.opensAt) || (a.id < b.id ? -1 : 1))
      .map((d) => d.id);
    expect(ids.filter((id) => expected.includes(id))).toEqual(expected);

    const first = await api.get('/api/drops?limit=2');
    expect(first.body.drops).toHaveLength(2);
    expect(typeof first.body.nextCursor).toBe('string');
  });

  test('?status= filters the listing', async ({ api }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const scheduled = await createDrop(api, brand.token);
    const opened = await createDrop(api, brand.token);
    expect((await api.post(`/api/drops/${opened.id}/open`, { token: brand.token })).status).toBe(200);

    const open = await listAll(api, 'status=open&limit=200');
    expect(open.every((d) => d.status === 'open')).toBe(true);
    expect(open.map((d) => d.id)).toContain(opened.id);
    expect(open.map((d) => d.id)).not.toContain(scheduled.id);
    const listedScheduled = await listAll(api, 'status=scheduled&limit=200');
    expect(listedScheduled.map((d) => d.id)).toContain(scheduled.id);
  });

  test('bad listing parameters are 400 naming the parameter', async ({ api }) => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=abc', 'limit'],
      ['status=bogus', 'status'],
      ['cursor=garbage', 'cursor'],
      [
        `cursor=${Buffer.from(JSON.stringify(['0000-01-01T00:00:00Z', crypto.randomUUID()])).toString('base64url')}`,
        'cursor',
      ],
    ] as const) {
      const r = await api.get(`/api/drops?${query}`);
      expectProblem(r, 400, 'validation_failed');
      expect({ query, fields: fieldsOf(r) }).toEqual({ query, fields: [field] });
    }
  });

  test('a drop is read by id; an unknown or malformed id is 404', async ({ api }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const drop = await createDrop(api, brand.token);
    const r = await api.get(`/api/drops/${drop.id}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(drop);
    expectProblem(await api.get(`/api/drops/${randomUUID()}`), 404, 'not_found');
    expectProblem(await api.get('/api/drops/abc'), 404, 'not_found');
  });
});

describe('changing drops', () => {
  test('PATCH changes a scheduled drop and refuses brandId and a closesAt before opensAt', async ({
    api,
    dropline,
  }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const drop = await createDrop(api, brand.token);
    const later = new Date(Date.now() + 2 * HOUR).toISOString();
    const r = await api.patch(`/api/drops/${drop.id}`, {
      token: brand.token,
      body: { title: 'Armchair', stock: 250, opensAt: later },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ...drop, title: 'Armchair', stock: 250, opensAt: later });
    expect((await api.get(`/api/drops/${drop.id}`)).body).toEqual(r.body);

    const version = await versionOf(dropline.sql, drop.id);
    const other = await api.brand(op.token, 'Other');
    const withBrand = await api.patch(`/api/drops/${drop.id}`, {
      token: op.token,
      body: { brandId: other.user.brandId },
    });
    expectProblem(withBrand, 400, 'validation_failed');
    expect(fieldsOf(withBrand)).toEqual(['brandId']);
    const earlyClose = await api.patch(`/api/drops/${drop.id}`, {
      token: brand.token,
      body: { closesAt: new Date(Date.parse(later) - 60_000).toISOString() },
    });
    expectProblem(earlyClose, 400, 'validation_failed');
    expect(fieldsOf(earlyClose)).toEqual(['closesAt']);
    expect((await api.get(`/api/drops/${drop.id}`)).body).toEqual(r.body);
    expect(await versionOf(dropline.sql, drop.id)).toBe(version);
  });

  test('PATCH is 409 conflict once the drop has opened or was cancelled', async ({ api }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const opened = await createDrop(api, brand.token);
    expect((await api.post(`/api/drops/${opened.id}/open`, { token: brand.token })).status).toBe(200);
    const cancelled = await createDrop(api, brand.token);
    expect((await api.post(`/api/drops/${cancelled.id}/cancel`, { token: brand.token })).status).toBe(200);

    for (const drop of [opened, cancelled]) {
      const before = (await api.get(`/api/drops/${drop.id}`)).body;
      const r = await api.patch(`/api/drops/${drop.id}`, { token: brand.token, body: { stock: 5 } });
      expectProblem(r, 409, 'conflict');
      expect((await api.get(`/api/drops/${drop.id}`)).body).toEqual(before);
    }
  });

  test('open, close and cancel move a drop only along the allowed transitions', async ({ api }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const act = (id: string, action: string) =>
      api.post(`/api/drops/${id}/${action}`, { token: brand.token });

    const drop = await createDrop(api, brand.token);
    const opened = await act(drop.id, 'open');
    expect(opened.status).toBe(200);
    expect(opened.body).toEqual({ ...drop, status: 'open' });
    expectProblem(await act(drop.id, 'open'), 409, 'conflict');
    expectProblem(await act(drop.id, 'cancel'), 409, 'conflict');
    const closed = await act(drop.id, 'close');
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');

    const scheduled = await createDrop(api, brand.token);
    expectProblem(await act(scheduled.id, 'close'), 409, 'conflict');
    expect((await api.get(`/api/drops/${scheduled.id}`)).body.status).toBe('scheduled');
    const cancelled = await act(scheduled.id, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expectProblem(await act(scheduled.id, 'open'), 409, 'conflict');
    expect((await api.get(`/api/drops/${scheduled.id}`)).body.status).toBe('cancelled');
  });

  test('every change is mirrored into Redis with a higher version', async ({ api, dropline, prefix }) => {
    const mirror = createDropMirror({ redis: dropline.redis, keys: createInventoryKeys(prefix) });
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const drop = await createDrop(api, brand.token);
    const created = await mirror.read(drop.id);
    expect(created).toMatchObject({
      id: drop.id,
      status: 'scheduled',
      stock: 100,
      priceCents: 25000,
      currency: 'USD',
      opensAt: new Date(drop.opensAt),
      closesAt: null,
    });
    const versions = [created!.version];
    const expectMirror = async (expected: { status: string; stock: number }) => {
      const now = await mirror.read(drop.id);
      expect(now).toMatchObject(expected);
      expect(now!.version).toBeGreaterThan(versions.at(-1)!);
      expect(now!.version).toBe(await versionOf(dropline.sql, drop.id));
      versions.push(now!.version);
    };

    const patched = await api.patch(`/api/drops/${drop.id}`, { token: brand.token, body: { stock: 42 } });
    expect(patched.status).toBe(200);
    await expectMirror({ status: 'scheduled', stock: 42 });
    expect((await api.post(`/api/drops/${drop.id}/open`, { token: brand.token })).status).toBe(200);
    await expectMirror({ status: 'open', stock: 42 });
    expect((await api.post(`/api/drops/${drop.id}/close`, { token: brand.token })).status).toBe(200);
    await expectMirror({ status: 'closed', stock: 42 });

    const other = await createDrop(api, brand.token);
    expect((await api.post(`/api/drops/${other.id}/cancel`, { token: brand.token })).status).toBe(200);
    expect(await mirror.read(other.id)).toMatchObject({ status: 'cancelled', stock: 100 });
  });
});

type ActorName = 'anonymous' | 'shopper' | 'guest' | 'brand A' | 'brand B' | 'operator';
const ACTORS: ActorName[] = ['anonymous', 'shopper', 'guest', 'brand A', 'brand B', 'operator'];
/** Who may not change brand A's drops, and the answer they get. */
const REFUSED: Partial<Record<ActorName, [number, string]>> = {
  anonymous: [401, 'unauthorized'],
  shopper: [403, 'forbidden'],
  guest: [403, 'forbidden'],
  'brand B': [403, 'forbidden'],
};

async function signInEveryone(api: Api) {
  const operator = await api.operator();
  const [shopper, guest, brandA, brandB] = await Promise.all([
    api.shopper(),
    api.guest(),
    api.brand(operator.token, 'A'),
    api.brand(operator.token, 'B'),
  ]);
  const tokens: Record<ActorName, string | undefined> = {
    anonymous: undefined,
    shopper: shopper.token,
    guest: guest.token,
    'brand A': brandA.token,
    'brand B': brandB.token,
    operator: operator.token,
  };
  return { tokens, brandA, brandB };
}

describe('who may do what', () => {
  test('everyone reads the listing and a drop', async ({ api }) => {
    const { tokens } = await signInEveryone(api);
    const drop = await createDrop(api, tokens['brand A']!);
    for (const actor of ACTORS) {
      const token = tokens[actor];
      const list = await api.get('/api/drops?limit=1', { token });
      const one = await api.get(`/api/drops/${drop.id}`, { token });
      expect({ actor, list: list.status, one: one.status, id: one.body.id }).toEqual({
        actor,
        list: 200,
        one: 200,
        id: drop.id,
      });
    }
  });

  test('brands and operators create drops; anonymous callers, shoppers and guests cannot', async ({
    api,
    dropline,
  }) => {
    const { tokens, brandA, brandB } = await signInEveryone(api);
    // Brand B is refused on brand A's drops only: creating drops of its own is what a brand does. The body names
    // brand A, which an operator needs and a brand's session overrides.
    const createdFor: Partial<Record<ActorName, string>> = {
      'brand A': brandA.user.brandId!,
      'brand B': brandB.user.brandId!,
      operator: brandA.user.brandId!,
    };
    for (const actor of ACTORS) {
      const before = await countDrops(dropline.sql);
      const r = await api.post('/api/drops', {
        token: tokens[actor],
        body: { ...validBody(), brandId: brandA.user.brandId },
      });
      const refused = createdFor[actor] ? undefined : REFUSED[actor];
      if (refused) {
        expect({ actor, status: r.status, code: r.body.code }).toEqual({
          actor,
          status: refused[0],
          code: refused[1],
        });
        expect(await countDrops(dropline.sql)).toBe(before);
      } else {
        expect({ actor, status: r.status, brandId: r.body.brandId }).toEqual({
          actor,
          status: 201,
          brandId: createdFor[actor],
        });
        expect(await countDrops(dropline.sql)).toBe(before + 1);
      }
    }
  });

  const WRITES = [
    { route: 'PATCH /api/drops/:id', action: '', from: 'scheduled', body: { title: 'Renamed' } },
    { route: 'POST /api/drops/:id/open', action: '/open', from: 'scheduled', after: 'open' },
    { route: 'POST /api/drops/:id/close', action: '/close', from: 'open', after: 'closed' },
    { route: 'POST /api/drops/:id/cancel', action: '/cancel', from: 'scheduled', after: 'cancelled' },
  ] as const;

  test.for(WRITES)(
    '$route: only brand A (the owner) and operators, on a fresh drop each',
    async (write, { api, dropline }) => {
      const { tokens } = await signInEveryone(api);
      const owner = tokens['brand A']!;
      for (const actor of ACTORS) {
        const drop = await createDrop(api, owner);
        if (write.from === 'open')
          expect((await api.post(`/api/drops/${drop.id}/open`, { token: owner })).status).toBe(200);
        const before = (await api.get(`/api/drops/${drop.id}`)).body;
        const version = await versionOf(dropline.sql, drop.id);

        const path = `/api/drops/${drop.id}${write.action}`;
        const token = tokens[actor];
        const r =
          'body' in write
            ? await api.patch(path, { token, body: write.body })
            : await api.post(path, { token });
        const refused = REFUSED[actor];
        if (refused) {
          expect({ actor, status: r.status, code: r.body.code }).toEqual({
            actor,
            status: refused[0],
            code: refused[1],
          });
          expect((await api.get(`/api/drops/${drop.id}`)).body).toEqual(before);
          expect(await versionOf(dropline.sql, drop.id)).toBe(version);
        } else {
          const expected =
            'body' in write ? { ...before, ...write.body } : { ...before, status: write.after };
          expect({ actor, status: r.status, body: r.body }).toEqual({ actor, status: 200, body: expected });
          expect(await versionOf(dropline.sql, drop.id)).toBe(version + 1);
        }
      }
    },
  );
});
