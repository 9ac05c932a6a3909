import { randomUUID } from 'node:crypto';
import { describe, expect, vi } from 'vitest';
import {
  type Api,
  type Config,
  type Dropline,
  expectInvalid,
  expectProblem,
  test,
  DECLINED_NUMBER,
  payBody,
  testCard,
  TEST_BUYER,
} from '../../infra/testing/index.js';
import { createAdmissionTokens } from '../index.js';
import type { DropJson } from './drops.js';
import type { ReservationJson } from './reservations.js';

const HOUR = 3600_000;
const opensAt = () => new Date(Date.now() + HOUR).toISOString();
/** The workers apply events to PostgreSQL asynchronously (target p99 < 1 s); this is the deadline for seeing them. */
const PIPELINE = { timeout: 10_000, interval: 50 };
const ADMIT_DEADLINE = { timeout: 10_000, interval: 50 };
const RESERVATION_ID = /^rsv_[A-Za-z0-9_-]{43}$/;

interface Fixtures {
  api: Api;
  config: Config;
  dropline: Dropline;
  prefix: string;
}

/**
 * An open drop of a new brand, with helpers: `admission` signs an admission token directly (the reservation
 * endpoint checks only the token), `stock` reads the drop's units from Redis, which is exact (no cache).
 */
async function openDrop({ api, config, dropline, prefix }: Fixtures, extra: Record<string, unknown> = {}) {
  const { operator, brand, drop } = await api.openDrop({
    title: 'Sneaker',
    sku: 'SN-1',
    priceCents: 12_500,
    stock: 10,
    admissionPerMinute: 6000,
    ...extra,
  });
  const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  const key = (name: string) => `${prefix}{drop:${drop.id}}:${name}`;
  return {
    operator,
    brand,
    drop,
    admission: (
      shopperId: string,
      { dropId = drop.id, expiresAt = new Date(Date.now() + 5 * 60_000) } = {},
    ) => tokens.sign({ shopperId, dropId, expiresAt }),
    reserve: (
      token: string | undefined,
      admission: string | undefined,
      body?: unknown,
      headers: Record<string, string> = {},
    ) =>
      api.post(`/api/drops/${drop.id}/reservations`, {
        token,
        body,
        headers: { ...(admission === undefined ? {} : { 'x-admission-token': admission }), ...headers },
      }),
    async stock() {
      const h = await dropline.redis.hgetall(key('stock'));
      return {
        total: Number(h.total),
        available: Number(h.available),
        held: Number(h.held),
        sold: Number(h.sold),
      };
    },
    holdCount: () => dropline.redis.hlen(key('holds')),
  };
}

/** A new guest with a directly signed admission to the drop. */
async function admittedGuest(api: Api, d: Awaited<ReturnType<typeof openDrop>>) {
  const guest = await api.guest();
  return { ...guest, admission: await d.admission(guest.user.id) };
}

function reservations(api: Api) {
  return {
    get: (token: string | undefined, id: string) => api.get(`/api/reservations/${id}`, { token }),
    release: (token: string | undefined, id: string) => api.delete(`/api/reservations/${id}`, { token }),
    pay: (token: string | undefined, id: string, body: unknown = payBody(), headers = {}) =>
      api.post(`/api/reservations/${id}/pay`, { token, body, headers }),
  };
}

describe('the whole flow', () => {
  test('a guest joins, is admitted, reserves and pays; the order, its totals and the guest reach PostgreSQL', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures, { priceCents: 12_500, perUserLimit: 2, holdSeconds: 600 });
    const r = reservations(api);
    const guest = await api.guest();
    const guestRows = () =>
      dropline.sql`SELECT role, guest, email FROM users WHERE id = ${guest.user.id}`.then((rows) => [
        ...rows,
      ]);
    expect(await guestRows()).toEqual([]);

    // Through the real waiting room: join, then wait for the admission controller.
    expect((await api.post(`/api/drops/${d.drop.id}/queue`, { token: guest.token })).status).toBe(201);
    const admission = await vi.waitFor(async () => {
      const me = await api.get(`/api/drops/${d.drop.id}/queue/me`, { token: guest.token });
      expect(me.body.admission?.token).toEqual(expect.any(String));
      return me.body.admission.token as string;
    }, ADMIT_DEADLINE);
    // Admission alone writes nothing to PostgreSQL.
    expect(await guestRows()).toEqual([]);

    const before = Date.now();
    const reserved = await d.reserve(guest.token, admission, { quantity: 2 });
    const after = Date.now();
    expect(reserved.status, JSON.stringify(reserved.body)).toBe(201);
    const held = reserved.body as ReservationJson;
    expect(held).toEqual({
      id: expect.stringMatching(RESERVATION_ID),
      dropId: d.drop.id,
      quantity: 2,
      status: 'held',
      expiresAt: expect.any(String),
    });
    const expiresAt = Date.parse(held.expiresAt);
    expect(new Date(expiresAt).toISOString()).toBe(held.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 600_000);
    expect(await d.stock()).toEqual({ total: 10, available: 8, held: 2, sold: 0 });

    const live = await r.get(guest.token, held.id);
    expect(live.status).toBe(200);
    expect(live.body).toEqual(held);

    const paid = await r.pay(guest.token, held.id);
    const paidBy = Date.now();
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body).toEqual({ orderId: held.id, status: 'paid' });
    expect((await r.get(guest.token, held.id)).body).toEqual({ ...held, status: 'paid', orderId: held.id });
    expect(await d.stock()).toEqual({ total: 10, available: 8, held: 0, sold: 2 });
    expect(dropline.payments.captured).toEqual([held.id]);
    expect(dropline.payments.voided).toEqual([]);

    const order = {
      id: held.id,
      dropId: d.drop.id,
      quantity: 2,
      amountCents: 25_000,
      status: 'paid',
      createdAt: new Date(expiresAt - 600_000).toISOString(),
      paidAt: expect.any(String),
    };
    // The shopper's own orders also say what was bought, from whom, its number and the buyer's details.
    const mine = {
      ...order,
      number: expect.stringMatching(/^DL-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/),
      title: 'Sneaker',
      brandName: 'Test Brand',
      currency: 'USD',
      buyer: { ...TEST_BUYER },
      shipment: null,
    };
    await vi.waitFor(async () => {
      const list = await api.get('/api/orders', { token: guest.token });
      expect(list.status).toBe(200);
      expect(list.body).toEqual({ orders: [mine], nextCursor: null });
    }, PIPELINE);
    const one = await api.get(`/api/orders/${held.id}`, { token: guest.token });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(mine);
    const paidAt = Date.parse(one.body.paidAt);
    expect(paidAt).toBeGreaterThanOrEqual(after);
    expect(paidAt).toBeLessThanOrEqual(paidBy);

    const forBrand = await api.get(`/api/drops/${d.drop.id}/orders`, { token: d.brand.token });
    expect(forBrand.status).toBe(200);
    // The brand's list carries what fulfilment needs: the number, the buyer, the shipment (none yet).
    expect(forBrand.body).toEqual({
      orders: [{ ...order, number: mine.number, buyer: mine.buyer, shipment: null }],
      totals: {
        paidUnits: 2,
        paidCents: 25_000,
        heldUnits: 0,
        expiredUnits: 0,
        byBrand: [
          { brandId: d.brand.user.brandId, name: 'Test Brand', sharePercent: 100, paidCents: 25_000 },
        ],
      },
      nextCursor: null,
    });

    // Recorded by its first event, as a guest.
    expect(await guestRows()).toEqual([{ role: 'shopper', guest: true, email: null }]);
    expect(dropline.payments.captured).toEqual([held.id]);
  });
});

describe('admission', () => {
  test('a missing, forged, expired, foreign or other-drop admission is 403 not_admitted and reserves nothing', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures, { stock: 5 });
    const other = await openDrop(fixtures, { stock: 5 });
    const me = await api.guest();
    const someoneElse = await api.guest();
    const forger = createAdmissionTokens({
      key: new TextEncoder().encode(`${config.jwtSecret}-but-not-quite`),
    });
    const soon = new Date(Date.now() + 5 * 60_000);
    const refused: [string, string | undefined][] = [
      ['missing', undefined],
      ['empty', ''],
      ['garbage', 'not-a-jwt'],
      ['forged', await forger.sign({ shopperId: me.user.id, dropId: d.drop.id, expiresAt: soon })],
      ['expired', await d.admission(me.user.id, { expiresAt: new Date(Date.now() - 60_000) })],
      ['another shopper’s', await d.admission(someoneElse.user.id)],
      ['another drop’s', await d.admission(me.user.id, { dropId: other.drop.id })],
      ['a session token', me.token],
    ];
    for (const [what, token] of refused) {
      const r = await d.reserve(me.token, token);
      expect({ what, status: r.status, code: r.body?.code }).toEqual({
        what,
        status: 403,
        code: 'not_admitted',
      });
      expect(r.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(await d.stock()).toEqual({ total: 5, available: 5, held: 0, sold: 0 });
    expect(await d.holdCount()).toBe(0);
    expect(await other.stock()).toEqual({ total: 5, available: 5, held: 0, sold: 0 });

    // The same shopper with its own admission to this drop is served.
    const ok = await d.reserve(me.token, await d.admission(me.user.id));
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(await d.stock()).toEqual({ total: 5, available: 4, held: 1, sold: 0 });
  });
});

describe('reserving', () => {
  test('a quantity that is not a whole number in range, or an unknown field, is 400 validation_failed', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures, { perUserLimit: 3 });
    const me = await admittedGuest(api, d);
    for (const quantity of [0, -1, 1.5, 10_000, '1', null, true, [1], { n: 1 }]) {
      const r = await d.reserve(me.token, me.admission, { quantity });
      expect(r.status, `quantity ${JSON.stringify(quantity)}`).toBe(400);
      expectInvalid(r, 'quantity');
    }
    expectInvalid(await d.reserve(me.token, me.admission, { quantity: 1, colour: 'red' }), 'colour');
    expectProblem(await d.reserve(me.token, me.admission, '{"quantity":'), 400, 'validation_failed');
    expectProblem(await d.reserve(me.token, me.admission, '[1]'), 400, 'validation_failed');
    expect(await d.stock()).toEqual({ total: 10, available: 10, held: 0, sold: 0 });
    expect(await d.holdCount()).toBe(0);

    // No body at all is one unit.
    const one = await d.reserve(me.token, me.admission);
    expect(one.status).toBe(201);
    expect(one.body.quantity).toBe(1);
  });

  test('more than perUserLimit, counting held and paid units, is 409 limit_reached', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures, { perUserLimit: 2 });
    const r = reservations(api);
    const me = await admittedGuest(api, d);
    expectProblem(await d.reserve(me.token, me.admission, { quantity: 3 }), 409, 'limit_reached');
    expect(await d.stock()).toEqual({ total: 10, available: 10, held: 0, sold: 0 });

    const first = await d.reserve(me.token, me.admission, { quantity: 1 });
    expect(first.status).toBe(201);
    expectProblem(await d.reserve(me.token, me.admission, { quantity: 2 }), 409, 'limit_reached');
    expect((await r.pay(me.token, first.body.id)).status).toBe(200);
    const second = await d.reserve(me.token, me.admission, { quantity: 1 });
    expect(second.status).toBe(201);
    // One paid and one held: the limit is used up.
    expectProblem(await d.reserve(me.token, me.admission, { quantity: 1 }), 409, 'limit_reached');
    expect(await d.stock()).toEqual({ total: 10, available: 8, held: 1, sold: 1 });
    // Releasing gives the held unit back to the shopper's allowance.
    expect((await r.release(me.token, second.body.id)).status).toBe(200);
    expect((await d.reserve(me.token, me.admission, { quantity: 1 })).status).toBe(201);
    expect(dropline.payments.captured).toEqual([first.body.id]);
  });

  test('a drop that is closed, or not open yet, is 409 drop_not_open; an unknown drop is 404', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const closed = await openDrop(fixtures);
    expect((await api.post(`/api/drops/${closed.drop.id}/close`, { token: closed.brand.token })).status).toBe(
      200,
    );
    const me = await api.guest();
    expectProblem(await closed.reserve(me.token, await closed.admission(me.user.id)), 409, 'drop_not_open');
    expect(await closed.stock()).toEqual({ total: 10, available: 10, held: 0, sold: 0 });

    const created = await api.post('/api/drops', {
      token: closed.brand.token,
      body: { title: 'Later', sku: 'LA-1', priceCents: 100, stock: 3, opensAt: opensAt() },
    });
    expect(created.status).toBe(201);
    const scheduled = created.body as DropJson;
    const admission = await closed.admission(me.user.id, { dropId: scheduled.id });
    const r = await api.post(`/api/drops/${scheduled.id}/reservations`, {
      token: me.token,
      headers: { 'x-admission-token': admission },
    });
    expectProblem(r, 409, 'drop_not_open');

    // An unknown drop, even with an admission signed for it, is 404; a malformed id too.
    const unknown = randomUUID();
    const toUnknown = await api.post(`/api/drops/${unknown}/reservations`, {
      token: me.token,
      headers: { 'x-admission-token': await closed.admission(me.user.id, { dropId: unknown }) },
    });
    expectProblem(toUnknown, 404, 'not_found');
    expectProblem(
      await api.post('/api/drops/abc/reservations', {
        token: me.token,
        headers: { 'x-admission-token': await closed.admission(me.user.id) },
      }),
      404,
      'not_found',
    );
  });

  test('the last unit goes to one shopper; the next is 409 sold_out', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures, { stock: 1 });
    const [first, second] = [await admittedGuest(api, d), await admittedGuest(api, d)];
    expect((await d.reserve(first.token, first.admission)).status).toBe(201);
    expectProblem(await d.reserve(second.token, second.admission), 409, 'sold_out');
    expect(await d.stock()).toEqual({ total: 1, available: 0, held: 1, sold: 0 });
  });

  test('asking for more units than are left is 409 sold_out, all or nothing', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const d = await openDrop({ api, config, dropline, prefix }, { stock: 3, perUserLimit: 2 });
    const [first, second] = [await admittedGuest(api, d), await admittedGuest(api, d)];
    expect((await d.reserve(first.token, first.admission, { quantity: 2 })).status).toBe(201);
    expectProblem(await d.reserve(second.token, second.admission, { quantity: 2 }), 409, 'sold_out');
    expect(await d.stock()).toEqual({ total: 3, available: 1, held: 2, sold: 0 });
    const last = await d.reserve(second.token, second.admission, { quantity: 1 });
    expect(last.status).toBe(201);
    expect(await d.stock()).toEqual({ total: 3, available: 0, held: 3, sold: 0 });
  });

  test('300 guests reserve one unit of 50 at once: exactly 50 are held, 250 are sold_out', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures, { stock: 50 });
    const crowd = await Promise.all(Array.from({ length: 300 }, () => admittedGuest(api, d)));
    const answers = await Promise.all(crowd.map((g) => d.reserve(g.token, g.admission)));
    const held = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 409 && a.body.code === 'sold_out');
    expect(held).toHaveLength(50);
    expect(refused).toHaveLength(250);
    expect(new Set(held.map((a) => a.body.id as string)).size).toBe(50);
    expect(held.every((a) => a.body.status === 'held' && a.body.quantity === 1)).toBe(true);
    expect(await d.stock()).toEqual({ total: 50, available: 0, held: 50, sold: 0 });
    expect(await d.holdCount()).toBe(50);
  });
});

describe('who sees a reservation', () => {
  test('an unknown id or another shopper’s reservation is 404 for GET, DELETE and pay', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures);
    const r = reservations(api);
    const owner = await admittedGuest(api, d);
    const reserved = await d.reserve(owner.token, owner.admission);
    expect(reserved.status).toBe(201);
    const intruder = await api.shopper();

    for (const id of [`rsv_${'A'.repeat(43)}`, 'abc', randomUUID(), reserved.body.id as string]) {
      for (const [what, answer] of [
        ['GET', await r.get(intruder.token, id)],
        ['DELETE', await r.release(intruder.token, id)],
        ['pay', await r.pay(intruder.token, id)],
      ] as const) {
        expect({ id, what, status: answer.status, code: answer.body?.code }).toEqual({
          id,
          what,
          status: 404,
          code: 'not_found',
        });
      }
    }
    // The owner's reservation was neither released nor paid by those attempts.
    expect((await r.get(owner.token, reserved.body.id)).body).toEqual(reserved.body);
    expect(await d.stock()).toEqual({ total: 10, available: 9, held: 1, sold: 0 });
    expect(dropline.payments.captured).toEqual([]);
  });

  test('anonymous callers are 401; brand and operator are 403', async ({ api, config, dropline, prefix }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures);
    const r = reservations(api);
    const owner = await admittedGuest(api, d);
    const reserved = await d.reserve(owner.token, owner.admission);
    expect(reserved.status).toBe(201);
    const id = reserved.body.id as string;

    const callers: [string, string | undefined, number, string][] = [
      ['anonymous', undefined, 401, 'unauthorized'],
      ['brand', d.brand.token, 403, 'forbidden'],
      ['operator', d.operator.token, 403, 'forbidden'],
    ];
    for (const [who, token, status, code] of callers) {
      for (const [what, answer] of [
        ['reserve', await d.reserve(token, owner.admission)],
        ['GET', await r.get(token, id)],
        ['DELETE', await r.release(token, id)],
        ['pay', await r.pay(token, id)],
      ] as const) {
        expect({ who, what, status: answer.status, code: answer.body?.code }).toEqual({
          who,
          what,
          status,
          code,
        });
      }
    }
    expect((await r.get(owner.token, id)).body.status).toBe('held');
    expect(await d.stock()).toEqual({ total: 10, available: 9, held: 1, sold: 0 });
  });
});

describe('releasing', () => {
  test('DELETE releases at once; again is 409 conflict; paying a released hold is 409 conflict', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures, { stock: 5, perUserLimit: 2 });
    const r = reservations(api);
    const me = await admittedGuest(api, d);
    const reserved = await d.reserve(me.token, me.admission, { quantity: 2 });
    expect(reserved.status).toBe(201);
    expect(await d.stock()).toEqual({ total: 5, available: 3, held: 2, sold: 0 });

    const released = await r.release(me.token, reserved.body.id);
    expect(released.status).toBe(200);
    expect(released.body).toEqual({ ...reserved.body, status: 'released' });
    expect(await d.stock()).toEqual({ total: 5, available: 5, held: 0, sold: 0 });
    expect((await r.get(me.token, reserved.body.id)).body.status).toBe('released');

    expectProblem(await r.release(me.token, reserved.body.id), 409, 'conflict');
    expectProblem(await r.pay(me.token, reserved.body.id), 409, 'conflict');
    expect((await r.get(me.token, reserved.body.id)).body.status).toBe('released');
    expect(await d.stock()).toEqual({ total: 5, available: 5, held: 0, sold: 0 });
    expect(dropline.payments.captured).toEqual([]);
  });
});

describe('paying', () => {
  test('paying twice without an Idempotency-Key: the second answers the order, authorizes nothing, charges once', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures);
    const r = reservations(api);
    const me = await admittedGuest(api, d);
    const { id } = (await d.reserve(me.token, me.admission)).body as ReservationJson;
    expect((await r.pay(me.token, id)).body).toEqual({ orderId: id, status: 'paid' });
    // A retry after a lost answer: the truth (sold to this shopper), and no second authorization.
    const again = await r.pay(me.token, id);
    expect({ status: again.status, body: again.body }).toEqual({
      status: 200,
      body: { orderId: id, status: 'paid' },
    });
    expectProblem(await r.release(me.token, id), 409, 'conflict');
    expect(dropline.payments.captured).toEqual([id]);
    const rows = await dropline.sql`SELECT state FROM payments WHERE reservation_id = ${id}`;
    expect(rows.map((row) => row.state)).toEqual(['captured']);
    expect(await d.stock()).toEqual({ total: 10, available: 9, held: 0, sold: 1 });
  });

  test('concurrent pays of one hold without a key: all answer the order; one capture, every other authorization voided', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const d = await openDrop({ api, config, dropline, prefix });
    const r = reservations(api);
    const me = await admittedGuest(api, d);
    const { id } = (await d.reserve(me.token, me.admission)).body as ReservationJson;
    const answers = await Promise.all(Array.from({ length: 10 }, () => r.pay(me.token, id)));
    for (const a of answers)
      expect({ status: a.status, body: a.body }).toEqual({
        status: 200,
        body: { orderId: id, status: 'paid' },
      });
    expect(dropline.payments.captured).toEqual([id]);
    // Every other authorization that was made was voided: none is left open.
    expect(dropline.payments.voided.every((v) => v === id)).toBe(true);
    const states = await dropline.sql`SELECT state FROM payments WHERE reservation_id = ${id}`;
    expect(states.filter((row) => row.state === 'captured')).toHaveLength(1);
    expect(states.every((row) => row.state === 'captured' || row.state === 'voided')).toBe(true);
    expect(await d.stock()).toEqual({ total: 10, available: 9, held: 0, sold: 1 });
  });

  test('a declined card is 402 payment_declined and the hold stays held', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures);
    const r = reservations(api);
    const me = await admittedGuest(api, d);
    const { id } = (await d.reserve(me.token, me.admission)).body as ReservationJson;
    expectProblem(await r.pay(me.token, id, payBody(DECLINED_NUMBER)), 402, 'payment_declined');
    expect((await r.get(me.token, id)).body.status).toBe('held');
    expect(await d.stock()).toEqual({ total: 10, available: 9, held: 1, sold: 0 });
    expect(dropline.payments.captured).toEqual([]);

    // The hold is still there to pay with a good card.
    expect((await r.pay(me.token, id)).body).toEqual({ orderId: id, status: 'paid' });
    expect(dropline.payments.captured).toEqual([id]);
  });

  test('a missing or malformed card or buyer is 400 naming the field; nothing is held or charged', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures);
    const r = reservations(api);
    const me = await admittedGuest(api, d);
    const { id } = (await d.reserve(me.token, me.admission)).body as ReservationJson;
    const lastMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 1));
    const cases: [unknown, string][] = [
      [{ buyer: TEST_BUYER }, 'card'],
      [{ card: '4242424242424242', buyer: TEST_BUYER }, 'card'],
      [{ card: null, buyer: TEST_BUYER }, 'card'],
      [{ card: { ...testCard(), number: 'abc' }, buyer: TEST_BUYER }, 'card.number'],
      [{ card: { ...testCard(), number: '4242424242424241' }, buyer: TEST_BUYER }, 'card.number'],
      [{ card: { ...testCard(), cvc: '12' }, buyer: TEST_BUYER }, 'card.cvc'],
      [{ card: { ...testCard(), cvc: '12a' }, buyer: TEST_BUYER }, 'card.cvc'],
      [{ card: { ...testCard(), expMonth: 13 }, buyer: TEST_BUYER }, 'card.expMonth'],
      [{ card: { ...testCard(), expMonth: undefined }, buyer: TEST_BUYER }, 'card.expMonth'],
      [
        {
          card: { ...testCard(), expMonth: lastMonth.getUTCMonth() + 1, expYear: lastMonth.getUTCFullYear() },
          buyer: TEST_BUYER,
        },
        'card.expYear',
      ],
      [{ card: testCard() }, 'buyer'],
      [{ card: testCard(), buyer: { ...TEST_BUYER, name: ' ' } }, 'buyer.name'],
      [{ card: testCard(), buyer: { ...TEST_BUYER, email: 'not-an-email' } }, 'buyer.email'],
      // A guest has no account email to fall back on.
      [{ card: testCard(), buyer: { name: 'A', address: TEST_BUYER.address } }, 'buyer.email'],
      // The drop ships (the default fulfilment).
      [{ card: testCard(), buyer: { name: 'A', email: 'a@example.test' } }, 'buyer.address'],
      [
        { card: testCard(), buyer: { ...TEST_BUYER, address: { ...TEST_BUYER.address, country: 'DEU' } } },
        'buyer.address.country',
      ],
      [
        { card: testCard(), buyer: { ...TEST_BUYER, address: { ...TEST_BUYER.address, city: '' } } },
        'buyer.address.city',
      ],
      [{ ...payBody(), tip: 5 }, 'tip'],
    ];
    for (const [body, field] of cases) expectInvalid(await r.pay(me.token, id, body), field);
    // No body at all.
    expectInvalid(await api.post(`/api/reservations/${id}/pay`, { token: me.token }), 'card');
    expect((await r.get(me.token, id)).body.status).toBe('held');
    expect(dropline.payments.captured).toEqual([]);
    expect(await dropline.sql`SELECT 1 FROM payments WHERE reservation_id = ${id}`).toHaveLength(0);
    expect(await dropline.sql`SELECT 1 FROM order_details WHERE reservation_id = ${id}`).toHaveLength(0);
  });

  test('the buyer: stored with the order before the answer; a registered shopper’s email by default; no address unless the drop ships', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures);
    const r = reservations(api);
    const me = await admittedGuest(api, d);
    const { id } = (await d.reserve(me.token, me.admission)).body as ReservationJson;
    const address = { ...TEST_BUYER.address, line2: 'Flat 2', region: 'Berlin', country: 'de' };
    const paid = await r.pay(me.token, id, { card: testCard(), buyer: { ...TEST_BUYER, address } });
    expect(paid.body).toEqual({ orderId: id, status: 'paid' });
    const [row] = await dropline.sql<
      { number: string; buyer_name: string; buyer_email: string; shipping_address: unknown }[]
    >`SELECT number, buyer_name, buyer_email, shipping_address FROM order_details WHERE reservation_id = ${id}`;
    expect(row).toEqual({
      number: expect.stringMatching(/^DL-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/),
      buyer_name: TEST_BUYER.name,
      buyer_email: TEST_BUYER.email,
      shipping_address: { ...address, country: 'DE' },
    });

    // A digital drop: no address asked for (one given is not kept); a registered shopper's email is the account's.
    const digital = await openDrop(fixtures, { fulfilment: 'digital' });
    expect(digital.drop.fulfilment).toBe('digital');
    const shopper = await api.shopper();
    const admission = await digital.admission(shopper.user.id);
    const held = (await digital.reserve(shopper.token, admission)).body as ReservationJson;
    const answer = await r.pay(shopper.token, held.id, {
      card: testCard(),
      buyer: { name: 'Registered Buyer', address: TEST_BUYER.address },
    });
    expect(answer.status).toBe(200);
    const [other] = await dropline.sql<{ number: string; buyer_email: string; shipping_address: unknown }[]>`
      SELECT number, buyer_email, shipping_address FROM order_details WHERE reservation_id = ${held.id}`;
    expect(other).toEqual({
      number: expect.any(String),
      buyer_email: shopper.user.email,
      shipping_address: null,
    });
    expect(other!.number).not.toBe(row!.number);
  });
});

describe('hold expiry', () => {
  test('an unpaid hold expires within a second or two of its deadline; paying it then is 410 hold_expired', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures, { stock: 3, holdSeconds: 1 });
    const r = reservations(api);
    const me = await admittedGuest(api, d);
    const before = Date.now();
    const reserved = await d.reserve(me.token, me.admission);
    expect(reserved.status).toBe(201);
    const { id } = reserved.body as ReservationJson;
    const deadline = Date.parse(reserved.body.expiresAt);
    expect(deadline).toBeGreaterThanOrEqual(before + 1000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await d.stock()).toEqual({ total: 3, available: 2, held: 1, sold: 0 });

    await vi.waitFor(
      async () => {
        expect((await r.get(me.token, id)).body.status).toBe('expired');
      },
      { timeout: deadline + 2000 - Date.now(), interval: 50 },
    );
    expect(Date.now()).toBeLessThanOrEqual(deadline + 2500);
    expect(await d.stock()).toEqual({ total: 3, available: 3, held: 0, sold: 0 });

    expectProblem(await r.pay(me.token, id), 410, 'hold_expired');
    expect((await r.get(me.token, id)).body).toEqual({ ...reserved.body, status: 'expired' });
    expect(dropline.payments.captured).toEqual([]);
    // Paying a hold already seen expired authorizes nothing; an authorization, had there been one, is voided.
    expect(dropline.payments.voided.every((v) => v === id)).toBe(true);
    expectProblem(await r.release(me.token, id), 409, 'conflict');
  });

  test('paying an overdue hold before the sweep: pay loses to expiry, the authorization is voided, not captured', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures, { stock: 3, holdSeconds: 1 });
    const r = reservations(api);
    const me = await admittedGuest(api, d);
    // Nobody sweeps while the background is stopped, so the hold is still `held` past its deadline.
    await dropline.background.stop();
    const reserved = await d.reserve(me.token, me.admission);
    expect(reserved.status).toBe(201);
    const { id } = reserved.body as ReservationJson;
    const deadline = Date.parse(reserved.body.expiresAt);
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(deadline), { timeout: 5000, interval: 20 });
    expect((await r.get(me.token, id)).body.status).toBe('held');

    expectProblem(await r.pay(me.token, id), 410, 'hold_expired');
    expect(dropline.payments.voided).toEqual([id]);
    expect(dropline.payments.captured).toEqual([]);
    expect((await r.get(me.token, id)).body.status).toBe('expired');
    expect(await d.stock()).toEqual({ total: 3, available: 3, held: 0, sold: 0 });

    // Once the relay runs again, PostgreSQL learns the hold expired.
    dropline.background.start();
    await vi.waitFor(async () => {
      const order = await api.get(`/api/orders/${id}`, { token: me.token });
      expect(order.status).toBe(200);
      expect(order.body).toMatchObject({ id, status: 'expired', paidAt: null });
    }, PIPELINE);
  });
});

describe('Idempotency-Key', () => {
  test('reserving twice with one key and body answers the same reservation and moves stock once', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures, { perUserLimit: 3 });
    const me = await admittedGuest(api, d);
    const headers = { 'idempotency-key': 'reserve-1' };
    const first = await d.reserve(me.token, me.admission, { quantity: 1 }, headers);
    const again = await d.reserve(me.token, me.admission, { quantity: 1 }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await d.stock()).toEqual({ total: 10, available: 9, held: 1, sold: 0 });

    expectProblem(await d.reserve(me.token, me.admission, { quantity: 2 }, headers), 409, 'conflict');
    expect(await d.stock()).toEqual({ total: 10, available: 9, held: 1, sold: 0 });

    // Concurrent retries with a fresh key also reserve once.
    const burst = await Promise.all(
      Array.from({ length: 20 }, () =>
        d.reserve(me.token, me.admission, { quantity: 2 }, { 'idempotency-key': 'reserve-2' }),
      ),
    );
    expect(burst.every((b) => b.status === 201)).toBe(true);
    expect(new Set(burst.map((b) => b.body.id as string)).size).toBe(1);
    expect(burst[0]!.body.id).not.toBe(first.body.id);
    expect(await d.stock()).toEqual({ total: 10, available: 7, held: 3, sold: 0 });
    expect(await d.holdCount()).toBe(2);
  });

  test('paying twice with one key gives the same 200 and captures once; another card with it is 409', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures);
    const r = reservations(api);
    const me = await admittedGuest(api, d);
    const { id } = (await d.reserve(me.token, me.admission)).body as ReservationJson;
    const headers = { 'idempotency-key': 'pay-1' };
    const first = await r.pay(me.token, id, payBody(), headers);
    const again = await r.pay(me.token, id, payBody(), headers);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(first.body).toEqual({ orderId: id, status: 'paid' });
    expect(dropline.payments.captured).toEqual([id]);
    expect(await d.stock()).toEqual({ total: 10, available: 9, held: 0, sold: 1 });

    expectProblem(await r.pay(me.token, id, payBody('5555555555594242'), headers), 409, 'conflict');
    expectProblem(await r.pay(me.token, id, payBody(), { 'idempotency-key': 'pay-2' }), 409, 'conflict');
    expect(dropline.payments.captured).toEqual([id]);
  });

  test('concurrent pays with one key all answer the same 200; the card is captured once', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const d = await openDrop({ api, config, dropline, prefix });
    const r = reservations(api);
    const me = await admittedGuest(api, d);
    const { id } = (await d.reserve(me.token, me.admission)).body as ReservationJson;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => r.pay(me.token, id, payBody(), { 'idempotency-key': 'pay-once' })),
    );
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body).toEqual({ orderId: id, status: 'paid' });
    }
    expect(dropline.payments.captured).toEqual([id]);
    expect(await d.stock()).toEqual({ total: 10, available: 9, held: 0, sold: 1 });
  });

  test('one key used by two shoppers makes two reservations: keys are per shopper', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const d = await openDrop({ api, config, dropline, prefix });
    const [a, b] = [await admittedGuest(api, d), await admittedGuest(api, d)];
    const headers = { 'idempotency-key': 'shared-key' };
    const ra = await d.reserve(a.token, a.admission, { quantity: 1 }, headers);
    const rb = await d.reserve(b.token, b.admission, { quantity: 1 }, headers);
    expect([ra.status, rb.status]).toEqual([201, 201]);
    expect(ra.body.id).not.toBe(rb.body.id);
    expect(await d.stock()).toEqual({ total: 10, available: 8, held: 2, sold: 0 });
    expectProblem(await reservations(api).get(b.token, ra.body.id), 404, 'not_found');
  });

  test('an empty or over-long Idempotency-Key is 400', async ({ api, config, dropline, prefix }) => {
    const fixtures = { api, config, dropline, prefix };
    const d = await openDrop(fixtures);
    const r = reservations(api);
    const me = await admittedGuest(api, d);
    for (const key of ['', 'k'.repeat(300)]) {
      const headers = { 'idempotency-key': key };
      expectInvalid(await d.reserve(me.token, me.admission, { quantity: 1 }, headers), 'Idempotency-Key');
    }
    expect(await d.stock()).toEqual({ total: 10, available: 10, held: 0, sold: 0 });

    const { id } = (await d.reserve(me.token, me.admission)).body as ReservationJson;
    for (const key of ['', 'k'.repeat(300)]) {
      const headers = { 'idempotency-key': key };
      expectInvalid(await r.pay(me.token, id, payBody(), headers), 'Idempotency-Key');
    }
    expect((await r.get(me.token, id)).body.status).toBe('held');
    expect(dropline.payments.captured).toEqual([]);
  });
});

describe('the waiting room after a purchase', () => {
  test('a shopper whose holds have all ended is finished and frees its active slot', async ({ api }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const created = await api.post('/api/drops', {
      token: brand.token,
      body: {
        title: 'Vase',
        sku: 'V-1',
        priceCents: 500,
        stock: 5,
        admissionPerMinute: 6000,
        opensAt: new Date(Date.now() + 3600_000).toISOString(),
      },
    });
    const dropId: string = created.body.id;
    await api.post(`/api/drops/${dropId}/open`, { token: brand.token });
    const guest = await api.guest();
    await api.post(`/api/drops/${dropId}/queue`, { token: guest.token });
    const admission = await vi.waitFor(
      async () => {
        const me = await api.get(`/api/drops/${dropId}/queue/me`, { token: guest.token });
        expect(me.body.admission?.token).toEqual(expect.any(String));
        return me.body.admission.token as string;
      },
      { timeout: 10_000, interval: 50 },
    );
    const reserved = await api.post(`/api/drops/${dropId}/reservations`, {
      token: guest.token,
      headers: { 'x-admission-token': admission },
      body: {},
    });
    expect(reserved.status).toBe(201);
    const metrics = async () =>
      (await api.get(`/api/admin/drops/${dropId}/metrics`, { token: op.token })).body;
    expect((await metrics()).activeAdmissions).toBe(1);
    expect(
      (
        await api.post(`/api/reservations/${reserved.body.id}/pay`, {
          token: guest.token,
          body: payBody(),
        })
      ).status,
    ).toBe(200);
    await vi.waitFor(
      async () => {
        expect((await api.get(`/api/drops/${dropId}/queue/me`, { token: guest.token })).body.status).toBe(
          'finished',
        );
      },
      { timeout: 10_000, interval: 50 },
    );
    expect((await metrics()).activeAdmissions).toBe(0);
  });
});
