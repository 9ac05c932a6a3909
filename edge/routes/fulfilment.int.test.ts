/**
 * Fulfilment: a drop's orders with their buyer and shipment (filtered by status, takings split per brand), the CSV
 * export (streamed, quoted, formula cells neutralised), and marking paid orders shipped (who may, what is refused,
 * what the shopper then sees).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { Hono } from 'hono';
import { describe, expect, vi } from 'vitest';
import {
  type Api,
  type Config,
  type Dropline,
  expectInvalid,
  expectProblem,
  payBody,
  silentLog,
  test,
  TEST_BUYER,
} from '../../infra/testing/index.js';
import type { DropOrder } from '../../workers/orders/index.js';
import type { Session } from '../auth/tokens.js';
import type { EdgeEnv } from '../context.js';
import { createAdmissionTokens } from '../index.js';
import { problemResponse, toProblem } from '../problems.js';
import { CSV_HEADER } from './orders-csv.js';
import { MAX_EXPORTS } from './fulfilment.js';
import { registerOrders, type DropOrderJson } from './orders.js';

const PIPELINE = { timeout: 10_000, interval: 50 };
const ORDER_NUMBER = /^DL-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/** An open drop of a new brand, and a shopper's paid and held orders of it, once PostgreSQL has them. */
async function dropWithOrders(api: Api, config: Config, extra: Record<string, unknown> = {}) {
  const { operator, brand, drop } = await api.openDrop({
    title: 'Jacket',
    sku: 'JA-1',
    priceCents: 4_999,
    stock: 20,
    perUserLimit: 5,
    admissionPerMinute: 6000,
    holdSeconds: 600,
    ...extra,
  });
  const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  const shopper = await api.shopper();
  const reserve = async () => {
    const admission = await tokens.sign({
      shopperId: shopper.user.id,
      dropId: drop.id,
      expiresAt: new Date(Date.now() + 5 * 60_000),
    });
    const r = await api.post(`/api/drops/${drop.id}/reservations`, {
      token: shopper.token,
      body: {},
      headers: { 'x-admission-token': admission },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  };
  const paid = await reserve();
  const pay = await api.post(`/api/reservations/${paid}/pay`, { token: shopper.token, body: payBody() });
  expect(pay.status, JSON.stringify(pay.body)).toBe(200);
  const held = await reserve();
  await vi.waitFor(async () => {
    const r = await api.get(`/api/drops/${drop.id}/orders`, { token: brand.token });
    expect(Object.fromEntries((r.body.orders as DropOrderJson[]).map((o) => [o.id, o.status]))).toEqual({
      [paid]: 'paid',
      [held]: 'held',
    });
  }, PIPELINE);
  return { operator, brand, drop, shopper, paid, held };
}

const shipmentPath = (dropId: string, orderId: string) => `/api/drops/${dropId}/orders/${orderId}/shipment`;

async function shipmentRows(sql: Dropline['sql']) {
  return sql`SELECT order_id, shipped_at, tracking, actor, updated_at FROM order_shipments ORDER BY order_id`;
}

/** A reservation id of its own: `rsv_`, a tag, digits. */
const tagged = () => randomBytes(6).toString('hex');

/**
 * `count` orders of a drop written straight into PostgreSQL, with their checkout details (numbers from `numberBase`
 * up, buyers named by `name(i)`), created a millisecond apart, newest `i = 1`.
 */
async function insertOrders(
  sql: Dropline['sql'],
  {
    dropId,
    userId,
    count,
    numberBase,
    status = 'paid',
    amountCents = 4_999,
    name = sql`'Buyer ' || i`,
  }: {
    dropId: string;
    userId: string;
    count: number;
    numberBase: number;
    status?: string;
    amountCents?: number;
    name?: ReturnType<Dropline['sql']>;
  },
): Promise<string> {
  const tag = tagged();
  await sql`
    INSERT INTO orders (id, drop_id, user_id, quantity, amount_cents, status, expires_at, created_at, paid_at)
    SELECT 'rsv_' || ${tag} || lpad(i::text, ${43 - tag.length}, '0'), ${dropId}, ${userId}, 1, ${amountCents},
           ${status}, now(), timestamptz '2030-01-01T00:00:00Z' - i * interval '1 millisecond',
           CASE WHEN ${status} = 'paid' THEN timestamptz '2030-01-01T00:00:00Z' END
    FROM generate_series(1, ${count}::int) i`;
  await sql`
    INSERT INTO order_details (reservation_id, number, buyer_name, buyer_email, shipping_address)
    SELECT 'rsv_' || ${tag} || lpad(i::text, ${43 - tag.length}, '0'),
           'DL-' || substr(lpad((${numberBase}::bigint + i)::text, 8, '0'), 1, 4) || '-'
                 || substr(lpad((${numberBase}::bigint + i)::text, 8, '0'), 5, 4),
           ${name}, 'buyer' || i || '@example.test',
           jsonb_build_object('line1', i || ' Long Street', 'city', 'Berlin', 'postalCode', '10115', 'country', 'DE')
    FROM generate_series(1, ${count}::int) i`;
  return tag;
}

/** RFC 4180, read the plain way: records of fields, quotes doubled inside quoted fields, CRLF between records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted && ch === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (quoted && ch === '"') {
      quoted = false;
    } else if (quoted) {
      field += ch;
    } else if (ch === '"' && field === '') {
      quoted = true;
    } else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else {
      field += ch;
    }
  }
  expect(quoted, 'a quoted field ends').toBe(false);
  expect(`${field}${record.join('')}`, 'the file ends with CRLF').toBe('');
  return records;
}

describe('a drop’s orders for fulfilment', { timeout: 90_000 }, () => {
  test('carry their number, buyer and shipment; filter by status; totals split by brand', async ({
    api,
    config,
  }) => {
    const d = await dropWithOrders(api, config);
    const list = async (query: string) => {
      const r = await api.get(`/api/drops/${d.drop.id}/orders${query}`, { token: d.brand.token });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    };
    const paid = {
      id: d.paid,
      dropId: d.drop.id,
      quantity: 1,
      amountCents: 4_999,
      status: 'paid',
      createdAt: expect.any(String),
      paidAt: expect.any(String),
      number: expect.stringMatching(ORDER_NUMBER),
      buyer: TEST_BUYER,
      shipment: null,
    };
    const all = await list('');
    expect(all.orders).toEqual([expect.objectContaining({ id: d.held, buyer: null, number: null }), paid]);
    expect(all.totals).toEqual({
      paidUnits: 1,
      paidCents: 4_999,
      heldUnits: 1,
      expiredUnits: 0,
      byBrand: [{ brandId: d.brand.user.brandId, name: 'Test Brand', sharePercent: 100, paidCents: 4_999 }],
    });
    expect((await list('?status=paid')).orders).toEqual([paid]);
    expect((await list('?status=held')).orders.map((o: DropOrderJson) => o.id)).toEqual([d.held]);
    expect((await list('?status=expired&limit=1')).orders).toEqual([]);
    // The filter keeps the totals of every order, and pages by the same cursor.
    expect((await list('?status=paid')).totals).toEqual(all.totals);
    const first = await list('?limit=1');
    expect((await list(`?limit=1&status=paid&cursor=${first.nextCursor}`)).orders).toEqual([paid]);

    for (const query of ['?status=shipped', '?status=PAID', '?status=', '?status=paid,held']) {
      expectInvalid(
        await api.get(`/api/drops/${d.drop.id}/orders${query}`, { token: d.brand.token }),
        'status',
      );
    }
  });

  test('takings of a drop of three brands (33/33/34) split by largest remainder, adding up exactly', async ({
    api,
    dropline,
  }) => {
    const operator = await api.operator();
    const lead = await api.brand(operator.token, 'Lead');
    const partner = await api.brand(operator.token, 'Partner');
    const third = await api.brand(operator.token, 'Third');
    const stranger = await api.brand(operator.token, 'Stranger');
    const created = await api.post('/api/drops', {
      token: lead.token,
      body: {
        title: 'Collab',
        sku: 'CO-1',
        priceCents: 10_001,
        stock: 10,
        opensAt: new Date(Date.now() + 3600_000).toISOString(),
        brands: [
          { brandId: lead.user.brandId, sharePercent: 33 },
          { brandId: partner.user.brandId, sharePercent: 33 },
          { brandId: third.user.brandId, sharePercent: 34 },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const dropId = created.body.id as string;
    // Three paid orders of 10,001, 10,001 and 1 (an odd total, 20,003): 6,600.99, 6,600.99 and 6,801.02.
    const buyer = await api.shopper();
    await insertOrders(dropline.sql, {
      dropId,
      userId: buyer.user.id,
      count: 2,
      numberBase: 0,
      amountCents: 10_001,
    });
    await insertOrders(dropline.sql, {
      dropId,
      userId: buyer.user.id,
      count: 1,
      numberBase: 10,
      amountCents: 1,
    });

    const r = await api.get(`/api/drops/${dropId}/orders`, { token: partner.token });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.totals.paidCents).toBe(20_003);
    // The lead first; the partners in the drop's order (the split does not depend on it here: no ties to break).
    const byBrand = r.body.totals.byBrand as { brandId: string }[];
    expect(byBrand[0]).toEqual({
      brandId: lead.user.brandId,
      name: 'Lead',
      sharePercent: 33,
      paidCents: 6_601,
    });
    expect(byBrand.slice(1).sort((a, b) => (a.brandId < b.brandId ? -1 : 1))).toEqual(
      [
        { brandId: partner.user.brandId, name: 'Partner', sharePercent: 33, paidCents: 6_601 },
        { brandId: third.user.brandId, name: 'Third', sharePercent: 34, paidCents: 6_801 },
      ].sort((a, b) => (a.brandId! < b.brandId! ? -1 : 1)),
    );
    // Partners and operators read the orders and the export; a brand not in the drop reads neither.
    expect((await api.get(`/api/drops/${dropId}/orders`, { token: operator.token })).status).toBe(200);
    expect((await api.get(`/api/drops/${dropId}/orders.csv`, { token: third.token })).status).toBe(200);
    expectProblem(await api.get(`/api/drops/${dropId}/orders`, { token: stranger.token }), 403, 'forbidden');
    expectProblem(
      await api.get(`/api/drops/${dropId}/orders.csv`, { token: stranger.token }),
      403,
      'forbidden',
    );
  });
});

describe('marking an order shipped', { timeout: 90_000 }, () => {
  test('the lead brand marks a paid order shipped; again is idempotent; a new tracking replaces the old', async ({
    api,
    config,
    dropline,
  }) => {
    const d = await dropWithOrders(api, config);
    const path = shipmentPath(d.drop.id, d.paid);
    const first = await api.post(path, { token: d.brand.token, body: {} });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({
      id: d.paid,
      status: 'paid',
      number: expect.stringMatching(ORDER_NUMBER),
      buyer: TEST_BUYER,
      shipment: { shippedAt: expect.any(String), tracking: null },
    });
    const shippedAt = first.body.shipment.shippedAt as string;
    expect(Math.abs(Date.parse(shippedAt) - Date.now())).toBeLessThan(60_000);

    // A tracking given later is kept; the date stays the first marking's.
    const tracked = await api.post(path, {
      token: d.brand.token,
      body: { tracking: '  1Z999AA10123456784 ' },
    });
    expect(tracked.body.shipment).toEqual({ shippedAt, tracking: '1Z999AA10123456784' });
    const rows = await shipmentRows(dropline.sql);
    // The same tracking, or none, changes nothing.
    for (const body of [{ tracking: '1Z999AA10123456784' }, {}, undefined]) {
      const again = await api.post(path, { token: d.brand.token, body });
      expect(again.status).toBe(200);
      expect(again.body.shipment).toEqual({ shippedAt, tracking: '1Z999AA10123456784' });
    }
    expect(await shipmentRows(dropline.sql)).toEqual(rows);

    // An operator corrects the tracking: replaced, the operator recorded.
    const corrected = await api.post(path, { token: d.operator.token, body: { tracking: 'JJD000390007' } });
    expect(corrected.body.shipment).toEqual({ shippedAt, tracking: 'JJD000390007' });
    const [row] = await shipmentRows(dropline.sql);
    expect(row).toMatchObject({ order_id: d.paid, tracking: 'JJD000390007', actor: d.operator.user.id });

    // The shopper sees it on the orders page and the receipt; the brand in its listing.
    const shipment = { shippedAt, tracking: 'JJD000390007' };
    const mine = await api.get('/api/orders', { token: d.shopper.token });
    expect(Object.fromEntries(mine.body.orders.map((o: DropOrderJson) => [o.id, o.shipment]))).toEqual({
      [d.paid]: shipment,
      [d.held]: null,
    });
    expect((await api.get(`/api/orders/${d.paid}`, { token: d.shopper.token })).body.shipment).toEqual(
      shipment,
    );
    const listed = await api.get(`/api/drops/${d.drop.id}/orders?status=paid`, { token: d.brand.token });
    expect(listed.body.orders[0].shipment).toEqual(shipment);
  });

  test('partners, other brands and shoppers may not; unknown orders 404; unpaid 409; bad bodies 400; nothing changes', async ({
    api,
    config,
    dropline,
  }) => {
    const d = await dropWithOrders(api, config);
    const other = await dropWithOrders(api, config);
    const partner = await api.brand(d.operator.token, 'Partner');
    // A second drop of the lead brand's, shared with the partner: the partner still only reads.
    const shared = await api.post('/api/drops', {
      token: d.brand.token,
      body: {
        title: 'Shared',
        sku: 'SH-1',
        priceCents: 100,
        stock: 5,
        opensAt: new Date(Date.now() + 3600_000).toISOString(),
        brands: [
          { brandId: d.brand.user.brandId, sharePercent: 60 },
          { brandId: partner.user.brandId, sharePercent: 40 },
        ],
      },
    });
    expect(shared.status, JSON.stringify(shared.body)).toBe(201);
    const sharedId = shared.body.id as string;
    const tag = await insertOrders(dropline.sql, {
      dropId: sharedId,
      userId: d.shopper.user.id,
      count: 1,
      numberBase: 20,
    });
    const sharedOrder = `rsv_${tag}${'1'.padStart(43 - tag.length, '0')}`;
    expect((await api.get(`/api/drops/${sharedId}/orders`, { token: partner.token })).status).toBe(200);

    const path = shipmentPath(d.drop.id, d.paid);
    const before = await shipmentRows(dropline.sql);
    expectProblem(
      await api.post(shipmentPath(sharedId, sharedOrder), { token: partner.token }),
      403,
      'forbidden',
    );
    expectProblem(await api.post(path, { token: other.brand.token }), 403, 'forbidden');
    expectProblem(await api.post(path, { token: d.shopper.token }), 403, 'forbidden');
    expectProblem(await api.post(path, { token: (await api.guest()).token }), 403, 'forbidden');
    expectProblem(await api.post(path), 401, 'unauthorized');
    for (const [dropId, orderId] of [
      [d.drop.id, other.paid], // another drop's order
      [d.drop.id, `rsv_${'A'.repeat(43)}`],
      [d.drop.id, 'abc'],
      [randomUUID(), d.paid],
      ['abc', d.paid],
    ] as const) {
      expectProblem(
        await api.post(shipmentPath(dropId, orderId), { token: d.operator.token }),
        404,
        'not_found',
      );
    }
    expectProblem(await api.post(shipmentPath(d.drop.id, d.held), { token: d.brand.token }), 409, 'conflict');

    for (const [body, field] of [
      [{ tracking: 'x'.repeat(101) }, 'tracking'],
      [{ tracking: '' }, 'tracking'],
      [{ tracking: '   ' }, 'tracking'],
      [{ tracking: 12345 }, 'tracking'],
      [{ tracking: null }, 'tracking'],
      [{ tracking: ['1Z'] }, 'tracking'],
      [{ tracking: 'AB\u0000CD' }, 'tracking'],
      [{ tracking: 'AB\nCD' }, 'tracking'],
      [{ tracking: 'AB\u202eCD' }, 'tracking'],
      [{ tracking: '1Z', shippedAt: '2030-01-01T00:00:00Z' }, 'shippedAt'],
      ['{"tracking": ', ''],
      ['[]', ''],
    ] as const) {
      expectInvalid(await api.post(path, { token: d.brand.token, body }), field);
    }
    expectProblem(
      await api.post(path, {
        token: d.brand.token,
        body: 'tracking=1Z',
        headers: { 'content-type': 'text/plain' },
      }),
      415,
      'unsupported_media_type',
    );
    // A tracking of exactly 100 characters is fine, on a drop of the partner's (by its lead).
    expect(await shipmentRows(dropline.sql)).toEqual(before);
    const ok = await api.post(shipmentPath(sharedId, sharedOrder), {
      token: d.brand.token,
      body: { tracking: 'T'.repeat(100) },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.shipment.tracking).toBe('T'.repeat(100));
  });

  test('onShipped hears of a new shipment and of a new tracking, after the commit; its failure is not the caller’s', async ({
    api,
    config,
    dropline,
  }) => {
    const d = await dropWithOrders(api, config);
    const heard: DropOrder[] = [];
    let fail = false;
    // The orders routes alone, over the same stores, with the lead brand's session.
    const app = new Hono<EdgeEnv>();
    const session: Session = {
      userId: d.brand.user.id,
      role: 'brand',
      email: d.brand.user.email,
      brandId: d.brand.user.brandId ?? null,
      guest: false,
      issuedAt: new Date(),
      expiresAt: new Date(Date.now() + 3600_000),
    };
    app.use(async (c, next) => {
      c.set('session', session);
      c.set('log', silentLog);
      await next();
    });
    registerOrders(app, {
      orders: dropline.orders,
      drops: dropline.drops,
      onShipped: async (order) => {
        // Committed by now: another connection reads it.
        const [row] = await dropline.sql`SELECT tracking FROM order_shipments WHERE order_id = ${order.id}`;
        expect(row?.tracking ?? null).toBe(order.shipment?.tracking ?? null);
        heard.push(order);
        if (fail) throw new Error('the listener broke');
      },
    });
    app.onError((error, c) => problemResponse(c, toProblem(error).problem));
    const mark = async (body: unknown) => {
      const r = await app.request(shipmentPath(d.drop.id, d.paid), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as DropOrderJson };
    };

    expect((await mark({})).status).toBe(200);
    expect((await mark({})).status).toBe(200);
    expect(heard.map((o) => [o.id, o.shipment?.tracking])).toEqual([[d.paid, null]]);
    fail = true;
    const tracked = await mark({ tracking: 'RR123456785DE' });
    expect(tracked).toMatchObject({ status: 200, body: { shipment: { tracking: 'RR123456785DE' } } });
    expect(heard.map((o) => o.shipment?.tracking)).toEqual([null, 'RR123456785DE']);
    expect(heard[1]).toMatchObject({
      dropId: d.drop.id,
      number: expect.stringMatching(ORDER_NUMBER),
      buyer: TEST_BUYER,
    });
    // Refused marks tell nothing.
    const held = await app.request(shipmentPath(d.drop.id, d.held), { method: 'POST' });
    expect(held.status).toBe(409);
    expect(heard).toHaveLength(2);
  });
});

describe('the orders CSV', { timeout: 90_000 }, () => {
  test('quotes and neutralises hostile cells; names a safe attachment; who may read it', async ({
    api,
    config,
    dropline,
  }) => {
    const d = await dropWithOrders(api, config, { sku: 'JA-1 "Über" /../x' });
    const hostile = [
      '=HYPERLINK("http://evil")',
      '+1',
      '-2+3',
      '@SUM(A1)',
      '\tTabbed',
      'Quote "Q" Smith, Jr.\nSecond line',
    ];
    const tag = tagged();
    for (const [i, name] of hostile.entries()) {
      const id = `rsv_${tag}${String(i + 1).padStart(43 - tag.length, '0')}`;
      await dropline.sql`
        INSERT INTO orders (id, drop_id, user_id, quantity, amount_cents, status, expires_at, created_at, paid_at)
        VALUES (${id}, ${d.drop.id}, ${d.shopper.user.id}, 2, 1200, 'paid', now(), ${new Date(Date.UTC(2020, 0, 1, 0, 0, i))},
                ${new Date(Date.UTC(2020, 0, 1, 0, 1, i))})`;
      await dropline.sql`
        INSERT INTO order_details (reservation_id, number, buyer_name, buyer_email, shipping_address)
        VALUES (${id}, ${`DL-0900-000${i}`}, ${name}, ${'=cmd@example.test'},
                ${dropline.sql.json({ line1: '-1 Minus Road', line2: 'Flat "B", top', city: 'Berlin', postalCode: '10115', country: 'DE' })})`;
    }
    const shipped = await api.post(shipmentPath(d.drop.id, d.paid), {
      token: d.brand.token,
      body: { tracking: '@track' },
    });
    expect(shipped.status).toBe(200);

    const r = await api.get(`/api/drops/${d.drop.id}/orders.csv`, { token: d.operator.token });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(r.headers.get('content-disposition')).toMatch(
      /^attachment; filename="orders-JA-1-Uber-x-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const records = parseCsv(r.body as string);
    expect(records[0]).toEqual([...CSV_HEADER]);
    // Newest first: the held order, the paid one, then the inserted ones (created in 2020), last inserted first.
    expect(records).toHaveLength(3 + hostile.length);
    const byId = new Map(records.slice(1).map((rec) => [rec[1], rec]));
    expect(byId.get(d.held)).toEqual([
      '',
      d.held,
      'held',
      '1',
      '49.99',
      'USD',
      expect.any(String),
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
    ]);
    const paid = byId.get(d.paid)!;
    expect(paid).toEqual([
      expect.stringMatching(ORDER_NUMBER),
      d.paid,
      'paid',
      '1',
      '49.99',
      'USD',
      expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      'Test Buyer',
      'buyer@example.test',
      '1 Test Street',
      '',
      'Testville',
      '',
      '10115',
      'DE',
      shipped.body.shipment.shippedAt,
      "'@track",
    ]);
    const names = records.slice(3).map((rec) => rec[8]);
    expect(names).toEqual(hostile.map((n) => (/^[=+\-@\t]/.test(n) ? `'${n}` : n)).reverse());
    for (const rec of records.slice(3)) {
      expect(rec.slice(2, 8)).toEqual([
        'paid',
        '2',
        '12.00',
        'USD',
        expect.stringMatching(/^2020-01-01T00:00:0\d\.000Z$/),
        expect.stringMatching(/^2020-01-01T00:01:0\d\.000Z$/),
      ]);
      expect(rec.slice(9, 12)).toEqual(["'=cmd@example.test", "'-1 Minus Road", 'Flat "B", top']);
    }
    // On the wire: the formula is quoted as a whole after its neutralising quote, the newline inside quotes.
    const text = r.body as string;
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text).toContain('"Quote ""Q"" Smith, Jr.\nSecond line"');

    // Who may: the brand and operators; not shoppers or anonymous callers; an unknown drop is 404; filters.
    expect((await api.get(`/api/drops/${d.drop.id}/orders.csv`, { token: d.brand.token })).status).toBe(200);
    expectProblem(
      await api.get(`/api/drops/${d.drop.id}/orders.csv`, { token: d.shopper.token }),
      403,
      'forbidden',
    );
    expectProblem(await api.get(`/api/drops/${d.drop.id}/orders.csv`), 401, 'unauthorized');
    expectProblem(
      await api.get(`/api/drops/${randomUUID()}/orders.csv`, { token: d.operator.token }),
      404,
      'not_found',
    );
    const held = parseCsv(
      (await api.get(`/api/drops/${d.drop.id}/orders.csv?status=held`, { token: d.brand.token })).body,
    );
    expect(held.map((rec) => rec[1])).toEqual(['order id', d.held]);
    expectInvalid(
      await api.get(`/api/drops/${d.drop.id}/orders.csv?status=lost`, { token: d.brand.token }),
      'status',
    );
    expectInvalid(
      await api.get(`/api/drops/${d.drop.id}/orders.csv?limit=5`, { token: d.brand.token }),
      'limit',
    );
  });

  test(
    '100,000 orders stream out in batches: 100,001 lines that parse back, the heap never holds the file',
    { timeout: 180_000 },
    async ({ api, dropline }) => {
      const { brand, drop } = await api.openDrop(
        { sku: 'BIG-1', priceCents: 4_999, stock: 1000 },
        { open: false },
      );
      const buyer = await api.shopper();
      const count = 100_000;
      await insertOrders(dropline.sql, {
        dropId: drop.id,
        userId: buyer.user.id,
        count,
        numberBase: 1_000_000,
      });

      // A full collection before each reading, so that what is measured is what is kept, not garbage.
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const retained = () => {
        gc();
        const m = process.memoryUsage();
        return m.heapUsed + m.arrayBuffers;
      };
      const baseline = retained();
      const res = await dropline.app!.request(`/api/drops/${drop.id}/orders.csv`, {
        headers: { authorization: `Bearer ${brand.token}` },
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let bytes = 0;
      let chunks = 0;
      let peak = 0;
      let lines = 0;
      let tail = '';
      const parsed: string[][] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        chunks++;
        // Count records and keep a few (the header, then one in 10,000) to parse back; the rest is let go.
        const text = tail + decoder.decode(value, { stream: true });
        const cut = text.lastIndexOf('\r\n') + 2;
        const whole = text.slice(0, cut);
        tail = text.slice(cut);
        for (const line of whole.split('\r\n').slice(0, -1)) {
          if (lines === 0 || lines % 10_000 === 1) parsed.push(...parseCsv(`${line}\r\n`));
          lines++;
        }
        if (chunks % 25 === 0) peak = Math.max(peak, retained() - baseline);
      }
      expect(tail).toBe('');
      expect(lines).toBe(count + 1);
      expect(chunks).toBeGreaterThan(count / 1000);
      expect(parsed[0]).toEqual([...CSV_HEADER]);
      for (const rec of parsed.slice(1)) {
        expect(rec).toHaveLength(CSV_HEADER.length);
        expect(rec[0]).toMatch(/^DL-\d{4}-\d{4}$/);
        expect(rec.slice(2, 6)).toEqual(['paid', '1', '49.99', 'USD']);
      }
      // Newest first: buyer 1 (the newest), then every 10,000th.
      expect(parsed.slice(1).map((rec) => rec[8])).toEqual(
        Array.from({ length: 10 }, (_, k) => `Buyer ${k * 10_000 + 1}`),
      );
      expect(bytes).toBeGreaterThan(15_000_000);
      expect(peak, `retained growth ${peak} B for a file of ${bytes} B`).toBeLessThan(bytes / 2);
    },
  );

  test('a client that goes away mid-download over HTTP ends its export: the cursor closes, the slot is free again', async ({
    api,
    dropline,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const { brand, drop } = await api.openDrop({ sku: 'GONE-1' }, { open: false });
    const buyer = await api.shopper();
    await insertOrders(dropline.sql, {
      dropId: drop.id,
      userId: buyer.user.id,
      count: 20_000,
      numberBase: 6_000_000,
    });
    const url = `http://127.0.0.1:${server.port}/api/drops/${drop.id}/orders.csv`;
    const headers = { authorization: `Bearer ${brand.token}` };
    const aborts = [];
    for (let k = 0; k < MAX_EXPORTS; k++) {
      const abort = new AbortController();
      const res = await fetch(url, { headers, signal: abort.signal });
      expect(res.status).toBe(200);
      expect((await res.body!.getReader().read()).done).toBe(false);
      aborts.push(abort);
    }
    expect((await fetch(url, { headers })).status).toBe(503);
    for (const abort of aborts) abort.abort();
    // The server hears the connection close, cancels the stream, which returns the cursor's connection.
    await vi.waitFor(async () => {
      const again = await Promise.all(Array.from({ length: MAX_EXPORTS }, () => fetch(url, { headers })));
      const statuses = again.map((r) => r.status);
      for (const r of again) await r.body?.cancel();
      expect(statuses).toEqual(Array(MAX_EXPORTS).fill(200));
    }, PIPELINE);
  });

  test(`at most ${MAX_EXPORTS} exports at once per edge; one more is 503 until one ends (read or cancelled)`, async ({
    api,
    dropline,
  }) => {
    const { brand, drop } = await api.openDrop({ sku: 'CAP-1' }, { open: false });
    const buyer = await api.shopper();
    await insertOrders(dropline.sql, {
      dropId: drop.id,
      userId: buyer.user.id,
      count: 3_000,
      numberBase: 5_000_000,
    });
    const download = async () =>
      dropline.app!.request(`/api/drops/${drop.id}/orders.csv`, {
        headers: { authorization: `Bearer ${brand.token}` },
      });
    const open = [];
    for (let k = 0; k < MAX_EXPORTS; k++) {
      const r = await download();
      expect(r.status).toBe(200);
      open.push(r);
    }
    const refused = await download();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ code: 'unavailable' });

    await open[0]!.body!.cancel();
    const third = await download();
    expect(third.status).toBe(200);
    expect((await third.text()).split('\r\n')).toHaveLength(3_000 + 2);
    await open[1]!.text();
    const after = await Promise.all(Array.from({ length: MAX_EXPORTS }, () => download()));
    expect(after.map((r) => r.status)).toEqual(Array(MAX_EXPORTS).fill(200));
    await Promise.all(after.map((r) => r.body!.cancel()));
  });
});
