/**
 * A hold as the scripts keep it: a JSON record in the drop's holds hash (field names as in
 * commands/includes/holds.lua), validated on every read, and the `Hold` the rest of Dropline sees.
 */
import { z } from 'zod';

export type HoldStatus = 'held' | 'paid' | 'expired' | 'released';

export interface Hold {
  id: string;
  dropId: string;
  shopperId: string;
  quantity: number;
  amountCents: number;
  status: HoldStatus;
  createdAt: Date;
  expiresAt: Date;
  paidAt: Date | null;
  /** The shopper is a guest (recorded in PostgreSQL by its first event). */
  guest: boolean;
}

const record = z.object({
  s: z.string(),
  q: z.number().int().positive(),
  st: z.enum(['held', 'paid', 'expired', 'released']),
  d: z.number(),
  c: z.number(),
  a: z.number(),
  g: z.boolean(),
  p: z.number().optional(),
});

export function toHold(id: string, dropId: string, raw: unknown): Hold {
  if (typeof raw !== 'string') throw new Error(`hold ${id}: no record`);
  const r = record.parse(JSON.parse(raw));
  return {
    id,
    dropId,
    shopperId: r.s,
    quantity: r.q,
    amountCents: r.a,
    status: r.st,
    createdAt: new Date(r.c),
    expiresAt: new Date(r.d),
    paidAt: r.p === undefined ? null : new Date(r.p),
    guest: r.g,
  };
}

/** The record of a hold, with its id, as restore-8.lua takes it. */
export const toRecord = (h: Hold) => ({
  id: h.id,
  s: h.shopperId,
  q: h.quantity,
  st: h.status,
  d: h.expiresAt.getTime(),
  c: h.createdAt.getTime(),
  a: h.amountCents,
  g: h.guest,
  ...(h.paidAt ? { p: h.paidAt.getTime() } : {}),
});
