/**
 * Proof of work, the edge's half: reading a solution (`<challenge>.<nonce>`, in the `X-Proof-Of-Work` header or a
 * socket `join`'s `proof`) and counting the leading zero bits of SHA-256(`<challenge>:<nonce>`). The hash is taken
 * here, in Node, before the one Redis call that checks and consumes the challenge: SHA-256 is what the page's
 * WebCrypto offers and what a bot would have to pay for, and one hash is about a microsecond here, whereas Lua
 * (redis.sha1hex, SHA-1 only) would put it on the single Redis thread every admission also waits on.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from './problems.js';

export const PROOF_HEADER = 'x-proof-of-work';

const SOLUTION = /^([A-Za-z0-9_-]{22})\.(\d{1,16})$/;

/** A solution's challenge and the zero bits it achieved. */
export interface Proof {
  challenge: string;
  bits: number;
}

/** Leading zero bits of a digest. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** The zero bits SHA-256(`<challenge>:<nonce>`) starts with. */
export const solvedBits = (challenge: string, nonce: string): number =>
  leadingZeroBits(createHash('sha256').update(`${challenge}:${nonce}`).digest());

/** Reads a presented solution; none is `undefined`, a malformed one a 400. */
export function readProof(value: unknown, field = PROOF_HEADER): Proof | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const match = typeof value === 'string' ? SOLUTION.exec(value) : null;
  if (!match) {
    throw new ValidationError([
      { field, message: 'must be <challenge>.<nonce>: the 22-character challenge and a decimal nonce' },
    ]);
  }
  const [, challenge, nonce] = match as unknown as [string, string, string];
  return { challenge, bits: solvedBits(challenge, nonce) };
}

/** The first nonce that solves `challenge` at `bits` (what the page's worker does; tests and the bench use it). */
export function solveChallenge(challenge: string, bits: number): string {
  for (let nonce = 0; ; nonce += 1) {
    if (solvedBits(challenge, String(nonce)) >= bits) return String(nonce);
  }
}
