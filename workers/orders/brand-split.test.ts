import { describe, expect, it } from 'vitest';
import { splitByShare } from './brand-split.js';

const brands = (...shares: number[]) =>
  shares.map((sharePercent, i) => ({ id: `b${i}`, name: `Brand ${i}`, sharePercent }));
const cents = (split: ReturnType<typeof splitByShare>) => split.map((b) => b.paidCents);

describe('splitByShare', () => {
  it('33/33/34 of an odd total: largest remainders get the cents left, the parts add up exactly', () => {
    // 10001 × 33% = 3300.33, × 34% = 3400.34: floors 3300 + 3300 + 3400 = 10000, one cent left for the 34%.
    expect(cents(splitByShare(10_001, brands(33, 33, 34)))).toEqual([3300, 3300, 3401]);
    // 10067: 3322.11, 3322.11, 3422.78 → floors add to 10066; the 0.78 gets the cent.
    expect(cents(splitByShare(10_067, brands(33, 33, 34)))).toEqual([3322, 3322, 3423]);
    // 199: 65.67, 65.67, 67.66 → floors 197; two cents left, to the two 0.67 (equal: the earlier first).
    expect(cents(splitByShare(199, brands(33, 33, 34)))).toEqual([66, 66, 67]);
  });

  it('keeps names and shares, a lone brand takes everything, nothing paid splits to zeros', () => {
    expect(splitByShare(4_999, [{ id: 'lead', name: 'Nord', sharePercent: 100 }])).toEqual([
      { brandId: 'lead', name: 'Nord', sharePercent: 100, paidCents: 4_999 },
    ]);
    expect(cents(splitByShare(0, brands(50, 50)))).toEqual([0, 0]);
  });

  it('adds up exactly for every total and many share sets, beyond 2^53 / 100 too', () => {
    const sets = [brands(33, 33, 34), brands(1, 99), brands(12, 13, 14, 15, 16, 10, 10, 10), brands(50, 50)];
    for (const set of sets) {
      for (let total = 0; total < 1_000; total++) {
        const split = cents(splitByShare(total, set));
        expect(split.reduce((a, b) => a + b, 0)).toBe(total);
        // No part is more than one cent from its exact share.
        split.forEach((part, i) =>
          expect(Math.abs(part - (total * set[i]!.sharePercent) / 100)).toBeLessThan(1),
        );
      }
    }
    const big = Number.MAX_SAFE_INTEGER - 1;
    expect(cents(splitByShare(big, brands(33, 33, 34))).reduce((a, b) => a + b, 0)).toBe(big);
  });
});
