/**
 * Reservation ids: `rsv_` + base64url of the drop's 16 bytes and 16 random ones. An id carries its drop, so a
 * reservation is found from its id alone and all of a drop's keys stay in one Redis Cluster slot. The pattern is
 * written here only: the routes and the event schemas check ids with it.
 */
import { randomFillSync } from 'node:crypto';

export const RESERVATION_ID = /^rsv_[A-Za-z0-9_-]{43}$/;

/** CSPRNG bytes drawn 4 KiB at a time, as `randomUUID` does: one call into the generator per 256 ids, not each. */
const randomPool = Buffer.alloc(4096);
let randomAt = randomPool.length;

export function newReservationId(dropId: string): string {
  if (randomAt + 16 > randomPool.length) {
    randomFillSync(randomPool);
    randomAt = 0;
  }
  const id = Buffer.alloc(32);
  id.write(dropId.replaceAll('-', ''), 'hex');
  randomPool.copy(id, 16, randomAt, (randomAt += 16));
  return `rsv_${id.toString('base64url')}`;
}

/** The drop a reservation id belongs to, or null when the id is not one of ours. */
export function dropOfReservation(id: string): string | null {
  if (!RESERVATION_ID.test(id)) return null;
  const hex = Buffer.from(id.slice(4), 'base64url').subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
