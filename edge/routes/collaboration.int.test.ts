import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import {
  type Api,
  connectPostgres,
  type Dropline,
  expectProblem,
  migrate,
  readMigrations,
  test,
  uniqueName,
} from '../../infra/testing/index.js';
import type { DropJson } from './drops.js';

const HOUR = 3600_000;
const validBody = () => ({
  title: 'Chair',
  sku: 'CH-1',
  priceCents: 25000,
  stock: 100,
  opensAt: new Date(Date.now() + HOUR).toISOString(),
});

interface BrandRow {
  brand_id: string;
  share_percent: number;
  lead: boolean;
}

async function storedBrands(sql: Dropline['sql'], dropId: string): Promise<BrandRow[]> {
  return sql<BrandRow[]>`
    SELECT brand_id, share_percent, lead FROM drop_brands WHERE drop_id = ${dropId}
    ORDER BY lead DESC, share_percent DESC, brand_id`;
}

async function countOf(sql: Dropline['sql'], table: 'drops' | 'drop_brands'): Promise<number> {
  const [row] = await sql`SELECT count(*)::int AS count FROM ${sql(table)}`;
  return row?.count as number;
}

async function versionOf(sql: Dropline['sql'], id: string): Promise<number> {
  const [row] = await sql`SELECT version FROM drops WHERE id = ${id}`;
  return row?.version as number;
}

/** An operator, three brands (A, B, C) and a shopper. */
async function cast(api: Api) {
  const operator = await api.operator();
  const [a, b, c, shopper] = await Promise.all([
    api.brand(operator.token, 'Atelier A'),
    api.brand(operator.token, 'Bureau B'),
    api.brand(operator.token, 'Casa C'),
    api.shopper(),
  ]);
  return {
    operator,
    shopper,
    a: { token: a.token, id: a.user.brandId! },
    b: { token: b.token, id: b.user.brandId! },
    c: { token: c.token, id: c.user.brandId! },
  };
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
  for (let page = 0; page < 1000; page++) {
    const r = await api.get(`/api/drops?${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    drops.push(...(r.body.drops as DropJson[]));
    cursor = r.body.nextCursor;
    if (cursor === null) return drops;
  }
  throw new Error('the listing never ended');
}

describe('creating collaboration drops', () => {
  test('a brand names its partners: the lead first, names and shares in the drop, one row per brand', async ({
    api,
    dropline,
  }) => {
    const { a, b } = await cast(api);
    const drop = await createDrop(api, a.token, {
      brands: [
        { brandId: b.id, sharePercent: 40 },
        { brandId: a.id, sharePercent: 60 },
      ],
    });
    expect(drop.brandId).toBe(a.id);
    expect(drop.brands).toEqual([
      { id: a.id, name: 'Atelier A', sharePercent: 60, lead: true },
      { id: b.id, name: 'Bureau B', sharePercent: 40, lead: false },
    ]);
    expect((await api.get(`/api/drops/${drop.id}`)).body).toEqual(drop);
    expect(await storedBrands(dropline.sql, drop.id)).toEqual([
      { brand_id: a.id, share_percent: 60, lead: true },
      { brand_id: b.id, share_percent: 40, lead: false },
    ]);
  });

  test('without brands a drop is its lead brand’s alone, at 100', async ({ api, dropline }) => {
    const { a } = await cast(api);
    const drop = await createDrop(api, a.token);
    expect(drop.brands).toEqual([{ id: a.id, name: 'Atelier A', sharePercent: 100, lead: true }]);
    expect(await storedBrands(dropline.sql, drop.id)).toEqual([
      { brand_id: a.id, share_percent: 100, lead: true },
    ]);
  });

  test('an operator creates one for a lead brand with two partners', async ({ api }) => {
    const { operator, a, b, c } = await cast(api);
    const drop = await createDrop(api, operator.token, {
      brandId: a.id,
      brands: [
        { brandId: c.id, sharePercent: 20 },
        { brandId: a.id, sharePercent: 50 },
        { brandId: b.id, sharePercent: 30 },
      ],
    });
    expect(drop.brandId).toBe(a.id);
    expect(drop.brands.map((x) => [x.name, x.sharePercent, x.lead])).toEqual([
      ['Atelier A', 50, true],
      ['Bureau B', 30, false],
      ['Casa C', 20, false],
    ]);
  });

  test('the lead changes the brands while the drop is scheduled: stored, versioned and audited by name', async ({
    api,
    dropline,
  }) => {
    const { operator, a, b, c } = await cast(api);
    const drop = await createDrop(api, a.token);
    const version = await versionOf(dropline.sql, drop.id);
    const r = await api.patch(`/api/drops/${drop.id}`, {
      token: a.token,
      body: {
        brands: [
          { brandId: a.id, sharePercent: 34 },
          { brandId: b.id, sharePercent: 33 },
          { brandId: c.id, sharePercent: 33 },
        ],
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.brands.map((x: { id: string }) => x.id)).toEqual([a.id, b.id, c.id]);
    expect(await versionOf(dropline.sql, drop.id)).toBe(version + 1);
    expect(await storedBrands(dropline.sql, drop.id)).toHaveLength(3);

    const audit = await api.get(`/api/admin/drops/${drop.id}/audit`, { token: operator.token });
    expect(audit.body.entries[0].change).toEqual({
      field: 'brands',
      from: 'Atelier A (lead) 100%',
      to: 'Atelier A (lead) 34%, Bureau B 33%, Casa C 33%',
    });

    // The same list again (in another order) changes nothing and is not audited again.
    const same = await api.patch(`/api/drops/${drop.id}`, {
      token: a.token,
      body: {
        brands: [
          { brandId: c.id, sharePercent: 33 },
          { brandId: b.id, sharePercent: 33 },
          { brandId: a.id, sharePercent: 34 },
        ],
      },
    });
    expect(same.status).toBe(200);
    expect(await versionOf(dropline.sql, drop.id)).toBe(version + 1);
    const [row] = await dropline.sql`
      SELECT count(*)::int AS count FROM drop_audit WHERE drop_id = ${drop.id} AND field = 'brands'`;
    expect(row?.count).toBe(1);
  });
});

describe('bad brands are refused whole', () => {
  /** Each bad `brands`, given the lead A and a partner B, and a piece of what the answer says. */
  const badBrands = (a: string, b: string): [string, unknown, RegExp][] => [
    ['shares adding up to 90', [share(a, 60), share(b, 30)], /add up to 100; these add up to 90/],
    ['shares adding up to 110', [share(a, 60), share(b, 50)], /add up to 100; these add up to 110/],
    ['a share of 0', [share(a, 100), share(b, 0)], /whole percent from 1 to 100/],
    ['a share of 101', [share(a, 101)], /whole percent from 1 to 100/],
    ['a share of 33.5', [share(a, 66.5), share(b, 33.5)], /whole percent from 1 to 100/],
    ['a share given as text', [{ brandId: a, sharePercent: '100' }], /whole percent from 1 to 100/],
    ['a brand twice', [share(a, 50), share(a, 50)], /more than once/],
    ['an unknown brand', [share(a, 60), share(randomUUID(), 40)], /no such brand/],
    ['the lead missing', [share(b, 100)], /must include the lead brand/],
    ['nine brands', [share(a, 12), ...Array.from({ length: 8 }, () => share(randomUUID(), 11))], /at most 8/],
    ['not an array', a, /must be a list/],
    ['one brand, not a list of them', share(a, 100), /must be a list/],
    ['an empty list', [], /must name the lead brand/],
    ['a malformed brand id', [{ brandId: 'x', sharePercent: 100 }], /must be a brand id/],
    ['an unknown key', [{ ...share(a, 100), lead: true }], /not a known field/],
  ];

  const expectRefused = (name: string, r: { status: number; body: { errors?: unknown } }, says: RegExp) => {
    const errors = (r.body.errors ?? []) as { field: string; message: string }[];
    expect({ name, status: r.status, fields: errors.every((e) => e.field.startsWith('brands')) }).toEqual({
      name,
      status: 400,
      fields: true,
    });
    expect(errors.map((e) => e.message).join('; '), name).toMatch(says);
  };

  test('on create (by a brand and by an operator): 400 problem+json, nothing stored', async ({
    api,
    dropline,
  }) => {
    const { operator, a, b } = await cast(api);
    const [drops, rows] = [await countOf(dropline.sql, 'drops'), await countOf(dropline.sql, 'drop_brands')];
    for (const [name, brands, says] of badBrands(a.id, b.id)) {
      for (const [who, token, extra] of [
        ['brand', a.token, {}],
        ['operator', operator.token, { brandId: a.id }],
      ] as const) {
        const r = await api.post('/api/drops', { token, body: { ...validBody(), ...extra, brands } });
        expectRefused(`${name} (${who})`, r, says);
        expectProblem(r, 400, 'validation_failed');
      }
    }
    expect(await countOf(dropline.sql, 'drops')).toBe(drops);
    expect(await countOf(dropline.sql, 'drop_brands')).toBe(rows);
  });

  test('on patch: 400 problem+json, the drop and its brands unchanged', async ({ api, dropline }) => {
    const { a, b } = await cast(api);
    const drop = await createDrop(api, a.token, { brands: [share(a.id, 60), share(b.id, 40)] });
    const before = await storedBrands(dropline.sql, drop.id);
    const version = await versionOf(dropline.sql, drop.id);
    for (const [name, brands, says] of badBrands(a.id, b.id)) {
      const r = await api.patch(`/api/drops/${drop.id}`, {
        token: a.token,
        body: { title: 'Renamed', brands },
      });
      expectRefused(name, r, says);
      expectProblem(r, 400, 'validation_failed');
    }
    expect(await storedBrands(dropline.sql, drop.id)).toEqual(before);
    expect(await versionOf(dropline.sql, drop.id)).toBe(version);
    expect((await api.get(`/api/drops/${drop.id}`)).body.title).toBe('Chair');
  });

  test('after opening the brands no longer change: 409, unchanged', async ({ api, dropline }) => {
    const { a, b } = await cast(api);
    const drop = await createDrop(api, a.token, { brands: [share(a.id, 60), share(b.id, 40)] });
    expect((await api.post(`/api/drops/${drop.id}/open`, { token: a.token })).status).toBe(200);
    const before = await storedBrands(dropline.sql, drop.id);
    const r = await api.patch(`/api/drops/${drop.id}`, {
      token: a.token,
      body: { brands: [share(a.id, 50), share(b.id, 50)] },
    });
    expectProblem(r, 409, 'conflict');
    expect(await storedBrands(dropline.sql, drop.id)).toEqual(before);
  });
});

function share(brandId: string, sharePercent: number) {
  return { brandId, sharePercent };
}

describe('who may do what with a collaboration drop of A × B', () => {
  type Who = 'anonymous' | 'shopper' | 'A' | 'B' | 'C' | 'operator';
  const EVERYONE: Who[] = ['anonymous', 'shopper', 'A', 'B', 'C', 'operator'];

  async function collab(api: Api) {
    const people = await cast(api);
    const tokens: Record<Who, string | undefined> = {
      anonymous: undefined,
      shopper: people.shopper.token,
      A: people.a.token,
      B: people.b.token,
      C: people.c.token,
      operator: people.operator.token,
    };
    const create = () =>
      createDrop(api, people.a.token, { brands: [share(people.a.id, 70), share(people.b.id, 30)] });
    return { ...people, tokens, create };
  }

  test('everyone reads the drop, with its brands', async ({ api }) => {
    const { tokens, create } = await collab(api);
    const drop = await create();
    for (const who of EVERYONE) {
      const r = await api.get(`/api/drops/${drop.id}`, { token: tokens[who] });
      expect({ who, status: r.status, brands: r.body.brands }).toEqual({
        who,
        status: 200,
        brands: drop.brands,
      });
    }
  });

  test('its orders: A, B and operators read them; C and shoppers get 403', async ({ api }) => {
    const { tokens, create } = await collab(api);
    const drop = await create();
    const expected: Record<Who, number> = {
      anonymous: 401,
      shopper: 403,
      A: 200,
      B: 200,
      C: 403,
      operator: 200,
    };
    for (const who of EVERYONE) {
      const r = await api.get(`/api/drops/${drop.id}/orders`, { token: tokens[who] });
      expect({ who, status: r.status }).toEqual({ who, status: expected[who] });
      if (r.status !== 200)
        expectProblem(r, expected[who], who === 'anonymous' ? 'unauthorized' : 'forbidden');
    }
  });

  const WRITES = [
    { route: 'PATCH /api/drops/:id', action: '', from: 'scheduled', body: { title: 'Renamed' } },
    { route: 'POST /api/drops/:id/open', action: '/open', from: 'scheduled' },
    { route: 'POST /api/drops/:id/close', action: '/close', from: 'open' },
    { route: 'POST /api/drops/:id/cancel', action: '/cancel', from: 'scheduled' },
  ] as const;

  test.for(WRITES)(
    '$route: A and operators yes; the partner B and C 403, nothing changed',
    async (write, { api, dropline }) => {
      const { tokens, create } = await collab(api);
      const expected: Partial<Record<Who, number>> = { A: 200, operator: 200, B: 403, C: 403 };
      for (const who of ['B', 'C', 'A', 'operator'] as const) {
        const drop = await create();
        if (write.from === 'open')
          expect((await api.post(`/api/drops/${drop.id}/open`, { token: tokens.A })).status).toBe(200);
        const version = await versionOf(dropline.sql, drop.id);
        const path = `/api/drops/${drop.id}${write.action}`;
        const r =
          'body' in write
            ? await api.patch(path, { token: tokens[who], body: write.body })
            : await api.post(path, { token: tokens[who] });
        expect({ who, status: r.status }).toEqual({ who, status: expected[who] });
        if (r.status === 403) {
          expectProblem(r, 403, 'forbidden');
          expect(await versionOf(dropline.sql, drop.id)).toBe(version);
        } else {
          expect(await versionOf(dropline.sql, drop.id)).toBe(version + 1);
        }
      }
    },
  );

  test('?brand= lists the drops a brand takes part in, page by page', async ({ api }) => {
    const { a, b, c, create } = await collab(api);
    const collabs = [await create(), await create(), await create()];
    const onlyA = await createDrop(api, a.token);
    const onlyC = await createDrop(api, c.token);
    const ids = (drops: DropJson[]) => drops.map((d) => d.id).sort();

    expect(ids(await listAll(api, `brand=${a.id}&limit=2`))).toEqual(ids([...collabs, onlyA]));
    expect(ids(await listAll(api, `brand=${b.id}&limit=1`))).toEqual(ids(collabs));
    expect(ids(await listAll(api, `brand=${c.id}`))).toEqual([onlyC.id]);
    expect(await listAll(api, `brand=${randomUUID()}`)).toEqual([]);
    // With the status filter too, and brands named on every drop of a page.
    const scheduledOfB = await listAll(api, `brand=${b.id}&status=scheduled&limit=2`);
    expect(ids(scheduledOfB)).toEqual(ids(collabs));
    expect(scheduledOfB.every((d) => d.brands.some((x) => x.id === b.id && !x.lead))).toBe(true);

    expectProblem(await api.get('/api/drops?brand=nope'), 400, 'validation_failed');
  });
});

describe('brands directory', () => {
  test('GET /api/brands: brands and operators find brands by name, page by page; others may not', async ({
    api,
    dropline,
  }) => {
    const operator = await api.operator();
    const [a, shopper] = await Promise.all([api.brand(operator.token, 'Atelier A'), api.shopper()]);
    // Brands without users: the directory lists brands, whoever acts for them.
    for (const name of ['Zeta 1', 'Zeta 2', 'zeta 3', 'Zeta_%', 'Omega'])
      await dropline.sql`INSERT INTO brands (id, name) VALUES (${randomUUID()}, ${name})`;

    const all: { id: string; name: string }[] = [];
    let cursor: string | null = null;
    do {
      const r = await api.get(`/api/brands?q=ZETA&limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
        token: a.token,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.brands.length).toBeLessThanOrEqual(2);
      all.push(...r.body.brands);
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(all.map((x) => x.name).sort()).toEqual(['Zeta 1', 'Zeta 2', 'Zeta_%', 'zeta 3'].sort());
    expect(all.every((x) => Object.keys(x).sort().join() === 'id,name')).toBe(true);

    // LIKE's wildcards are searched for as text.
    const wild = await api.get('/api/brands?q=_%25', { token: operator.token });
    expect(wild.body.brands.map((x: { name: string }) => x.name)).toEqual(['Zeta_%']);
    const everyone = await api.get('/api/brands', { token: operator.token });
    expect(everyone.body.brands.length).toBeGreaterThanOrEqual(6);

    expectProblem(await api.get('/api/brands', { token: shopper.token }), 403, 'forbidden');
    expectProblem(await api.get('/api/brands'), 401, 'unauthorized');
    expectProblem(await api.get('/api/brands?cursor=bad', { token: a.token }), 400, 'validation_failed');
    expectProblem(await api.get('/api/brands?limit=0', { token: a.token }), 400, 'validation_failed');
    // A NUL or a control character in the search is refused, not handed to PostgreSQL.
    expectProblem(await api.get('/api/brands?q=%00', { token: a.token }), 400, 'validation_failed');
    expectProblem(await api.get('/api/brands?q=a%E2%80%AE', { token: a.token }), 400, 'validation_failed');
    // So is a cursor whose name holds one (JSON ["a\u0000b", uuid], base64url).
    const nulCursor = 'WyJhXHUwMDAwYiIsIjAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMCJd';
    expectProblem(
      await api.get(`/api/brands?cursor=${nulCursor}`, { token: a.token }),
      400,
      'validation_failed',
    );
  });
});

describe('migration 0010', () => {
  test('every drop made before it becomes its brand’s alone: one lead row at 100', async ({
    databaseUrl,
  }) => {
    const sql = connectPostgres(databaseUrl, { max: 1 });
    const schema = uniqueName('backfill');
    try {
      await sql`CREATE SCHEMA ${sql(schema)}`;
      await sql`SET search_path TO ${sql(schema)}`;
      const migrations = await readMigrations();
      await migrate(
        sql,
        migrations.filter((m) => m.version < 10),
      );
      const brands = [randomUUID(), randomUUID()];
      for (const [i, id] of brands.entries())
        await sql`INSERT INTO brands (id, name) VALUES (${id}, ${`B${i}`})`;
      const drops = [brands[0]!, brands[0]!, brands[1]!].map((brand) => ({
        id: randomUUID(),
        brand_id: brand,
        title: 'T',
        sku: 'S',
        price_cents: 100,
        currency: 'USD',
        stock: 10,
        per_user_limit: 1,
        hold_seconds: 60,
        admission_per_minute: 60,
        max_active: 10,
        opens_at: new Date('2030-01-01T00:00:00Z'),
      }));
      await sql`INSERT INTO drops ${sql(drops)}`;

      expect(await migrate(sql, migrations)).toContain(10);
      const rows = await sql`SELECT drop_id, brand_id, share_percent, lead FROM drop_brands ORDER BY drop_id`;
      expect(rows.map((r) => ({ ...r }))).toEqual(
        drops
          .map((d) => ({ drop_id: d.id, brand_id: d.brand_id, share_percent: 100, lead: true }))
          .sort((x, y) => x.drop_id.localeCompare(y.drop_id)),
      );

      // One lead per drop, shares from 1 to 100, each brand once.
      const violation = (p: Promise<unknown>) =>
        expect(p).rejects.toMatchObject({ code: expect.stringMatching(/^23/) });
      const d = drops[0]!.id;
      await violation(sql`INSERT INTO drop_brands VALUES (${d}, ${brands[1]!}, 10, true)`);
      await violation(sql`INSERT INTO drop_brands VALUES (${d}, ${brands[1]!}, 0, false)`);
      await violation(sql`INSERT INTO drop_brands VALUES (${d}, ${brands[1]!}, 101, false)`);
      await violation(sql`INSERT INTO drop_brands VALUES (${d}, ${brands[0]!}, 10, false)`);
      await violation(sql`INSERT INTO drop_brands VALUES (${d}, ${randomUUID()}, 10, false)`);
    } finally {
      await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
      await sql.end();
    }
  });
});
