/**
 * The one state a shopper's drop page is in, derived from everything the page knows (the drop, the place in its
 * line, the hold, the order). The page draws exactly one card for it, with one message and one next action, so two
 * parts of the page can never tell two different stories. The order of the checks is the order of precedence: what
 * the shopper owns (an order, a hold) outranks what the drop does (closing, selling out), which outranks the line.
 */
import type { DropJson, QueueStateJson } from '../../index.js';

/** What the page knows that decides its state (drop-state.ts's DropState has all of it). */
export interface ShopperFacts {
  drop: Pick<DropJson, 'status'>;
  queue: Pick<QueueStateJson, 'status' | 'paused'> | null;
  reservation: { status: string; expiresAt: string } | null;
  admission: { expiresAt: string } | null;
  orderId: string | null;
}

export type ShopperState =
  | 'signed_out'
  | 'none'
  | 'prequeue'
  | 'waiting'
  | 'paused'
  | 'sold_out_for_now'
  | 'admitted'
  | 'holding'
  | 'paid'
  | 'expired'
  | 'left'
  | 'closed'
  | 'sold_out_for_good'
  | 'cancelled';

/** Every state, in the order a shopper may meet them: for tests that walk them all. */
export const SHOPPER_STATES: readonly ShopperState[] = [
  'signed_out',
  'none',
  'prequeue',
  'waiting',
  'paused',
  'sold_out_for_now',
  'admitted',
  'holding',
  'paid',
  'expired',
  'left',
  'closed',
  'sold_out_for_good',
  'cancelled',
];

/** Whether the line of this drop is over because every unit is sold (none held, none to come back). */
function soldOutForGood({ drop, queue }: Pick<ShopperFacts, 'drop' | 'queue'>): boolean {
  return drop.status === 'sold_out' || queue?.status === 'all_sold';
}

export function shopperState(s: ShopperFacts, signedIn: boolean, now = Date.now()): ShopperState {
  const { drop, queue: q, reservation: r } = s;
  if (drop.status === 'cancelled') return 'cancelled';
  if (s.orderId) return 'paid';
  if (r?.status === 'held' && new Date(r.expiresAt).getTime() > now) return 'holding';
  if (drop.status === 'closed') return 'closed';
  if (soldOutForGood(s)) return 'sold_out_for_good';
  if (!signedIn) return 'signed_out';
  if (r?.status === 'held' || r?.status === 'expired') return 'expired';
  switch (q?.status) {
    case undefined:
    case 'none':
      return 'none';
    case 'prequeue':
      return 'prequeue';
    case 'waiting':
      return q.paused ? 'paused' : 'waiting';
    case 'sold_out':
      return 'sold_out_for_now';
    case 'admitted':
      return s.admission && new Date(s.admission.expiresAt).getTime() > now ? 'admitted' : 'expired';
    case 'expired':
      return 'expired';
    case 'left':
      return 'left';
    default:
      // `finished`: the admission was used (a hold made and ended without an order, seen from another device).
      return s.admission && new Date(s.admission.expiresAt).getTime() > now ? 'admitted' : 'expired';
  }
}
