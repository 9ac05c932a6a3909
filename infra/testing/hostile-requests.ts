/**
 * Every HTTP route of the edge (edge/routes/*.ts), each with an arbitrary of hostile requests to it: its path ids,
 * query, body and headers drawn from ./hostile-values.ts, sent by the caller it expects most of the time and by anyone
 * else now and then. `known` names the real ids a request may hit, so some requests are valid and succeed.
 */
import fc from 'fast-check';
import {
  buyer,
  card,
  credentials,
  dropFields,
  idempotencyKey,
  optionalHeaders,
  paging,
  proofHeader,
  reservingHeaders,
} from './hostile-fields.js';
import { route, type HostileRoute, type KnownIds } from './hostile-request-shape.js';
import {
  hostileBody,
  hostileCursor,
  hostileId,
  hostileNumber,
  hostileQuery,
  hostileString,
  percentEncoded,
} from './hostile-values.js';

export type { Caller, HostileRequest, HostileRoute, KnownIds } from './hostile-request-shape.js';

/** The ids a route's requests name: mostly the one it is for, now and then another or none. */
interface Ids {
  /**
   * Writes never name the open drop: closing it, or resuming its admission, would leave the routes after them nothing
   * to act on, or set its keys moving by themselves.
   */
  write: (usual: string) => fc.Arbitrary<string>;
  /** Reads may name any drop; most name the open one. */
  open: fc.Arbitrary<string>;
  reservation: fc.Arbitrary<string>;
  cursorIds: string[];
}

/**
 * Every route of the edge with its hostile requests, in the order they run: the `guest` caller's hold is paid (or
 * released) before it leaves the queue, which ends its admission.
 */
export function hostileRoutes(known: KnownIds): HostileRoute[] {
  const ids: Ids = {
    write: (usual) => hostileId(usual, [known.scheduledDrop, known.spareDrop, known.reservation]),
    open: hostileId(known.openDrop, [known.scheduledDrop, known.spareDrop, known.reservation]),
    reservation: hostileId(known.reservation, [known.openDrop]),
    cursorIds: [known.openDrop, known.reservation],
  };
  return [
    ...identityRoutes(known),
    ...userRoutes(known),
    ...dropRoutes(ids, known),
    ...adminRoutes(ids, known),
    ...holdRoutes(ids, known),
    ...queueRoutes(ids),
    ...webhookRoutes(ids, known),
    ...staffToolRoutes(ids, known),
    ...pageRoutes(),
  ];
}

/** The service endpoints, sign-up, sign-in, guests and operator-made users. */
function identityRoutes(known: KnownIds): HostileRoute[] {
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
    route({ method: 'POST', route: '/api/auth/guest/challenge', caller: 'anonymous', body: hostileBody({}) }),
    route({
      method: 'POST',
      route: '/api/auth/guest',
      caller: 'anonymous',
      body: hostileBody({}),
      headers: proofHeader,
    }),
    route({ method: 'GET', route: '/api/auth/me', caller: 'shopper' }),
    route({
      method: 'POST',
      route: '/api/admin/users',
      caller: 'operator',
      body: hostileBody({
        ...credentials,
        role: fc.constantFrom('shopper', 'brand', 'operator', 'admin'),
        brandName: hostileString(),
        // Mostly absent (undefined is left out of the JSON): with brandName too it is refused.
        brandId: fc.option(hostileId(known.openDrop), { nil: undefined, freq: 4 }),
      }),
      runs: 25,
    }),
  ];
}

/**
 * The operator's management of users. The ids name no user (a drop's, or none): disabling a caller of these tests, or
 * setting its password, would end its session for the routes after.
 */
function userRoutes(known: KnownIds): HostileRoute[] {
  const user = hostileId(known.spareDrop, [known.openDrop]);
  const role = fc.constantFrom('shopper', 'brand', 'operator', 'guest', '');
  return [
    route({
      method: 'GET',
      route: '/api/admin/users',
      caller: 'operator',
      query: hostileQuery({
        q: hostileString(260),
        role,
        limit: fc.oneof(fc.integer({ min: 1, max: 200 }).map(String), hostileString(6)),
        cursor: hostileCursor([known.openDrop]),
      }),
      runs: 60,
    }),
    ...['disable', 'enable'].map((action) =>
      route({
        method: 'POST',
        route: `/api/admin/users/:id/${action}`,
        caller: 'operator',
        ids: user,
        body: hostileBody({}),
        runs: 25,
      }),
    ),
    route({
      method: 'POST',
      route: '/api/admin/users/:id/password',
      caller: 'operator',
      ids: user,
      body: hostileBody({ password: credentials.password }),
      runs: 25,
    }),
    route({
      method: 'GET',
      route: '/api/admin/users/:id/audit',
      caller: 'operator',
      ids: user,
      query: paging([known.openDrop]),
      runs: 25,
    }),
  ];
}

function dropRoutes({ write, open, cursorIds }: Ids, known: KnownIds): HostileRoute[] {
  return [
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
      ids: write(known.scheduledDrop),
      body: hostileBody(dropFields),
      runs: 150,
    }),
    ...(['open', 'close', 'cancel'] as const).map((action) =>
      route({
        method: 'POST',
        route: `/api/drops/:id/${action}`,
        caller: 'brand',
        ids: write(known.spareDrop),
      }),
    ),
    route({ method: 'GET', route: '/api/drops/:id/stock', caller: 'anonymous', ids: open }),
  ];
}

/** Reserving, paying and releasing the `guest` caller's hold, and the orders. */
function holdRoutes({ open, reservation, cursorIds }: Ids, known: KnownIds): HostileRoute[] {
  const keyed = optionalHeaders({ 'idempotency-key': idempotencyKey });
  return [
    route({
      method: 'POST',
      route: '/api/drops/:id/reservations',
      caller: 'guest',
      ids: open,
      body: hostileBody({ quantity: fc.integer({ min: 1, max: 3 }) }),
      headers: reservingHeaders(known.admissionToken),
      runs: 180,
    }),
    route({ method: 'GET', route: '/api/reservations/:id', caller: 'guest', ids: reservation }),
    route({
      method: 'POST',
      route: '/api/reservations/:id/pay',
      caller: 'guest',
      ids: reservation,
      body: hostileBody({ card, buyer }),
      headers: keyed,
      runs: 180,
    }),
    // After paying: a valid pay then finds the hold still held, and a release afterwards finds it paid.
    route({ method: 'DELETE', route: '/api/reservations/:id', caller: 'guest', ids: reservation }),
    route({
      method: 'GET',
      route: '/api/reservations',
      caller: 'guest',
      query: paging(cursorIds),
      runs: 180,
    }),
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
  ];
}

/** Last of the drop's routes: leaving the queue ends the `guest` caller's admission, which reserving needs. */
function queueRoutes({ open }: Ids): HostileRoute[] {
  return [
    route({
      method: 'POST',
      route: '/api/drops/:id/queue/challenge',
      caller: 'guest',
      ids: open,
      body: hostileBody({}),
    }),
    route({
      method: 'POST',
      route: '/api/drops/:id/queue',
      caller: 'guest',
      ids: open,
      body: hostileBody({}),
      headers: proofHeader,
    }),
    route({ method: 'GET', route: '/api/drops/:id/queue/me', caller: 'guest', ids: open }),
    route({ method: 'DELETE', route: '/api/drops/:id/queue/me', caller: 'guest', ids: open }),
  ];
}

function adminRoutes({ open, write, cursorIds }: Ids, known: KnownIds): HostileRoute[] {
  const query = paging(cursorIds);
  const admission = {
    perMinute: hostileNumber,
    maxActive: hostileNumber,
    paused: fc.boolean(),
    pauseMessage: fc.oneof(fc.constant(null), hostileString(210)),
  };
  return [
    route({ method: 'GET', route: '/api/admin/drops/:id/admission', caller: 'operator', ids: open }),
    route({
      method: 'PUT',
      route: '/api/admin/drops/:id/admission',
      caller: 'operator',
      ids: write(known.scheduledDrop),
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
    route({
      method: 'GET',
      route: '/api/admin/drops/:id/hoarding',
      caller: 'operator',
      ids: open,
      query: hostileQuery({
        minAccounts: fc.oneof(fc.integer({ min: 1, max: 1000 }).map(String), hostileString(6)),
      }),
    }),
  ];
}

/**
 * The brand's webhook and its deliveries. The one URL that may be stored refuses connections (the discard port on
 * loopback), so no delivery ever leaves the machine.
 */
function webhookRoutes({ cursorIds, write }: Ids, known: KnownIds): HostileRoute[] {
  const url = fc.oneof(
    { weight: 3, arbitrary: fc.constant('http://127.0.0.1:9/dropline') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'javascript:alert(1)',
        'ftp://files.example.com/hook',
        'http://hooks.example.com/plain',
        'https://user:pass@hooks.example.com/x',
        `https://hooks.example.com/${'a'.repeat(2100)}`,
      ),
    },
    { weight: 2, arbitrary: hostileString() },
  );
  return [
    route({
      method: 'PUT',
      route: '/api/webhook',
      caller: 'brand',
      body: hostileBody({ url, rotate: fc.boolean() }),
      runs: 60,
    }),
    route({ method: 'GET', route: '/api/webhook', caller: 'brand' }),
    route({
      method: 'GET',
      route: '/api/webhook/deliveries',
      caller: 'brand',
      query: hostileQuery({
        limit: fc.oneof(fc.integer({ min: 1, max: 200 }).map(String), hostileString(6)),
        cursor: hostileCursor(cursorIds),
      }),
    }),
    route({
      method: 'POST',
      route: '/api/webhook/deliveries/:id/retry',
      caller: 'brand',
      ids: write(known.spareDrop),
    }),
    route({ method: 'DELETE', route: '/api/webhook', caller: 'brand', runs: 10 }),
  ];
}

/**
 * What brands and operators run a drop with: the brand directory, the operators' overview, sales history, the orders
 * CSV, shipments, product images and the images' own path. Routes with two ids fix the drop's and vary the other.
 */
function staffToolRoutes({ write, open, reservation, cursorIds }: Ids, known: KnownIds): HostileRoute[] {
  const limit = fc.oneof(fc.integer({ min: 1, max: 200 }).map(String), hostileString(6));
  const status = fc.oneof(fc.constantFrom('held', 'paid', 'expired', 'released'), hostileString());
  const image = hostileId(known.openDrop, [known.reservation]);
  return [
    route({
      method: 'GET',
      route: '/api/brands',
      caller: 'brand',
      query: hostileQuery({ q: hostileString(), limit, cursor: hostileCursor(cursorIds) }),
      runs: 60,
    }),
    route({
      method: 'GET',
      route: '/api/admin/overview',
      caller: 'operator',
      query: hostileQuery({ limit }),
    }),
    route({ method: 'GET', route: '/api/drops/:id/sales', caller: 'brand', ids: open }),
    route({
      method: 'GET',
      route: '/api/drops/:id/orders.csv',
      caller: 'brand',
      ids: open,
      query: hostileQuery({ status }),
      runs: 40,
    }),
    route({
      method: 'POST',
      route: `/api/drops/${known.openDrop}/orders/:id/shipment`,
      caller: 'brand',
      ids: reservation,
      body: hostileBody({ tracking: hostileString(120) }),
    }),
    route({
      method: 'POST',
      route: '/api/drops/:id/images',
      caller: 'brand',
      ids: write(known.scheduledDrop),
      body: hostileBody({ alt: hostileString(), file: hostileString() }),
    }),
    route({
      method: 'PATCH',
      route: `/api/drops/${known.scheduledDrop}/images/:id`,
      caller: 'brand',
      ids: image,
      body: hostileBody({ alt: hostileString(), position: fc.integer({ min: -2, max: 8 }) }),
    }),
    route({
      method: 'DELETE',
      route: `/api/drops/${known.scheduledDrop}/images/:id`,
      caller: 'brand',
      ids: image,
    }),
    route({
      method: 'GET',
      route: '/media/:id',
      caller: 'anonymous',
      ids: hostileString(80).map(percentEncoded),
    }),
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
