import { describe, expect, test } from 'vitest';
import { InventoryCode, settle } from './codes.js';

describe('settle', () => {
  test('returns an expected code with its details', () => {
    expect(
      settle('pay', [InventoryCode.REPEATED, 'r', 'e'], [InventoryCode.OK, InventoryCode.REPEATED]),
    ).toEqual({
      code: InventoryCode.REPEATED,
      details: ['r', 'e'],
    });
    expect(settle('mirror', InventoryCode.UNCHANGED, [InventoryCode.UNCHANGED]).details).toEqual([]);
  });

  test.for([
    [InventoryCode.NOT_ADMITTED, [], 'NotAdmittedError', 'not_admitted', /admission has ended/],
    [InventoryCode.DROP_NOT_FOUND, [], 'ReservationNotFoundError', 'not_found', /drop not found/],
    [InventoryCode.DROP_NOT_OPEN, ['closed'], 'DropNotOpenError', 'drop_not_open', /is closed/],
    [InventoryCode.STOCK_UNAVAILABLE, [], 'StockUnavailableError', 'unavailable', /being recovered/],
    [InventoryCode.LIMIT_REACHED, [2, 2], 'LimitReachedError', 'limit_reached', /at most 2 units/],
    [InventoryCode.SOLD_OUT, [1], 'SoldOutError', 'sold_out', /only 1 units/],
    [InventoryCode.SOLD_OUT, [0], 'SoldOutError', 'sold_out', /^sold out$/],
    [InventoryCode.KEY_REUSED, [], 'ReservationConflictError', 'conflict', /another request/],
    [InventoryCode.RESERVATION_NOT_FOUND, [], 'ReservationNotFoundError', 'not_found', /no such/],
    [InventoryCode.NOT_HELD, ['{}', 'paid'], 'ReservationConflictError', 'conflict', /is paid, not held/],
    [InventoryCode.HOLD_EXPIRED, ['{}'], 'HoldExpiredError', 'hold_expired', /expired/],
    [InventoryCode.HOLD_RELEASED, ['{}'], 'ReservationConflictError', 'conflict', /released/],
    [InventoryCode.PAID_ALREADY, ['{}'], 'ReservationConflictError', 'conflict', /paid already/],
    [InventoryCode.UNAVAILABLE, [], 'StockUnavailableError', 'unavailable', /being recovered/],
  ] as const)('code %i becomes %s', ([code, details, name, contract, message]) => {
    let thrown: unknown;
    try {
      settle('reserve', [code, ...details]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ name, code: contract, message: expect.stringMatching(message) });
  });

  test('an unknown code or shape is a plain error naming the script', () => {
    expect(() => settle('reserve', [99])).toThrow(/inventory reserve: unexpected reply \[99\]/);
    expect(() => settle('reserve', InventoryCode.OK, [InventoryCode.REPEATED])).toThrow(/unexpected reply 1/);
  });
});
