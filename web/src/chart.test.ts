import { describe, expect, it } from 'vitest';
import { timeTicks, valueTicks } from './chart.js';

describe('chart axes', () => {
  it('puts round value ticks from 0 to at least the largest value', () => {
    expect(valueTicks(0, true)).toEqual([0, 1]);
    expect(valueTicks(1, true)).toEqual([0, 1]);
    expect(valueTicks(7, true)).toEqual([0, 2, 4, 6, 8]);
    expect(valueTicks(259, false)).toEqual([0, 100, 200, 300]);
    expect(valueTicks(1_234_567.89, false)).toEqual([0, 500_000, 1_000_000, 1_500_000]);
    expect(valueTicks(0.3, false)).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it('puts time ticks on round seconds, minutes or hours within the span', () => {
    const t0 = Date.UTC(2026, 11, 3, 18, 0, 7);
    expect(timeTicks(t0, t0 + 3_000)).toEqual([t0 + 0, t0 + 1000, t0 + 2000, t0 + 3000]);
    expect(timeTicks(t0, t0 + 10 * 60_000)).toEqual([5, 10].map((m) => Date.UTC(2026, 11, 3, 18, m)));
    const day = timeTicks(t0, t0 + 86_400_000);
    expect(day.length).toBeLessThanOrEqual(4);
    for (const t of day) expect(t % 3_600_000).toBe(0);
  });
});
