/**
 * The proof of work a new guest session may be asked for (GUEST_CHALLENGE_BITS, 0: none): issued at random, good
 * for `ttlMs` and one attempt, checked and consumed in one script call (challenge-consume-1.lua).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EdgeKeys } from './keys.js';
import { HttpProblem } from './problems.js';
import type { Proof } from './proof-of-work.js';
import { assertEdgeScripts, EdgeCode } from './scripts.js';

export interface GuestChallengeDeps {
  redis: Redis;
  keys: EdgeKeys;
  /** Zero bits a guest session's solution needs; 0: guests need none. */
  bits: number;
  ttlMs: number;
  clock: Pick<DateConstructor, 'now'>;
}

export type GuestChallenges = ReturnType<typeof createGuestChallenges>;

export function createGuestChallenges({ redis, keys, bits, ttlMs, clock }: GuestChallengeDeps) {
  assertEdgeScripts(redis);
  return {
    bits,
    async issue(): Promise<{ challenge: string; bits: number; expiresAt: Date }> {
      const challenge = randomBytes(16).toString('base64url');
      await redis.set(keys.guestChallenge(challenge), bits, 'PX', ttlMs);
      return { challenge, bits, expiresAt: new Date(clock.now() + ttlMs) };
    },
    /** Passes when no proof is asked for, or `proof` solves an unused challenge; else 403 `challenge_failed`. */
    async check(proof: Proof | undefined): Promise<void> {
      if (bits === 0) return;
      const code = proof
        ? await redis.edgeChallengeConsume(keys.guestChallenge(proof.challenge), proof.bits, bits)
        : EdgeCode.CHALLENGE_FAILED;
      if (code === EdgeCode.OK) return;
      if (code !== EdgeCode.CHALLENGE_FAILED)
        throw new Error(`edge challenge-consume: unexpected reply ${JSON.stringify(code)}`);
      throw new HttpProblem(
        'challenge_failed',
        'a guest session needs a solved challenge: POST /api/auth/guest/challenge, solve it, send it in X-Proof-Of-Work',
      );
    },
  };
}
