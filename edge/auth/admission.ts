/**
 * Admission tokens: HS256 JWTs with `sub` (the shopper), `drop`, `typ: "admission"` and `exp` (the end of the
 * admission window). They carry no issue time or id, so signing the same admission twice gives the same token:
 * the controller's `admitted` event and `GET …/queue/me` hand out one token without storing it. A token this
 * process signed or verified is remembered until it expires, so its signature is not checked again here.
 */
import type { webcrypto } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { HttpProblem } from '../problems.js';
import { createKnownTokens } from './known-tokens.js';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from './tokens.js';

/** Admissions remembered after signing or verification (oldest dropped first). */
const KNOWN_SIZE = 50_000;

export interface Admission {
  shopperId: string;
  dropId: string;
  expiresAt: Date;
}

const claims = z.object({
  sub: z.string().min(1),
  drop: z.uuid(),
  typ: z.literal('admission'),
  exp: z.number(),
});

export function createAdmissionTokens({
  key,
  clock = Date,
}: {
  key: Uint8Array | webcrypto.CryptoKey | Promise<webcrypto.CryptoKey>;
  clock?: Pick<DateConstructor, 'now'>;
}) {
  const known = createKnownTokens<Admission>({ size: KNOWN_SIZE, clock });
  return {
    async sign(admission: Admission): Promise<string> {
      const token = await new SignJWT({ drop: admission.dropId, typ: 'admission' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(admission.shopperId)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setExpirationTime(Math.floor(admission.expiresAt.getTime() / 1000))
        .sign(await key);
      // What a verification would give back: the expiry a JWT keeps, in whole seconds.
      const expiresAt = new Date(Math.floor(admission.expiresAt.getTime() / 1000) * 1000);
      known.remember(token, { shopperId: admission.shopperId, dropId: admission.dropId, expiresAt });
      return token;
    },
    /**
     * The admission, if `token` is a valid, unexpired admission of `shopperId` to `dropId`; otherwise 403
     * `not_admitted` (missing, expired, forged, or another shopper's or drop's token).
     */
    async verify(token: string | undefined, shopperId: string, dropId: string): Promise<Admission> {
      const refuse = (detail: string, cause?: unknown) =>
        new HttpProblem('not_admitted', detail, {}, { cause });
      if (!token) throw refuse('no admission token: wait for your turn in the queue');
      const admission = known.get(token) ?? (await verifyAnew(token, refuse));
      if (admission.shopperId !== shopperId || admission.dropId !== dropId)
        throw refuse('this admission is not yours for this drop');
      known.remember(token, admission);
      return admission;
    },
  };

  async function verifyAnew(
    token: string,
    refuse: (detail: string, cause?: unknown) => HttpProblem,
  ): Promise<Admission> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, await key, {
        algorithms: ['HS256'],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        currentDate: new Date(clock.now()),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw refuse('the admission token is not valid or has expired', error);
    }
    const parsed = claims.safeParse(payload);
    if (!parsed.success) throw refuse('not an admission token');
    return {
      shopperId: parsed.data.sub,
      dropId: parsed.data.drop,
      expiresAt: new Date(parsed.data.exp * 1000),
    };
  }
}

export type AdmissionTokens = ReturnType<typeof createAdmissionTokens>;
