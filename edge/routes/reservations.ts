/** Reservations: reserve with an admission, read live from Redis, release, pay. */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { RESERVATION_ID, type Hold, type Holds } from '../../inventory/index.js';
import type { Checkout } from '../../workers/checkout/index.js';
import type { AdmissionTokens } from '../auth/admission.js';
import type { EdgeEnv } from '../context.js';
import { DEVICE_HEADER, deviceOf, type Holders } from '../holders.js';
import { clientAddress } from '../middleware/rate-limit.js';
import { requireRole } from '../middleware/session.js';
import { ValidationError } from '../problems.js';
import { pathId, readJson } from '../validation.js';

export interface ReservationJson {
  id: string;
  dropId: string;
  quantity: number;
  status: Hold['status'];
  expiresAt: string;
  /** The order's id (the reservation's) once paid. */
  orderId?: string;
}

export interface PayResponse {
  orderId: string;
  status: 'paid';
}

const reserveBody = z.strictObject({
  quantity: z.number().int('must be a whole number').min(1).max(1000).default(1),
});

const cardNumber = z
  .string()
  .transform((v) => v.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^\d{12,19}$/, 'must be a card number of 12 to 19 digits'));

const payBody = z.strictObject({
  // `{card: "4242…"}` or `{card: {number: "4242…", …}}`: the test provider reads only the number. A field the card
  // does not have is refused, as at the top level, so a misspelt one does not pass silently.
  card: z.union([
    cardNumber,
    z.strictObject({
      number: cardNumber,
      expMonth: z.number().int().min(1).max(12).optional(),
      expYear: z.number().int().optional(),
      cvc: z.string().max(4).optional(),
    }),
  ]),
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
  checkout: Checkout;
  admissionTokens: AdmissionTokens;
  /** Accounts holding units per address and device: the per-drop cap and the hoarding report. */
  holders: Holders;
  /** Applied to holding; a pass-through when rate limits are off. */
  holdLimit: MiddlewareHandler<EdgeEnv>;
  trustProxy: number;
}

export function registerReservations(
  app: Hono<EdgeEnv>,
  { holds, checkout, admissionTokens, holders, holdLimit, trustProxy }: ReservationRouteDeps,
) {
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
    return c.json(reservationJson(hold), 201);
  });

  app.get('/api/reservations/:id', async (c) => {
    const shopper = requireRole(c, 'shopper');
    return c.json(reservationJson(await holds.get(reservationId(c), shopper.userId)));
  });

  app.delete('/api/reservations/:id', async (c) => {
    const shopper = requireRole(c, 'shopper');
    return c.json(reservationJson(await holds.release(reservationId(c), shopper.userId)));
  });

  app.post('/api/reservations/:id/pay', async (c) => {
    const shopper = requireRole(c, 'shopper');
    const key = idempotencyKey(c);
    const body = await readJson(c, payBody);
    const number = typeof body.card === 'string' ? body.card : body.card.number;
    const paid = await checkout.pay({
      reservationId: reservationId(c),
      shopperId: shopper.userId,
      card: { number },
      ...(key ? { idempotencyKey: key } : {}),
    });
    return c.json({ orderId: paid.orderId, status: paid.status } satisfies PayResponse);
  });
}
