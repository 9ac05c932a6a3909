/** The checks' arithmetic: each failure is named, and a clean round passes. */
import { describe, expect, test } from 'vitest';
import { ledgerFigures, openKeys, rowFigures, settled, type LedgerRow, type Observed } from './checks.js';

const auth = (key: string, reference: string, approved = true): LedgerRow => ({
  key,
  operation: 'authorize',
  reference,
  approved,
});
const op = (operation: 'capture' | 'void', key: string, reference: string): LedgerRow => ({
  key,
  operation,
  reference,
  approved: true,
});

const clean: Observed = {
  units: 3,
  paid200: ['a', 'b'],
  postgresPaid: ['a', 'b'],
  redisSold: 2,
  stuckHeld: 0,
  ledger: [
    auth('k1', 'a'),
    op('capture', 'k1', 'a'),
    auth('k2', 'b'),
    op('capture', 'k2', 'b'),
    auth('k3', 'c'),
    op('void', 'k3', 'c'),
  ],
  fiveXx: 4,
  readySeconds: 1.2,
  salesSeconds: 2,
};

describe('rowFigures', () => {
  test('a clean round passes and has settled', () => {
    const f = rowFigures(clean);
    expect(f.failed).toEqual([]);
    expect(settled(f)).toBe(true);
    expect(f.ledger).toMatchObject({ authorized: 3, captured: 2, voided: 1, open: 0 });
  });

  test('a 200 whose order is not paid is a confirmed payment lost', () => {
    const f = rowFigures({ ...clean, paid200: ['a', 'b', 'x'] });
    expect(f.confirmedLost).toBe(1);
    expect(f.failed).toContain('confirmed payments lost');
  });

  test('oversold counts the units past the stock, from PostgreSQL or Redis', () => {
    expect(rowFigures({ ...clean, units: 1, ledger: null }).oversold).toBe(1);
    const f = rowFigures({ ...clean, redisSold: 5, ledger: null });
    expect(f.oversold).toBe(2);
    expect(f.failed).toEqual(expect.arrayContaining(['oversold', 'PostgreSQL paid ≠ Redis sold']));
  });

  test('no stock in Redis differs from PostgreSQL', () => {
    expect(rowFigures({ ...clean, redisSold: null }).failed).toContain('PostgreSQL paid ≠ Redis sold');
  });

  test('stuck orders and slow or missing recovery fail', () => {
    const f = rowFigures({ ...clean, stuckHeld: 2, readySeconds: null, salesSeconds: 10.5 });
    expect(f.failed).toEqual(['orders stuck held', '/readyz recovery', 'sales recovery']);
    expect(settled(f)).toBe(false);
  });

  test('without a ledger the ledger checks are not applied', () => {
    const f = rowFigures({ ...clean, ledger: null });
    expect(f.ledger).toBeNull();
    expect(f.failed).toEqual([]);
  });
});

describe('ledgerFigures', () => {
  test('an authorization left open, one both captured and voided, and captures that do not match the orders', () => {
    const f = ledgerFigures(
      [
        auth('k1', 'a'),
        auth('k2', 'b'),
        op('capture', 'k2', 'b'),
        op('void', 'k2', 'b'),
        auth('k3', 'c'),
        op('capture', 'k3', 'c'),
        auth('k4', 'd', false),
      ],
      ['a', 'b'],
    );
    expect(f).toEqual({
      authorized: 3,
      captured: 2,
      voided: 1,
      open: 1,
      both: 1,
      paidNotCapturedOnce: 1, // a: never captured
      capturedNotPaid: 1, // c: captured, not a paid order
    });
  });

  test('a paid order captured twice is not captured once', () => {
    const f = ledgerFigures(
      [auth('k1', 'a'), op('capture', 'k1', 'a'), auth('k2', 'a'), op('capture', 'k2', 'a')],
      ['a'],
    );
    expect(f.paidNotCapturedOnce).toBe(1);
  });

  test('a declined authorization needs no ending', () => {
    expect(ledgerFigures([auth('k1', 'a', false)], []).open).toBe(0);
  });
});

test('a row whose ledger is still settling has not settled', () => {
  expect(
    settled(rowFigures({ ...clean, ledger: [auth('k1', 'a'), auth('k2', 'b'), op('capture', 'k2', 'b')] })),
  ).toBe(false);
});

test('the open keys are the approved authorizations neither captured nor voided', () => {
  const declined: LedgerRow = { ...auth('k4', 'd'), approved: false };
  const rows = [
    auth('k1', 'a'),
    auth('k2', 'b'),
    op('capture', 'k2', 'b'),
    auth('k3', 'c'),
    op('void', 'k3', 'c'),
    declined,
  ];
  expect(openKeys(rows)).toEqual(['k1']);
});
