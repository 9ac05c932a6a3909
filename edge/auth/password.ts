/**
 * Password hashing with scrypt (memory-hard) at OWASP's minimum cost, N = 2^17, r = 8, p = 1 (128 MiB per hash).
 * Stored as `scrypt$N$r$p$salt$hash` (base64url): every hash carries its parameters, so a sign-in checks an older,
 * cheaper hash with its own and then stores it again at today's cost (`rehash`).
 *
 * Requests hash through a HashPool (bounded, on threads of their own); `hashPassword` alone, for start-up and tests,
 * uses Node's own scrypt.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { SCRYPT_MAXMEM, type HashPool, type ScryptCost } from './hash-pool.js';

export const SCRYPT_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };
const KEY_LENGTH = 32;

const nodeScrypt = (password: string, salt: Buffer, keyLength: number, cost: ScryptCost) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keyLength, { ...cost, maxmem: SCRYPT_MAXMEM }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );

type Derive = HashPool['derive'];

async function hashWith(
  derive: Derive,
  password: string,
  cost: ScryptCost,
  signal?: AbortSignal,
): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, KEY_LENGTH, cost, signal);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** A stored hash's parts, or null for anything malformed or dearer than the hashing threads allow. */
function parse(stored: string): { cost: ScryptCost; salt: Buffer; hash: Buffer } | null {
  const match = /^scrypt\$(\d{1,8})\$(\d{1,2})\$(\d{1,2})\$([\w-]+)\$([\w-]+)$/.exec(stored);
  if (!match) return null;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const powerOfTwo = N >= 2 && (N & (N - 1)) === 0;
  if (!powerOfTwo || r < 1 || p < 1 || 128 * N * r * p > SCRYPT_MAXMEM) return null;
  return {
    cost: { N, r, p },
    salt: Buffer.from(match[4]!, 'base64url'),
    hash: Buffer.from(match[5]!, 'base64url'),
  };
}

async function verifyWith(
  derive: Derive,
  password: string,
  stored: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const parts = parse(stored);
  if (!parts) return false;
  const key = await derive(password, parts.salt, parts.hash.length || KEY_LENGTH, parts.cost, signal);
  return key.length === parts.hash.length && timingSafeEqual(key, parts.hash);
}

/** Hashes at today's cost with Node's scrypt (libuv's pool): for start-up and tests, not for requests. */
export const hashPassword = (password: string, cost: ScryptCost = SCRYPT_COST) =>
  hashWith(nodeScrypt, password, cost);

export const verifyPassword = (password: string, stored: string) => verifyWith(nodeScrypt, password, stored);

/** `signal`: the request's, so that a hash its client no longer waits for is not run. */
export interface Passwords {
  hash(password: string, signal?: AbortSignal): Promise<string>;
  /**
   * Whether `password` matches `stored`; with no stored hash (an unknown email) a decoy is checked, so that the
   * answer takes as long either way. `rehash` is set when the stored hash is of another cost than today's.
   */
  verify(
    password: string,
    stored: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ ok: boolean; rehash: boolean }>;
}

/** `cost`: what new hashes get (SCRYPT_COST unless the configuration asks for a cheaper one outside production). */
export function createPasswords(pool: HashPool, cost: ScryptCost = SCRYPT_COST): Passwords {
  const derive: Derive = (...args) => pool.derive(...args);
  let decoy: Promise<string> | undefined;
  return {
    hash: (password, signal) => hashWith(derive, password, cost, signal),
    async verify(password, stored, signal) {
      if (stored === undefined) {
        decoy ??= hashPassword('decoy-password-for-unknown-emails', cost);
        await verifyWith(derive, password, await decoy, signal);
        return { ok: false, rehash: false };
      }
      const ok = await verifyWith(derive, password, stored, signal);
      const its = parse(stored)?.cost;
      const current = its?.N === cost.N && its.r === cost.r && its.p === cost.p;
      return { ok, rehash: ok && !current };
    },
  };
}
