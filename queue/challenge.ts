/**
 * Proof-of-work challenges for joining a drop's waiting room. A challenge is random, bound to one drop (its key
 * carries the drop's hash tag) and one shopper (the value), lives `ttlMs`, and is consumed by the join script that
 * checks it (join-8.lua), so it serves one attempt. The difficulty is the drop's `challengeBits`, mirrored into the
 * waiting room's config by configure().
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DropNotFoundError } from './errors.js';
import type { QueueKeys } from './keys.js';

export interface IssuedChallenge {
  /** 22 base64url characters (128 random bits). */
  challenge: string;
  /** Leading zero bits SHA-256(`<challenge>:<nonce>`) must have; 0 when the drop asks for none. */
  bits: number;
  expiresAt: Date;
}

/** A solution as the join script takes it: the challenge and the zero bits its solution achieved. */
export interface JoinProof {
  challenge: string;
  bits: number;
}

/** Issues a challenge to `shopperId` for `dropId`: one round trip (a MULTI of the difficulty read and the SET). */
export async function issueChallenge(
  { redis, keys, clock }: { redis: Redis; keys: QueueKeys; clock: Pick<DateConstructor, 'now'> },
  dropId: string,
  shopperId: string,
  ttlMs: number,
): Promise<IssuedChallenge> {
  const challenge = randomBytes(16).toString('base64url');
  const results = await redis
    .multi()
    .hmget(keys.config(dropId), 'status', 'challengeBits')
    .set(keys.challenge(dropId, challenge), shopperId, 'PX', ttlMs)
    .exec();
  const read = results?.[0];
  if (!read || read[0]) throw read?.[0] ?? new Error('queue challenge: no reply');
  const [status, bits] = read[1] as (string | null)[];
  if (!status) {
    await redis.del(keys.challenge(dropId, challenge));
    throw new DropNotFoundError();
  }
  return { challenge, bits: Number(bits ?? 0) || 0, expiresAt: new Date(clock.now() + ttlMs) };
}
