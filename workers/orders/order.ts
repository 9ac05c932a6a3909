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

/**
 * An order as its shopper reads it: with its product, brand and currency, and the short number and buyer's details
 * its checkout recorded (null for an order never checked out).
 */
export interface ShopperOrder extends Order {
  number: string | null;
  title: string;
  brandName: string;
  currency: string;
  buyer: { name: string; email: string; address: OrderAddress | null } | null;
}
