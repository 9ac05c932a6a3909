/** Reservations: reserve with an admission, read live from Redis, release, pay. */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { dropOfReservation, RESERVATION_ID, type Hold, type Holds } from '../../inventory/index.js';
import type { Checkout } from '../../workers/checkout/index.js';
import type { DropsService } from '../../workers/drops/index.js';
import type { AdmissionTokens } from '../auth/admission.js';
import type { EdgeEnv } from '../context.js';
import { DEVICE_HEADER, deviceOf, type Holders } from '../holders.js';
import { clientAddress } from '../middleware/rate-limit.js';
import { requireRole } from '../middleware/session.js';
import { HttpProblem, ValidationError } from '../problems.js';
import { checkout as checkoutOf, payBody } from './checkout-body.js';
import { instant } from '../input-rules.js';
import type { HoldPushes, ShopperHolds, ShopperReservation } from '../shopper-holds.js';
import { decodeCursor, encodeCursor, paging, pathId, readJson, readQuery } from '../validation.js';

export interface ReservationJson {
  id: string;
  dropId: string;
  quantity: number;
  status: Hold['status'];
  expiresAt: string;
  /** The order's id (the reservation's) once paid. */
  orderId?: string;
}

/** One of the shopper's own reservations, as `GET /api/reservations` lists it. */
export interface MyReservationJson {
  id: string;
  dropId: string;
  quantity: number;
  amountCents: number;
  /** The drop's currency, null should the drop be gone. */
  currency: string | null;
  status: Hold['status'];
  createdAt: string;
  expiresAt: string;
  paidAt: string | null;
  /** The order's id (the reservation's) once paid. */
  orderId?: string;
  /** While held: where to pay it (the card and buyer in the body, as `POST /api/reservations/:id/pay` takes them). */
  pay?: { method: 'POST'; path: string };
}

export interface MyReservationsResponse {
  reservations: MyReservationJson[];
  nextCursor: string | null;
}

const listQuery = z.strictObject(paging);
const listCursor = z.tuple([instant(), z.string().regex(RESERVATION_ID)]);

const myReservationJson = (r: ShopperReservation): MyReservationJson => ({
  id: r.id,
  dropId: r.dropId,
  quantity: r.quantity,
  amountCents: r.amountCents,
  currency: r.currency,
  status: r.status,
  createdAt: r.createdAt.toISOString(),
  expiresAt: r.expiresAt.toISOString(),
  paidAt: r.paidAt?.toISOString() ?? null,
  ...(r.status === 'paid' ? { orderId: r.id } : {}),
  ...(r.status === 'held' ? { pay: { method: 'POST', path: `/api/reservations/${r.id}/pay` } } : {}),
});

export interface PayResponse {
  orderId: string;
  status: 'paid';
}

const reserveBody = z.strictObject({
  quantity: z.number().int('must be a whole number').min(1).max(1000).default(1),
});

export const reservationJson = (h: Hold): ReservationJson => ({
  id: h.id,
  dropId: h.dropId,
  quantity: h.quantity,
  status: h.status,
  expiresAt: h.expiresAt.toISOString(),
  ...(h.status === 'paid' ? { orderId: h.id } : {}),
});

function idempotencyKey(c: Context): string | undefined {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw new ValidationError([
      { field: 'Idempotency-Key', message: 'must be 1 to 200 visible ASCII characters' },
    ]);
  }
  return key;
}

/** Reservation ids are opaque; one that is not ours cannot name a reservation, like an unknown one (404). */
function reservationId(c: Context): string {
  const id = c.req.param('id') ?? '';
  return RESERVATION_ID.test(id) ? id : `rsv_${'0'.repeat(43)}`;
}

export interface ReservationRouteDeps {
  holds: Holds;
  /** The shopper's own reservations: PostgreSQL's orders, live holds read again from Redis. */
  shopperHolds: ShopperHolds;
  holdPushes: HoldPushes;
  checkout: Checkout;
  /** A drop's fulfilment decides whether paying needs a shipping address. */
  drops: Pick<DropsService, 'get'>;
  admissionTokens: AdmissionTokens;
  /** Accounts holding units per address and device: the per-drop cap and the hoarding report. */
  holders: Holders;
  /** Applied to holding; a pass-through when rate limits are off. */
  holdLimit: MiddlewareHandler<EdgeEnv>;
  trustProxy: number;
}

export function registerReservations(app: Hono<EdgeEnv>, deps: ReservationRouteDeps) {
  const { holds, checkout, admissionTokens, holders, holdLimit, trustProxy } = deps;
  const tell = (h: Hold) =>
    deps.holdPushes.push(h.shopperId, {
      dropId: h.dropId,
      reservationId: h.id,
      status: h.status,
      quantity: h.quantity,
      expiresAt: h.expiresAt.toISOString(),
      ...(h.status === 'paid' ? { orderId: h.id } : {}),
    });
  app.post('/api/drops/:id/reservations', holdLimit, async (c) => {
    const shopper = requireRole(c, 'shopper');
    const dropId = pathId(c, 'id', 'drop');
    const key = idempotencyKey(c);
    const body = await readJson(c, reserveBody);
    const admission = await admissionTokens.verify(c.req.header('x-admission-token'), shopper.userId, dropId);
    const device = deviceOf(c.req.header(DEVICE_HEADER));
    const claim = holders.claim(dropId, shopper.userId, clientAddress(c, trustProxy), device);
    const { hold } = await holders.holding(claim, () =>
      holds.reserve({
        dropId,
        shopperId: shopper.userId,
        guest: shopper.guest,
        quantity: body.quantity,
        admissionEndsAt: admission.expiresAt,
        ...(key ? { idempotencyKey: key } : {}),
      }),
    );
    tell(hold);
    return c.json(reservationJson(hold), 201);
  });

  app.get('/api/reservations', async (c) => {
    const shopper = requireRole(c, 'shopper');
    const query = readQuery(c, listQuery);
    const before = query.cursor ? decodeCursor(query.cursor, listCursor) : undefined;
    const rows = await deps.shopperHolds.page(shopper.userId, {
      limit: query.limit + 1,
      ...(before ? { before: { createdAt: before[0], id: before[1] } } : {}),
    });
    const shown = rows.slice(0, query.limit);
    const last = shown.at(-1);
    const body: MyReservationsResponse = {
      reservations: shown.map(myReservationJson),
      nextCursor:
        rows.length > query.limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
    };
    return c.json(body);
  });

  app.get('/api/reservations/:id', async (c) => {
    const shopper = requireRole(c, 'shopper');
    return c.json(reservationJson(await holds.get(reservationId(c), shopper.userId)));
  });

  app.delete('/api/reservations/:id', async (c) => {
    const shopper = requireRole(c, 'shopper');
    const released = await holds.release(reservationId(c), shopper.userId);
    tell(released);
    return c.json(reservationJson(released));
  });

  app.post('/api/reservations/:id/pay', async (c) => {
    const shopper = requireRole(c, 'shopper');
    const key = idempotencyKey(c);
    const body = await readJson(c, payBody);
    const id = reservationId(c);
    const dropId = dropOfReservation(id);
    if (!dropId) throw new HttpProblem('not_found', 'reservation not found');
    const drop = await deps.drops.get(dropId).catch((error: unknown) => {
      // A reservation naming a drop that does not exist cannot be held: the same 404 as an unknown one.
      if ((error as { code?: string }).code === 'not_found')
        throw new HttpProblem('not_found', 'reservation not found');
      throw error;
    });
    const checked = checkoutOf(body, {
      now: new Date(),
      accountEmail: shopper.guest ? null : shopper.email,
      fulfilment: drop.fulfilment,
    });
    if ('errors' in checked) throw new ValidationError(checked.errors);
    const paid = await checkout.pay({
      reservationId: id,
      shopperId: shopper.userId,
      card: checked.card,
      buyer: checked.buyer,
      ...(key ? { idempotencyKey: key } : {}),
    });
    // The payment stands whatever happens to the push: the shopper's other tabs then learn it on their next load.
    await holds.get(paid.orderId, shopper.userId).then(tell, () => undefined);
    return c.json({ orderId: paid.orderId, status: paid.status } satisfies PayResponse);
  });
}
