/**
 * Session tokens: HS256 JWTs (hs256.ts: a synchronous HMAC, never queued behind password hashing) with issuer,
 * audience, expiry and a `typ` claim, so an admission token can never pass for a session. Verification accepts HS256
 * only (no `alg: none`, no key confusion).
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { HttpProblem } from '../problems.js';
import { hmacKey, signHs256, TokenRefusedError, verifyHs256 } from './hs256.js';
import { createKnownTokens } from './known-tokens.js';

export const TOKEN_ISSUER = 'dropline';
export const TOKEN_AUDIENCE = 'dropline';
/** Sessions remembered after signing or verification (oldest dropped first). */
const VERIFIED_CACHE_SIZE = 50_000;

export type Role = 'shopper' | 'brand' | 'operator';

export interface Session {
  userId: string;
  role: Role;
  email: string | null;
  brandId: string | null;
  guest: boolean;
  expiresAt: Date;
}

const sessionClaims = z.object({
  sub: z.uuid(),
  typ: z.literal('session'),
  role: z.enum(['shopper', 'brand', 'operator']),
  email: z.string().nullable().default(null),
  brandId: z.uuid().nullable().default(null),
  guest: z.boolean().default(false),
  exp: z.number(),
});

export interface TokenServiceOptions {
  secret: string;
  ttlSeconds: number;
  clock?: Pick<DateConstructor, 'now'>;
}

export interface TokenService {
  ttlSeconds: number;
  /** The HMAC key, made once (the admission tokens share it). */
  key: KeyObject;
  sign(user: Omit<Session, 'expiresAt'>): Promise<{ token: string; expiresAt: Date }>;
  /** Throws HttpProblem `unauthorized` for anything but a valid, unexpired session token. */
  verify(token: string): Promise<Session>;
}

/** The work's result as a promise, a throw as a rejection: the HMAC is synchronous, the API stays a promise. */
export const settle = <T>(work: () => T): Promise<T> => new Promise<T>((resolve) => resolve(work()));

export function createTokenService({ secret, ttlSeconds, clock = Date }: TokenServiceOptions): TokenService {
  const key = hmacKey(secret);
  const known = createKnownTokens<Session>({ size: VERIFIED_CACHE_SIZE, clock });
  return {
    ttlSeconds,
    key,
    sign: (user) =>
      settle(() => {
        const now = Math.floor(clock.now() / 1000);
        const exp = now + ttlSeconds;
        const token = signHs256(key, {
          typ: 'session',
          role: user.role,
          email: user.email,
          brandId: user.brandId,
          guest: user.guest,
          sub: user.userId,
          iss: TOKEN_ISSUER,
          aud: TOKEN_AUDIENCE,
          iat: now,
          exp,
          jti: randomUUID(),
        });
        const expiresAt = new Date(exp * 1000);
        known.remember(token, { ...user, expiresAt });
        return { token, expiresAt };
      }),
    verify: (token) =>
      settle(() => {
        // A token this process signed or verified before is not verified again until it expires.
        const session = known.get(token) ?? verifyAnew(token);
        known.remember(token, session);
        return session;
      }),
  };

  function verifyAnew(token: string): Session {
    let payload: unknown;
    try {
      payload = verifyHs256(key, token, {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        nowSeconds: Math.floor(clock.now() / 1000),
        required: ['sub'],
      });
    } catch (error) {
      const expired = error instanceof TokenRefusedError && error.reason === 'expired';
      throw new HttpProblem(
        'unauthorized',
        expired ? 'the session has expired; sign in again' : 'the token is not valid',
        {},
        { cause: error },
      );
    }
    const claims = sessionClaims.safeParse(payload);
    if (!claims.success) throw new HttpProblem('unauthorized', 'the token is not a session token');
    const c = claims.data;
    return {
      userId: c.sub,
      role: c.role,
      email: c.email,
      brandId: c.brandId,
      guest: c.guest,
      expiresAt: new Date(c.exp * 1000),
    };
  }
}
