import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { ValidationError } from './problems.js';
import { leadingZeroBits, readProof, solveChallenge, solvedBits } from './proof-of-work.js';

describe('proof of work', () => {
  test('counts the leading zero bits of a digest', () => {
    expect(leadingZeroBits(Uint8Array.from([0x80, 0]))).toBe(0);
    expect(leadingZeroBits(Uint8Array.from([0x01, 0xff]))).toBe(7);
    expect(leadingZeroBits(Uint8Array.from([0, 0, 0x0f, 0xff]))).toBe(20);
    expect(leadingZeroBits(new Uint8Array(32))).toBe(256);
  });

  test('a solution reaches the bits asked for, as SHA-256 of "<challenge>:<nonce>" shows', () => {
    const challenge = 'AAAAAAAAAAAAAAAAAAAAAA';
    const nonce = solveChallenge(challenge, 10);
    const digest = createHash('sha256').update(`${challenge}:${nonce}`).digest();
    expect(leadingZeroBits(digest)).toBeGreaterThanOrEqual(10);
    expect(solvedBits(challenge, nonce)).toBe(leadingZeroBits(digest));
    expect(readProof(`${challenge}.${nonce}`)).toEqual({ challenge, bits: leadingZeroBits(digest) });
  });

  test('none is undefined; a malformed one is a validation error', () => {
    expect(readProof(undefined)).toBeUndefined();
    expect(readProof('')).toBeUndefined();
    for (const bad of [
      'x.1',
      `${'A'.repeat(22)}.`,
      `${'A'.repeat(22)}.1e3`,
      `${'A'.repeat(22)}.${'9'.repeat(17)}`,
      42,
    ])
      expect(() => readProof(bad)).toThrow(ValidationError);
  });
});
