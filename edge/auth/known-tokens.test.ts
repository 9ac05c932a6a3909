import { describe, expect, test } from 'vitest';
import { createKnownTokens } from './known-tokens.js';

describe('known tokens', () => {
  test('a remembered token is known until it expires, then forgotten', () => {
    let now = 1000;
    const known = createKnownTokens<{ expiresAt: Date; who: string }>({
      size: 10,
      clock: { now: () => now },
    });
    expect(known.get('a')).toBeUndefined();
    known.remember('a', { expiresAt: new Date(2000), who: 'x' });
    expect(known.get('a')?.who).toBe('x');
    expect(known.get('a ')).toBeUndefined();
    now = 1999;
    expect(known.get('a')?.who).toBe('x');
    now = 2000;
    expect(known.get('a')).toBeUndefined();
    now = 1000;
    expect(known.get('a')).toBeUndefined(); // forgotten, not merely hidden
  });

  test('holds at most `size` tokens, dropping the oldest first', () => {
    const known = createKnownTokens<{ expiresAt: Date }>({ size: 3, clock: { now: () => 0 } });
    const value = { expiresAt: new Date(1000) };
    for (const t of ['a', 'b', 'c']) known.remember(t, value);
    known.remember('a', value); // remembered again: now the newest
    known.remember('d', value);
    expect(['a', 'b', 'c', 'd'].filter((t) => known.get(t))).toEqual(['a', 'c', 'd']);
  });
});
