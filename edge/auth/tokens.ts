/**
 * Session tokens: HS256 JWTs signed and verified with jose, with issuer, audience, expiry and a `typ` claim, so an
 * admission token can never pass for a session. Verification accepts HS256 only (no `alg: none`, no key confusion).
 */
import { randomUUID, webcrypto } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { HttpProblem } from '../problems.js';
import { createKnownTokens } from './known-tokens.js';

export const TOKEN_ISSUER = 'dropline';
export const TOKEN_AUDIENCE = 'dropline';
const ALGORITHM = 'HS256';
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

/** Imports an HS256 secret as a WebCrypto key, once, instead of on every sign and verify. */
export function hmacKey(secret: string | Uint8Array): Promise<webcrypto.CryptoKey> {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return webcrypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

export interface TokenServiceOptions {
  secret: string;
  ttlSeconds: number;
  clock?: Pick<DateConstructor, 'now'>;
}

export interface TokenService {
  ttlSeconds: number;
  /** The HMAC key, imported once: jose with a CryptoKey verifies several times faster than with raw bytes. */
  key: Promise<webcrypto.CryptoKey>;
  sign(user: Omit<Session, 'expiresAt'>): Promise<{ token: string; expiresAt: Date }>;
  /** Throws HttpProblem `unauthorized` for anything but a valid, unexpired session token. */
  verify(token: string): Promise<Session>;
}

export function createTokenService({ secret, ttlSeconds, clock = Date }: TokenServiceOptions): TokenService {
  const key = hmacKey(secret);
  const known = createKnownTokens<Session>({ size: VERIFIED_CACHE_SIZE, clock });
  return {
    ttlSeconds,
    key,
    async sign(user) {
      const now = Math.floor(clock.now() / 1000);
      const exp = now + ttlSeconds;
      const token = await new SignJWT({
        typ: 'session',
        role: user.role,
        email: user.email,
        brandId: user.brandId,
        guest: user.guest,
      })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
        .setSubject(user.userId)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .setJti(randomUUID())
        .sign(await key);
      const expiresAt = new Date(exp * 1000);
      known.remember(token, { ...user, expiresAt });
      return { token, expiresAt };
    },
    async verify(token) {
      // A token this process signed or verified before is not verified again until it expires.
      const session = known.get(token) ?? (await verifyAnew(token));
      known.remember(token, session);
      return session;
    },
  };

  async function verifyAnew(token: string): Promise<Session> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, await key, {
        algorithms: [ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        currentDate: new Date(clock.now()),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      const expired = error instanceof joseErrors.JWTExpired;
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
