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
