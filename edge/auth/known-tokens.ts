/**
 * Tokens known to be valid, remembered so that a signature is checked once per process, not once per use: those
 * this process signed, and those it has verified. Keyed by the whole token (a changed byte is a miss), each entry
 * good until its token expires, at most `size` of them (the oldest dropped first). Checking a token anew (HMAC,
 * decoding, validating its claims) is the dearest part of a request that carries one.
 */
export interface KnownTokens<T extends { expiresAt: Date }> {
  /** What `token` was known to carry, while it has not expired. */
  get(token: string): T | undefined;
  remember(token: string, value: T): void;
}

export function createKnownTokens<T extends { expiresAt: Date }>({
  size,
  clock = Date,
}: {
  size: number;
  clock?: Pick<DateConstructor, 'now'>;
}): KnownTokens<T> {
  const known = new Map<string, T>();
  return {
    get(token) {
      const value = known.get(token);
      if (value === undefined) return undefined;
      if (value.expiresAt.getTime() > clock.now()) return value;
      known.delete(token);
      return undefined;
    },
    remember(token, value) {
      if (known.has(token)) known.delete(token);
      else if (known.size >= size) known.delete(known.keys().next().value!);
      known.set(token, value);
    },
  };
}
