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
  /** When it was signed (ms precision): a session issued before its user's sessions ended is void. */
  issuedAt: Date;
  expiresAt: Date;
}

/** Who a session is for: what signing one takes. */
export type SessionIdentity = Omit<Session, 'expiresAt' | 'issuedAt'>;

/** Since when each user's sessions are valid (ms), for the few users whose earlier sessions were ended. */
export interface EndedSessions {
  validAfter(userId: string): number | undefined;
}

const sessionClaims = z.object({
  sub: z.uuid(),
  typ: z.literal('session'),
  role: z.enum(['shopper', 'brand', 'operator']),
  email: z.string().nullable().default(null),
  brandId: z.uuid().nullable().default(null),
  guest: z.boolean().default(false),
  // Tokens signed before sessions carried their issue time count as issued at the epoch: ended with any session.
  iat: z.number().default(0),
  exp: z.number(),
});

export interface TokenServiceOptions {
  secret: string;
  ttlSeconds: number;
  clock?: Pick<DateConstructor, 'now'>;
  /** Users whose sessions issued before some time are void (disabled, or given a new password). */
  endedSessions?: EndedSessions;
}

export interface TokenService {
  ttlSeconds: number;
  /** The HMAC key, made once (the admission tokens share it). */
  key: KeyObject;
  sign(user: SessionIdentity): Promise<{ token: string; expiresAt: Date }>;
  /**
   * Throws HttpProblem `unauthorized` for anything but a valid, unexpired session token, and for a session issued
   * before its user's sessions ended ("session ended").
   */
  verify(token: string): Promise<Session>;
}

/** The work's result as a promise, a throw as a rejection: the HMAC is synchronous, the API stays a promise. */
export const settle = <T>(work: () => T): Promise<T> => new Promise<T>((resolve) => resolve(work()));

export function createTokenService({
  secret,
  ttlSeconds,
  clock = Date,
  endedSessions,
}: TokenServiceOptions): TokenService {
  const key = hmacKey(secret);
  const known = createKnownTokens<Session>({ size: VERIFIED_CACHE_SIZE, clock });
  return {
    ttlSeconds,
    key,
    sign: (user) =>
      settle(() => {
        const nowMs = clock.now();
        const now = Math.floor(nowMs / 1000);
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
          // In ms precision (a NumericDate may have a fraction): a session signed in the same second as the
          // user's sessions ended, just before or just after, is told apart.
          iat: nowMs / 1000,
          exp,
          jti: randomUUID(),
        });
        const expiresAt = new Date(exp * 1000);
        known.remember(token, { ...user, issuedAt: new Date(nowMs), expiresAt });
        return { token, expiresAt };
      }),
    verify: (token) =>
      settle(() => {
        // A token this process signed or verified before is not verified again until it expires.
        const session = known.get(token) ?? verifyAnew(token);
        known.remember(token, session);
        // After the cache: a remembered token is refused too once its user's sessions have ended.
        const validAfter = endedSessions?.validAfter(session.userId);
        if (validAfter !== undefined && session.issuedAt.getTime() < validAfter)
          throw new HttpProblem('unauthorized', 'session ended; sign in again');
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
      issuedAt: new Date(Math.round(c.iat * 1000)),
      expiresAt: new Date(c.exp * 1000),
    };
  }
}
