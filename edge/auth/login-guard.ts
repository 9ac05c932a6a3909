/**
 * Per-account backoff on sign-in, in Redis, shared by every edge (edge/commands/login-attempt-3.lua). Not a lock:
 * each counter past its free attempts makes the next attempt wait 1 s, 2 s, 4 s, … up to a cap, and an address that
 * signed in to the account before is spared the account-wide counter, so guesses from elsewhere cannot keep the
 * owner out; from a new address the owner waits at most ACCOUNT_CAP_MS. Unknown emails count alike (no hint that an
 * account exists). When Redis fails the attempt goes through, as with the rate limiters.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EdgeKeys } from '../keys.js';
import { HttpProblem } from '../problems.js';
import { EdgeCode } from '../scripts.js';

/** Failed attempts from one address at one account before it backs off. */
export const PAIR_FREE = 5;
/** Failed attempts from addresses new to an account before the account backs off for them. */
export const ACCOUNT_FREE = 20;
const FIRST_BACKOFF_MS = 1000;
export const PAIR_CAP_MS = 15 * 60_000;
export const ACCOUNT_CAP_MS = 60_000;
/** A counter left alone this long is forgotten; an address that signed in stays known this long. */
const QUIET_MS = 60 * 60_000;
const KNOWN_MS = 30 * 24 * 3600_000;

export interface LoginGuard {
  /** Counts an attempt before the password is checked; throws 429 `rate_limited` (with `retryAfter`) while backing off. */
  attempt(email: string, address: string): Promise<void>;
  /** Clears the account's counters and remembers the address as one the owner uses. */
  succeeded(email: string, address: string): Promise<void>;
}

export interface LoginGuardOptions {
  redis: Redis;
  keys: EdgeKeys;
  log: Pick<Logger, 'warn'>;
  clock?: Pick<DateConstructor, 'now'>;
}

const account = (email: string) =>
  createHash('sha256').update(email.toLowerCase()).digest('base64url').slice(0, 22);

export function createLoginGuard({ redis, keys, log, clock = Date }: LoginGuardOptions): LoginGuard {
  return {
    async attempt(email, address) {
      const id = account(email);
      let reply: unknown;
      try {
        reply = await redis.edgeLoginAttempt(
          keys.loginPair(id, address),
          keys.loginAccount(id),
          keys.loginKnown(id),
          clock.now(),
          address,
          PAIR_FREE,
          ACCOUNT_FREE,
          FIRST_BACKOFF_MS,
          PAIR_CAP_MS,
          ACCOUNT_CAP_MS,
          QUIET_MS,
        );
      } catch (error) {
        log.warn({ err: error }, 'sign-in backoff unavailable; letting the attempt through');
        return;
      }
      if (!Array.isArray(reply) || reply[0] !== EdgeCode.LOGIN_BACKOFF) return;
      const retryAfter = Math.max(1, Math.ceil(Number(reply[1]) / 1000));
      throw new HttpProblem(
        'rate_limited',
        `too many failed sign-ins for this account; try again in ${retryAfter} s`,
        { retryAfter },
      );
    },
    async succeeded(email, address) {
      const id = account(email);
      try {
        await redis
          .multi()
          .del(keys.loginPair(id, address), keys.loginAccount(id))
          .sadd(keys.loginKnown(id), address)
          .pexpire(keys.loginKnown(id), KNOWN_MS)
          .exec();
      } catch (error) {
        log.warn({ err: error }, 'could not clear the sign-in backoff');
      }
    },
  };
}
