/**
 * Every HTTP route of the edge (edge/routes/*.ts), each with an arbitrary of hostile requests to it: its path ids,
 * query, body and headers drawn from ./hostile-values.ts, sent by the caller it expects most of the time and by anyone
 * else now and then. `known` names the real ids a request may hit, so some requests are valid and succeed.
 */
import fc from 'fast-check';
import {
  futureDate,
  hostileBody,
  hostileCursor,
  hostileDate,
  hostileId,
  hostileNumber,
  hostileQuery,
  hostileString,
  percentEncoded,
} from './hostile-values.js';
import { headerText, route, type HostileRoute, type KnownIds } from './hostile-request-shape.js';

export type { Caller, HostileRequest, HostileRoute, KnownIds } from './hostile-request-shape.js';

const paging = (realIds: readonly string[]) =>
  hostileQuery({
    limit: fc.oneof(fc.integer({ min: 1, max: 200 }).map(String), hostileString(6)),
    cursor: hostileCursor(realIds),
  });

const credentials = {
  email: fc.oneof(
    { weight: 3, arbitrary: fc.stringMatching(/^[a-z0-9]{1,12}@[a-z]{1,8}\.example$/) },
    { weight: 1, arbitrary: fc.emailAddress() },
    { weight: 1, arbitrary: hostileString(30).map((s) => `${s}@example.com`) },
  ),
  password: fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength: 8, maxLength: 30 }) },
    { weight: 1, arbitrary: hostileString(210) },
  ),
};

const dropFields = {
  title: fc.string({ minLength: 1, maxLength: 40 }),
  description: fc.string({ maxLength: 80 }),
  sku: fc.string({ minLength: 1, maxLength: 20 }),
  priceCents: fc.integer({ min: 0, max: 100_000_000 }),
  currency: fc.constantFrom('USD', 'EUR', 'usd', 'EURO'),
  stock: fc.integer({ min: 1, max: 1_000_000 }),
  perUserLimit: fc.integer({ min: 1, max: 1000 }),
  holdSeconds: fc.integer({ min: 1, max: 86_400 }),
  admissionPerMinute: fc.integer({ min: 1, max: 1_000_000 }),
  maxActive: fc.integer({ min: 1, max: 1_000_000 }),
  opensAt: fc.oneof({ weight: 3, arbitrary: futureDate() }, { weight: 1, arbitrary: hostileDate }),
  closesAt: fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(null, '9999-12-31T23:59:59.999Z') },
    { weight: 1, arbitrary: hostileDate },
  ),
};

const card = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('4242424242424242', '4000000000000002', '4242 4242 4242 4242') },
  {
    weight: 1,
    arbitrary: fc.constant({ number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' }),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      { number: hostileString(), expMonth: hostileNumber, expYear: hostileNumber, cvc: hostileString(6) },
      { requiredKeys: ['number'] },
    ),
  },
  { weight: 1, arbitrary: hostileString() },
);

/** Every route of the edge with its hostile requests. */
export function hostileRoutes(known: KnownIds): HostileRoute[] {
  // Reads may name any drop. Writes never name the open drop: closing it, or resuming its admission, would leave the
  // routes after them nothing to act on, or set its keys moving by themselves.
  const drop = (usual: string) =>
    hostileId(usual, [known.openDrop, known.scheduledDrop, known.spareDrop, known.reservation]);
  const changed = (usual: string) =>
    hostileId(usual, [known.scheduledDrop, known.spareDrop, known.reservation]);
  const reservation = hostileId(known.reservation, [known.openDrop]);
  const idempotencyKey = fc.option(fc.oneof(fc.uuid(), headerText(220)), { nil: undefined });
  const keyed = fc
    .record({ key: idempotencyKey })
    .map(({ key }): Record<string, string> => (key === undefined ? {} : { 'idempotency-key': key }));
  const admission = fc
    .record({
      token: fc.oneof(
        { weight: 4, arbitrary: fc.constant(known.admissionToken) },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: headerText(300) },
      ),
      key: idempotencyKey,
    })
    .map(({ token, key }): Record<string, string> => ({
      ...(token === undefined ? {} : { 'x-admission-token': token }),
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    }));
  const cursorIds = [known.openDrop, known.reservation];
  const open = drop(known.openDrop);
  return [
    route({ method: 'GET', route: '/healthz', caller: 'anonymous', runs: 20 }),
    route({ method: 'GET', route: '/readyz', caller: 'anonymous', runs: 20 }),
    route({ method: 'GET', route: '/metrics', caller: 'anonymous', runs: 10 }),
    route({
      method: 'POST',
      route: '/api/auth/signup',
      caller: 'anonymous',
      body: hostileBody(credentials),
      runs: 25,
    }),
    route({
      method: 'POST',
      route: '/api/auth/login',
      caller: 'anonymous',
      body: hostileBody(credentials),
      runs: 25,
    }),
    route({ method: 'POST', route: '/api/auth/logout', caller: 'guest', body: hostileBody({}) }),
    route({ method: 'POST', route: '/api/auth/guest', caller: 'anonymous', body: hostileBody({}) }),
    route({ method: 'GET', route: '/api/auth/me', caller: 'shopper' }),
    route({
      method: 'POST',
      route: '/api/admin/users',
      caller: 'operator',
      body: hostileBody({
        ...credentials,
        role: fc.constantFrom('shopper', 'brand', 'operator', 'admin'),
        brandName: hostileString(),
      }),
      runs: 25,
    }),
    route({
      method: 'POST',
      route: '/api/drops',
      caller: 'brand',
      body: hostileBody({ ...dropFields, brandId: hostileId(known.openDrop) }),
      runs: 150,
    }),
    route({
      method: 'GET',
      route: '/api/drops',
      caller: 'anonymous',
      query: hostileQuery({
        status: fc.oneof(
          fc.constantFrom('open', 'scheduled', 'sold_out', 'closed', 'cancelled'),
          hostileString(),
        ),
        limit: fc.oneof(fc.integer({ min: 1, max: 200 }).map(String), hostileString(6)),
        cursor: hostileCursor(cursorIds),
      }),
      runs: 150,
    }),
    route({ method: 'GET', route: '/api/drops/:id', caller: 'anonymous', ids: open }),
    route({
      method: 'PATCH',
      route: '/api/drops/:id',
      caller: 'brand',
      ids: changed(known.scheduledDrop),
      body: hostileBody(dropFields),
      runs: 150,
    }),
    ...(['open', 'close', 'cancel'] as const).map((action) =>
      route({
        method: 'POST',
        route: `/api/drops/:id/${action}`,
        caller: 'brand',
        ids: changed(known.spareDrop),
      }),
    ),
    route({ method: 'GET', route: '/api/drops/:id/stock', caller: 'anonymous', ids: open }),
    ...adminRoutes({ read: drop, write: changed }, known, paging(cursorIds)),
    route({
      method: 'POST',
      route: '/api/drops/:id/reservations',
      caller: 'guest',
      ids: open,
      body: hostileBody({ quantity: fc.integer({ min: 1, max: 3 }) }),
      headers: admission,
      runs: 180,
    }),
    route({ method: 'GET', route: '/api/reservations/:id', caller: 'guest', ids: reservation }),
    route({
      method: 'POST',
      route: '/api/reservations/:id/pay',
      caller: 'guest',
      ids: reservation,
      body: hostileBody({ card }),
      headers: keyed,
      runs: 180,
    }),
    // After paying: a valid pay then finds the hold still held, and a release afterwards finds it paid.
    route({ method: 'DELETE', route: '/api/reservations/:id', caller: 'guest', ids: reservation }),
    route({ method: 'GET', route: '/api/orders', caller: 'guest', query: paging(cursorIds), runs: 180 }),
    route({ method: 'GET', route: '/api/orders/:id', caller: 'guest', ids: reservation }),
    route({
      method: 'GET',
      route: '/api/drops/:id/orders',
      caller: 'brand',
      ids: open,
      query: paging(cursorIds),
      runs: 180,
    }),
    // Last of the drop's routes: leaving the queue ends the `guest` caller's admission, which reserving needs.
    route({
      method: 'POST',
      route: '/api/drops/:id/queue',
      caller: 'guest',
      ids: open,
      body: hostileBody({}),
    }),
    route({ method: 'GET', route: '/api/drops/:id/queue/me', caller: 'guest', ids: open }),
    route({ method: 'DELETE', route: '/api/drops/:id/queue/me', caller: 'guest', ids: open }),
    ...pageRoutes(),
  ];
}

function adminRoutes(
  ids: Record<'read' | 'write', (usual: string) => fc.Arbitrary<string>>,
  known: KnownIds,
  query: fc.Arbitrary<string>,
): HostileRoute[] {
  const open = ids.read(known.openDrop);
  const admission = { perMinute: hostileNumber, maxActive: hostileNumber, paused: fc.boolean() };
  return [
    route({ method: 'GET', route: '/api/admin/drops/:id/admission', caller: 'operator', ids: open }),
    route({
      method: 'PUT',
      route: '/api/admin/drops/:id/admission',
      caller: 'operator',
      ids: ids.write(known.scheduledDrop),
      body: hostileBody(admission),
      runs: 180,
    }),
    route({
      method: 'GET',
      route: '/api/admin/drops/:id/audit',
      caller: 'operator',
      ids: open,
      query,
      runs: 180,
    }),
    route({ method: 'GET', route: '/api/admin/drops/:id/metrics', caller: 'operator', ids: open }),
  ];
}

/** The pages and their assets, and paths and methods that name no route at all. */
function pageRoutes(): HostileRoute[] {
  const anyQuery = hostileQuery({ q: hostileString() });
  const segments = fc.array(
    fc.oneof(hostileString(20).map(percentEncoded), fc.constantFrom('..', '.', '%2e%2e')),
    {
      minLength: 1,
      maxLength: 4,
    },
  );
  return [
    ...['/', '/brand', '/operator'].map((page) =>
      route({ method: 'GET', route: page, caller: 'anonymous', query: anyQuery, runs: 10 }),
    ),
    route({
      method: 'GET',
      route: '/assets/:id',
      caller: 'anonymous',
      ids: segments.map((s) => s.join('/')),
    }),
    route({
      method: 'OPTIONS',
      route: '/api/:id',
      caller: 'guest',
      ids: segments.map((s) => s.join('/')),
      body: hostileBody({}),
    }),
    route({
      method: 'PUT',
      route: '/api/drops/:id',
      caller: 'brand',
      ids: segments.map((s) => s.join('/')),
      body: hostileBody({}),
    }),
  ];
}
