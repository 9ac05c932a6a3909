/**
 * The order details store against the real PostgreSQL: a reservation keeps the number it was first given while its
 * buyer's details are replaced, and a number drawn twice (by another reservation) is drawn again.
 */
import { describe, expect } from 'vitest';
import { test } from '../../infra/testing/index.js';
import { createOrderDetailsStore, newOrderNumber, ORDER_NUMBER } from './index.js';

const reservation = (n: number) => `rsv_${String(n).padStart(43, 'A')}`;
const buyer = { name: 'Test Buyer', email: 'buyer@example.test' };

describe('order details', () => {
  test('numbers are DL-XXXX-XXXX in Crockford base32 and differ', () => {
    const drawn = new Set(Array.from({ length: 2000 }, newOrderNumber));
    expect(drawn.size).toBe(2000);
    for (const number of drawn) expect(number).toMatch(ORDER_NUMBER);
  });

  test('a reservation keeps its number; a number another reservation holds is drawn again', async ({
    dropline,
  }) => {
    const draws = ['DL-AAAA-0001', 'DL-AAAA-0002', 'DL-AAAA-0001', 'DL-AAAA-0003'];
    const store = createOrderDetailsStore(dropline.sql, () => draws.shift()!);
    expect(await store.record(reservation(1), buyer)).toBe('DL-AAAA-0001');
    // The same reservation again (another pay attempt): the first number stays, the details are the new ones.
    const address = { line1: '1 Test Street', city: 'Testville', postalCode: '10115', country: 'DE' };
    expect(await store.record(reservation(1), { ...buyer, name: 'Other Name', address })).toBe(
      'DL-AAAA-0001',
    );
    // Another reservation draws DL-AAAA-0001, which is taken: it draws again.
    expect(await store.record(reservation(2), buyer)).toBe('DL-AAAA-0003');
    const rows = await dropline.sql<{ reservation_id: string; number: string; buyer_name: string }[]>`
      SELECT reservation_id, number, buyer_name FROM order_details ORDER BY reservation_id`;
    expect([...rows]).toEqual([
      { reservation_id: reservation(1), number: 'DL-AAAA-0001', buyer_name: 'Other Name' },
      { reservation_id: reservation(2), number: 'DL-AAAA-0003', buyer_name: 'Test Buyer' },
    ]);
  });
});
