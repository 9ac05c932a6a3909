/** The rush's mix of shoppers. */
import { expect, test } from 'vitest';
import { KINDS, kindOf } from './shoppers.js';

test('every kind of shopper is in each ten, paying ones the most', () => {
  const kinds = Array.from({ length: 10 }, (_, i) => kindOf(i));
  expect(new Set(kinds)).toEqual(new Set(KINDS));
  expect(kinds.filter((k) => k === 'key')).toHaveLength(3);
  expect(kinds.filter((k) => k === 'no-key')).toHaveLength(3);
});
