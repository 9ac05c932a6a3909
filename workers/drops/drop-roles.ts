/**
 * Who may do what to a drop. Its lead brand (`brandId`) and operators change and run it; its partner brands read
 * everything about it (its orders and sales too) but change nothing; any other brand reads only what shoppers read.
 */
import type { Role } from '../identity/index.js';
import type { Drop } from './drop.js';

export interface Actor {
  id: string;
  role: Role;
  brandId: string | null;
}

/** The part `brandId` takes in the drop: its lead, one of its partners, or none. */
export function brandRole(
  drop: Pick<Drop, 'brandId' | 'brands'>,
  brandId: string,
): 'lead' | 'partner' | null {
  if (brandId === drop.brandId) return 'lead';
  return drop.brands.some((b) => b.id === brandId) ? 'partner' : null;
}

/** Operators, and the drop's brands (lead or partner), read everything about the drop: its orders and sales too. */
export function mayRead(actor: Actor, drop: Pick<Drop, 'brandId' | 'brands'>): boolean {
  if (actor.role === 'operator') return true;
  return actor.role === 'brand' && actor.brandId !== null && brandRole(drop, actor.brandId) !== null;
}

/** Operators and the drop's lead brand change it, open, close and cancel it. */
export function mayChange(actor: Actor, drop: Pick<Drop, 'brandId' | 'brands'>): boolean {
  if (actor.role === 'operator') return true;
  return actor.role === 'brand' && actor.brandId !== null && brandRole(drop, actor.brandId) === 'lead';
}
