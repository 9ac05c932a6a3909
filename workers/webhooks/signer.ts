/**
 * The signature of a delivery, as Stripe signs its webhooks: `Dropline-Signature: v1=<hex>` where hex is
 * HMAC-SHA256 keyed with the endpoint's secret over `<timestamp>.<body>`, and `Dropline-Timestamp` is the unix time
 * in seconds the attempt was signed at. A receiver recomputes it over the raw body, compares in constant time, and
 * refuses a timestamp too far from its own clock (a replayed request).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

/** A new endpoint secret: 32 random bytes, base64url, after a recognisable prefix. */
export const newSecret = () => `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;

/** The secret as a page may show it again: its prefix and last four characters. */
export const maskSecret = (secret: string) => `${SECRET_PREFIX}…${secret.slice(-4)}`;

export function signature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The headers of one attempt. */
export function signedHeaders(
  { secret, type, deliveryId }: { secret: string; type: string; deliveryId: string },
  body: string,
  nowMs: number,
): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'Dropline-Webhooks/1',
    'dropline-timestamp': String(timestamp),
    'dropline-signature': signature(secret, timestamp, body),
    'dropline-event': type,
    'dropline-delivery': deliveryId,
  };
}

/** Checks a signature header the way a receiver should (used by the tests; documented in docs/api.md). */
export function verifySignature(
  secret: string,
  { timestamp, signature: header }: { timestamp: string; signature: string },
  body: string,
): boolean {
  const expected = Buffer.from(signature(secret, Number(timestamp), body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
