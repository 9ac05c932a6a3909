/**
 * Inputs that once reached PostgreSQL unchecked and were answered 500, and inputs that were stored as they came:
 * each is now a 400 naming the field, and changes nothing.
 */
import { describe, expect } from 'vitest';
import {
  type Api,
  type Config,
  countOf,
  type Dropline,
  expectInvalid,
  expectProblem,
  payBody,
  test,
  TEST_BUYER,
  testCard,
} from '../../infra/testing/index.js';
import { createAdmissionTokens } from '../index.js';
import type { DropJson } from './drops.js';

const HOUR = 3600_000;
const opensAt = () => new Date(Date.now() + HOUR).toISOString();
const validBody = () => ({ title: 'Kettle', sku: 'KT-1', priceCents: 3000, stock: 5, opensAt: opensAt() });
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const fieldsOf = (body: { errors: { field: string }[] }) => body.errors.map((e) => e.field);
const RESERVATION = `rsv_${'A'.repeat(43)}`;

/** In the year 10000 once its offset is applied, which PostgreSQL cannot read back. */
const YEAR_10000 = '9999-12-31T23:59:59-14:00';

/** Every table a rejected request could write to, counted. */
async function counts(sql: Dropline['sql']) {
  const of = (table: string) => countOf(sql`SELECT count(*)::int AS count FROM ${sql(table)}`);
  return {
    drops: await of('drops'),
    audit: await of('drop_audit'),
    users: await of('users'),
    orders: await of('orders'),
    payments: await of('payments'),
  };
}

async function brandWithDrop(api: Api) {
  const operator = await api.operator();
  const brand = await api.brand(operator.token);
  const created = await api.post('/api/drops', { token: brand.token, body: validBody() });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { operator, brand, drop: created.body as DropJson };
}

describe('dates after the year 9999 or before 1970', () => {
  test('in opensAt or closesAt are 400 naming the field, on create and on PATCH', async ({
    api,
    dropline,
  }) => {
    const { brand, drop } = await brandWithDrop(api);
    const before = await counts(dropline.sql);
    const bad: [string, Record<string, unknown>][] = [
      ['opensAt', { opensAt: YEAR_10000 }],
      ['opensAt', { opensAt: '+010000-01-01T00:00:00Z' }],
      ['closesAt', { closesAt: YEAR_10000 }],
      ['closesAt', { closesAt: '1970-01-01T00:00:00+14:00' }],
      ['closesAt', { closesAt: '0000-01-01T00:00:00Z' }],
    ];
    for (const [field, change] of bad) {
      const created = await api.post('/api/drops', {
        token: brand.token,
        body: { ...validBody(), ...change },
      });
      expectInvalid(created, field);
      expect({ change, fields: fieldsOf(created.body) }).toEqual({ change, fields: [field] });
      expectInvalid(await api.patch(`/api/drops/${drop.id}`, { token: brand.token, body: change }), field);
    }
    expect(await counts(dropline.sql)).toEqual(before);
    expect((await api.get(`/api/drops/${drop.id}`)).body).toEqual(drop);
  });

  test('the last instant of 9999 is kept as given', async ({ api }) => {
    const { brand } = await brandWithDrop(api);
    const closesAt = '9999-12-31T23:59:59.999Z';
    const created = await api.post('/api/drops', { token: brand.token, body: { ...validBody(), closesAt } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await api.get(`/api/drops/${created.body.id}`)).body.closesAt).toBe(closesAt);
  });
});

describe('paging cursors that name no page', () => {
  const badCursors = (id: string) => ({
    'a date in the year 10000': cursorOf([YEAR_10000, id]),
    'the year 0000': cursorOf(['0000-01-01T00:00:00Z', id]),
    'a NUL character in the id': cursorOf(['2030-01-01T00:00:00Z', `${id.slice(0, 10)}\u0000`]),
  });

  test('GET /api/drops (no sign-in) answers 400 naming cursor', async ({ api }) => {
    for (const [name, cursor] of Object.entries(badCursors(crypto.randomUUID()))) {
      const r = await api.get(`/api/drops?cursor=${cursor}`);
      expectProblem(r, 400, 'validation_failed');
      expect({ name, fields: fieldsOf(r.body) }).toEqual({ name, fields: ['cursor'] });
    }
  });

  test('GET /api/orders and GET /api/drops/:id/orders answer 400 naming cursor', async ({ api }) => {
    const { brand, drop } = await brandWithDrop(api);
    const shopper = await api.shopper();
    for (const [name, cursor] of Object.entries(badCursors(RESERVATION))) {
      for (const r of [
        await api.get(`/api/orders?cursor=${cursor}`, { token: shopper.token }),
        await api.get(`/api/drops/${drop.id}/orders?cursor=${cursor}`, { token: brand.token }),
      ]) {
        expectProblem(r, 400, 'validation_failed');
        expect({ name, fields: fieldsOf(r.body) }).toEqual({ name, fields: ['cursor'] });
      }
    }
  });
});

describe('the card of a payment', () => {
  test('a field the card or buyer does not have is 400 naming it; the hold stays held and nothing is charged', async ({
    api,
    config,
    dropline,
  }) => {
    const hold = await heldReservation(api, config);
    for (const [body, field] of [
      [{ ...payBody(), card: { ...testCard(), nmuber: '1' } }, 'card.nmuber'],
      [{ ...payBody(), card: { ...testCard(), holder: 'A. Shopper' } }, 'card.holder'],
      [{ ...payBody(), buyer: { ...TEST_BUYER, phone: '555' } }, 'buyer.phone'],
      [
        { ...payBody(), buyer: { ...TEST_BUYER, address: { ...TEST_BUYER.address, zip: '1' } } },
        'buyer.address.zip',
      ],
    ] as const) {
      const r = await api.post(`/api/reservations/${hold.id}/pay`, { token: hold.token, body });
      expectInvalid(r, field);
    }
    expect((await api.get(`/api/reservations/${hold.id}`, { token: hold.token })).body.status).toBe('held');
    expect(dropline.payments.captured).toEqual([]);
  });
});

/** An open drop, a guest admitted to it, and the guest's hold of one unit. */
async function heldReservation(api: Api, config: Config) {
  const { drop } = await api.openDrop({ stock: 3 });
  const guest = await api.guest();
  const admissions = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  const admission = await admissions.sign({
    shopperId: guest.user.id,
    dropId: drop.id,
    expiresAt: new Date(Date.now() + 5 * 60_000),
  });
  const held = await api.post(`/api/drops/${drop.id}/reservations`, {
    token: guest.token,
    headers: { 'x-admission-token': admission },
  });
  expect(held.status, JSON.stringify(held.body)).toBe(201);
  return { id: held.body.id as string, token: guest.token };
}

describe('control and invisible formatting characters in a drop’s text', () => {
  const refused = [
    ['a right-to-left override', 'Vase \u202Egpj.exe'],
    ['a left-to-right embedding', '\u202AVase'],
    ['a first-strong isolate', 'Vase \u2068x\u2069'],
    ['a bell', 'Vase\u0007'],
    ['an escape', '\u001B[31mVase'],
    ['a C1 next-line', 'Va\u0085se'],
    ['DEL', 'Vase\u007F'],
    ['a zero-width space', 'Va\u200Bse'],
    ['an unpaired surrogate', 'Vase \uD800'],
  ] as const;

  test('are 400 naming the field on create and on PATCH, and nothing is stored', async ({
    api,
    dropline,
  }) => {
    const { brand, drop } = await brandWithDrop(api);
    const before = await counts(dropline.sql);
    for (const field of ['title', 'sku', 'description']) {
      for (const [name, value] of refused) {
        const body = { ...validBody(), [field]: value };
        const created = await api.post('/api/drops', { token: brand.token, body });
        expectInvalid(created, field);
        expect({ field, name, fields: fieldsOf(created.body) }).toEqual({ field, name, fields: [field] });
        const patch = { [field]: value };
        expectInvalid(await api.patch(`/api/drops/${drop.id}`, { token: brand.token, body: patch }), field);
      }
    }
    for (const field of ['title', 'sku']) {
      expectInvalid(
        await api.patch(`/api/drops/${drop.id}`, { token: brand.token, body: { [field]: 'a\nb' } }),
        field,
      );
    }
    expect(await counts(dropline.sql)).toEqual(before);
    expect((await api.get(`/api/drops/${drop.id}`)).body).toEqual(drop);
  });

  test('a description keeps its newlines; emoji joiners and right-to-left scripts stay allowed', async ({
    api,
  }) => {
    const { brand } = await brandWithDrop(api);
    const body = {
      ...validBody(),
      title: 'כד 👩‍🎨 vase',
      description: 'Line one\nLine two',
    };
    const created = await api.post('/api/drops', { token: brand.token, body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ title: body.title, description: body.description });
  });
});
