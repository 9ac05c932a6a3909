/**
 * HS256 JWTs signed and checked synchronously with node:crypto's HMAC. WebCrypto (what jose signs with) runs every
 * HMAC in libuv's thread pool, where it queues behind password hashing and file reads: with four scrypt calls in the
 * pool, a 0.15 ms verification took 120 ms to 600 ms. A synchronous HMAC of a few hundred bytes takes microseconds
 * and waits for nothing. jose still decodes the header and the claims.
 *
 * Verification is strict: exactly three base64url parts, a header of `alg: "HS256"` and nothing critical, the
 * signature compared in constant time with the one this key gives (so `alg: none`, other algorithms and re-encoded
 * signatures all fail), then issuer, audience, `exp` (and `nbf`, `iat` when present) against the clock.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';

export type HmacSecret = string | Uint8Array | KeyObject;

/** The secret as a KeyObject, made once. */
export function hmacKey(secret: HmacSecret): KeyObject {
  if (typeof secret === 'string') return createSecretKey(Buffer.from(secret, 'utf8'));
  return secret instanceof Uint8Array ? createSecretKey(secret) : secret;
}

/** Why a token was refused: `expired` for a valid token past its `exp`, `invalid` for anything else. */
export class TokenRefusedError extends Error {
  override name = 'TokenRefusedError';
  constructor(
    readonly reason: 'invalid' | 'expired',
    message: string,
  ) {
    super(message);
  }
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const mac = (key: KeyObject, signingInput: string) =>
  createHmac('sha256', key).update(signingInput).digest('base64url');

/** Signs `claims` (serialised in their order, so equal claims give equal tokens). */
export function signHs256(key: KeyObject, claims: Record<string, unknown>): string {
  const signingInput = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${signingInput}.${mac(key, signingInput)}`;
}

export interface VerifyOptions {
  issuer: string;
  audience: string;
  /** Seconds since the epoch. */
  nowSeconds: number;
  /** Claims that must be present besides `exp`. */
  required?: string[];
}

/** The claims of a genuine, current token; throws TokenRefusedError otherwise. */
export function verifyHs256(key: KeyObject, token: string, options: VerifyOptions): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p)))
    throw new TokenRefusedError('invalid', 'not a signed JWT');
  const [header, payload, signature] = parts as [string, string, string];
  const expected = Buffer.from(mac(key, `${header}.${payload}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new TokenRefusedError('invalid', 'signature verification failed');
  let claims: Record<string, unknown>;
  try {
    const protectedHeader = decodeProtectedHeader(token);
    if (
      protectedHeader.alg !== 'HS256' ||
      protectedHeader.crit !== undefined ||
      protectedHeader.b64 === false
    )
      throw new TokenRefusedError('invalid', 'unexpected JWT header');
    claims = decodeJwt(token);
  } catch (error) {
    if (error instanceof TokenRefusedError) throw error;
    throw new TokenRefusedError('invalid', 'malformed JWT');
  }
  checkClaims(claims, options);
  return claims;
}

function checkClaims(claims: Record<string, unknown>, options: VerifyOptions): void {
  const refuse = (message: string) => {
    throw new TokenRefusedError('invalid', message);
  };
  for (const name of ['exp', ...(options.required ?? [])])
    if (claims[name] === undefined) refuse(`missing "${name}" claim`);
  if (claims.iss !== options.issuer) refuse('unexpected "iss" claim');
  const aud = claims.aud;
  if (!(aud === options.audience || (Array.isArray(aud) && aud.includes(options.audience))))
    refuse('unexpected "aud" claim');
  for (const name of ['exp', 'nbf', 'iat'])
    if (claims[name] !== undefined && !Number.isFinite(claims[name])) refuse(`"${name}" is not a number`);
  if (typeof claims.nbf === 'number' && claims.nbf > options.nowSeconds) refuse('not valid yet');
  if ((claims.exp as number) <= options.nowSeconds) throw new TokenRefusedError('expired', 'expired');
}
