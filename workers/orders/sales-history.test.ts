import { describe, expect, it } from 'vitest';
import { bucketFor } from './sales-history.js';

describe('bucketFor', () => {
  it('gives sales within an hour intervals finer than a minute, at most 720 of them', () => {
    expect(bucketFor(0)).toBe(5);
    expect(bucketFor(3600)).toBe(5);
    expect(bucketFor(3601)).toBe(60);
  });

  it('gives longer sales minutes, and coarser intervals once minutes would pass 720 points', () => {
    expect(bucketFor(720 * 60)).toBe(60);
    expect(bucketFor(720 * 60 + 1)).toBe(300);
    expect(bucketFor(30 * 86_400)).toBe(3600);
    expect(bucketFor(10_000 * 86_400)).toBe(86_400);
  });
});
