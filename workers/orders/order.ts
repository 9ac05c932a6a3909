/** An order as PostgreSQL keeps it: one reservation, from its hold to its end. */

export type OrderStatus = 'held' | 'paid' | 'expired' | 'released';

export interface Order {
  id: string;
  dropId: string;
  userId: string;
  quantity: number;
  amountCents: number;
  status: OrderStatus;
  createdAt: Date;
  paidAt: Date | null;
  expiresAt: Date;
}

/** A shipping address as the checkout recorded it. */
export interface OrderAddress {
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  region?: string;
  country: string;
}

/** The buyer's details a checkout recorded. */
export interface OrderBuyer {
  name: string;
  email: string;
  address: OrderAddress | null;
}

/** A paid order marked shipped: when it was first marked, and its tracking reference if one was given. */
export interface Shipment {
  shippedAt: Date;
  tracking: string | null;
}

/**
 * An order with what fulfilment needs: its short number and buyer (null for an order never checked out) and its
 * shipment (null until marked shipped).
 */
export interface DropOrder extends Order {
  number: string | null;
  buyer: OrderBuyer | null;
  shipment: Shipment | null;
}

/** An order as its shopper reads it: a drop's order with its product, brand and currency. */
export interface ShopperOrder extends DropOrder {
  title: string;
  brandName: string;
  currency: string;
}

/** A page of orders, newest first. */
export interface OrderPage {
  limit: number;
  /** Keyset position: (createdAt, id) of the last order of the previous page; newest first. */
  before?: { createdAt: Date; id: string };
}
