import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { dropOfReservation, newReservationId } from './reservation-id.js';

describe('reservation ids', () => {
  test('carry their drop and 16 random bytes: distinct across many draws of the random pool', () => {
    const drops = [randomUUID(), randomUUID()];
    const ids = Array.from({ length: 2000 }, (_, i) => newReservationId(drops[i % 2]!));
    expect(new Set(ids).size).toBe(ids.length);
    ids.forEach((id, i) => {
      expect(id).toMatch(/^rsv_[A-Za-z0-9_-]{43}$/);
      expect(dropOfReservation(id)).toBe(drops[i % 2]);
    });
    const randomParts = new Set(
      ids.map((id) => Buffer.from(id.slice(4), 'base64url').subarray(16).toString('hex')),
    );
    expect(randomParts.size).toBe(ids.length);
  });
});
