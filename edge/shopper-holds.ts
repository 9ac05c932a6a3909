/**
 * A shopper's own reservations, told truthfully: PostgreSQL keeps every reservation as an order (projected from
 * inventory events, so it may trail by a moment), and Redis keeps whether a hold is still live. A row PostgreSQL last
 * saw held is read again from Redis; a paid, released or expired one is final in PostgreSQL.
 */
import { ReservationNotFoundError, type Hold, type HoldStatus, type Holds } from '../inventory/index.js';
import type { DropsService } from '../workers/drops/index.js';
import type { Order, OrderPage, OrdersStore } from '../workers/orders/index.js';
import type { HoldPush, PlacePush } from './socket-contract.js';

/** A reservation of the shopper as `GET /api/reservations` lists it. */
export interface ShopperReservation {
  id: string;
  dropId: string;
  quantity: number;
  amountCents: number;
  currency: string | null;
  status: HoldStatus;
  createdAt: Date;
  expiresAt: Date;
  paidAt: Date | null;
}

/**
 * Tells the shopper's sockets (room `u:<shopper>`, on every edge) of what the shopper did in another tab or device:
 * a hold made, paid or given back (`push`), a line joined or left (`place`).
 */
export interface HoldPushes {
  push(shopperId: string, push: HoldPush): void;
  place(shopperId: string, push: PlacePush): void;
}

export interface ShopperHoldsDeps {
  holds: Holds;
  orders: OrdersStore;
  drops: DropsService;
  clock: Pick<DateConstructor, 'now'>;
}

export type ShopperHolds = ReturnType<typeof createShopperHolds>;

async function redisHold(holds: Holds, id: string, shopperId: string): Promise<Hold | null> {
  try {
    return await holds.get(id, shopperId);
  } catch (error) {
    if (error instanceof ReservationNotFoundError) return null;
    throw error;
  }
}

/** A hold whose deadline passed is expired, even before the sweeper has marked it. */
function liveStatus(hold: Hold, now: number): HoldStatus {
  return hold.status === 'held' && hold.expiresAt.getTime() <= now ? 'expired' : hold.status;
}

export function createShopperHolds({ holds, orders, drops, clock }: ShopperHoldsDeps) {
  async function currencies(dropIds: string[]): Promise<Map<string, string | null>> {
    const unique = [...new Set(dropIds)];
    const found = await Promise.all(
      unique.map((id) =>
        drops.get(id).then(
          (d) => d.currency,
          () => null,
        ),
      ),
    );
    return new Map(unique.map((id, i) => [id, found[i] ?? null]));
  }

  async function truthOf(order: Order, userId: string): Promise<Order> {
    if (order.status !== 'held') return order;
    const hold = await redisHold(holds, order.id, userId);
    if (!hold) return order;
    return {
      ...order,
      status: liveStatus(hold, clock.now()),
      expiresAt: hold.expiresAt,
      paidAt: hold.paidAt,
    };
  }

  return {
    /** One page of the shopper's reservations, newest first (keyset on createdAt, id). */
    async page(userId: string, page: OrderPage): Promise<ShopperReservation[]> {
      const rows = await orders.listForUser(userId, page);
      const [truths, money] = await Promise.all([
        Promise.all(rows.map((o) => truthOf(o, userId))),
        currencies(rows.map((o) => o.dropId)),
      ]);
      return truths.map((o) => ({
        id: o.id,
        dropId: o.dropId,
        quantity: o.quantity,
        amountCents: o.amountCents,
        currency: money.get(o.dropId) ?? null,
        status: o.status,
        createdAt: o.createdAt,
        expiresAt: o.expiresAt,
        paidAt: o.paidAt,
      }));
    },

    /** The shopper's hold on the drop that is live in Redis now, or null. */
    async liveOn(userId: string, dropId: string): Promise<Hold | null> {
      // Most shoppers who ask hold nothing: Redis says so in one read, which also names the latest hold, live there
      // the moment it is made. PostgreSQL (which trails by the event pipeline) is asked only for an older one.
      const latest = await holds.latestHold(dropId, userId);
      if (latest.units === 0) return null;
      const now = clock.now();
      const newest = latest.id === null ? null : await redisHold(holds, latest.id, userId);
      if (newest && liveStatus(newest, now) === 'held') return newest;
      const candidates = await orders.heldOnDrop(userId, dropId);
      for (const order of candidates) {
        const hold = await redisHold(holds, order.id, userId);
        if (hold && liveStatus(hold, now) === 'held') return hold;
      }
      return null;
    },
  };
}
