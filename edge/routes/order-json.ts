/** Orders as the API shows them (JSON), and who may read a drop's. */
import { mayRead, type Drop, type DropsService } from '../../workers/drops/index.js';
import type {
  BrandTakings,
  DropOrder,
  Order,
  OrderAddress,
  OrderStatus,
  OrderTotals,
  ShopperOrder,
} from '../../workers/orders/index.js';
import type { Session } from '../auth/tokens.js';
import { HttpProblem } from '../problems.js';

export const ORDER_STATUSES = [
  'held',
  'paid',
  'expired',
  'released',
] as const satisfies readonly OrderStatus[];

export interface OrderJson {
  id: string;
  dropId: string;
  quantity: number;
  amountCents: number;
  status: Order['status'];
  createdAt: string;
  paidAt: string | null;
}

export interface OrderListResponse {
  orders: OrderJson[];
  nextCursor: string | null;
}

export interface BuyerJson {
  name: string;
  email: string;
  address: OrderAddress | null;
}

/** A paid order marked shipped: first marked at, and its tracking reference if one was given. */
export interface ShipmentJson {
  shippedAt: string;
  tracking: string | null;
}

/** An order as its drop's brands fulfil it. */
export interface DropOrderJson extends OrderJson {
  /** The short order number, `DL-XXXX-XXXX` (null for an order never checked out). */
  number: string | null;
  /** The buyer's details from checkout (null for an order never checked out). */
  buyer: BuyerJson | null;
  /** Null until the order is marked shipped. */
  shipment: ShipmentJson | null;
}

/** One of the shopper's own orders: what a receipt shows. */
export interface ShopperOrderJson extends DropOrderJson {
  /** The product (the drop's title). */
  title: string;
  brandName: string;
  currency: string;
}

export interface ShopperOrderListResponse {
  orders: ShopperOrderJson[];
  nextCursor: string | null;
}

export interface DropOrdersResponse {
  orders: DropOrderJson[];
  nextCursor: string | null;
  /** Over every order of the drop, whatever the filter: paid takings split between its brands by share. */
  totals: OrderTotals & { byBrand: BrandTakings[] };
}

export const orderJson = (o: Order): OrderJson => ({
  id: o.id,
  dropId: o.dropId,
  quantity: o.quantity,
  amountCents: o.amountCents,
  status: o.status,
  createdAt: o.createdAt.toISOString(),
  paidAt: o.paidAt?.toISOString() ?? null,
});

export const dropOrderJson = (o: DropOrder): DropOrderJson => ({
  ...orderJson(o),
  number: o.number,
  buyer: o.buyer,
  shipment: o.shipment
    ? { shippedAt: o.shipment.shippedAt.toISOString(), tracking: o.shipment.tracking }
    : null,
});

export const shopperOrderJson = (o: ShopperOrder): ShopperOrderJson => ({
  ...dropOrderJson(o),
  title: o.title,
  brandName: o.brandName,
  currency: o.currency,
});

/** The drop, if the caller (a brand or an operator) may read its orders: 404 for an unknown drop, else 403. */
export async function readableDrop(drops: DropsService, who: Session, dropId: string): Promise<Drop> {
  const drop = await drops.get(dropId);
  if (!mayRead({ id: who.userId, role: who.role, brandId: who.brandId }, drop))
    throw new HttpProblem('forbidden', 'only the drop’s brands or an operator see its orders');
  return drop;
}
