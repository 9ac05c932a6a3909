/**
 * Admission tokens: HS256 JWTs with `sub` (the shopper), `drop`, `typ: "admission"` and `exp` (the end of the
 * admission window). They carry no issue time or id, so signing the same admission twice gives the same token:
 * the controller's `admitted` event and `GET …/queue/me` hand out one token without storing it. A token this
 * process signed or verified is remembered until it expires, so its signature is not checked again here.
 */
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { WaitingRoom } from '../../queue/index.js';
import { HttpProblem } from '../problems.js';
import { hmacKey, signHs256, verifyHs256 } from './hs256.js';
import { createKnownTokens } from './known-tokens.js';
import { settle, TOKEN_AUDIENCE, TOKEN_ISSUER } from './tokens.js';

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

/** Queue statuses that mean the shopper left after this admission (and may have joined again at the back). */
const LEFT = new Set(['left', 'prequeue', 'waiting']);

export function createAdmissionTokens({
  key: secret,
  clock = Date,
  waitingRoom,
}: {
  key: Uint8Array | KeyObject;
  clock?: Pick<DateConstructor, 'now'>;
  /**
   * When given, an admission whose shopper has left the queue since (status left, or waiting again after joining
   * anew) is refused: leaving ends the admission. One HMGET per verification, the token's signature aside.
   */
  waitingRoom?: Pick<WaitingRoom, 'places'>;
}) {
  const key = hmacKey(secret);
  const known = createKnownTokens<Admission>({ size: KNOWN_SIZE, clock });
  return {
    sign: (admission: Admission): Promise<string> =>
      settle(() => {
        const exp = Math.floor(admission.expiresAt.getTime() / 1000);
        const token = signHs256(key, {
          drop: admission.dropId,
          typ: 'admission',
          sub: admission.shopperId,
          iss: TOKEN_ISSUER,
          aud: TOKEN_AUDIENCE,
          exp,
        });
        // What a verification would give back: the expiry a JWT keeps, in whole seconds.
        const expiresAt = new Date(exp * 1000);
        known.remember(token, { shopperId: admission.shopperId, dropId: admission.dropId, expiresAt });
        return token;
      }),
    /**
     * The admission, if `token` is a valid, unexpired admission of `shopperId` to `dropId`; otherwise 403
     * `not_admitted` (missing, expired, forged, or another shopper's or drop's token).
     */
    async verify(token: string | undefined, shopperId: string, dropId: string): Promise<Admission> {
      const refuse = (detail: string, cause?: unknown) =>
        new HttpProblem('not_admitted', detail, {}, { cause });
      if (!token) throw refuse('no admission token: wait for your turn in the queue');
      const admission = known.get(token) ?? verifyAnew(token, refuse);
      if (admission.shopperId !== shopperId || admission.dropId !== dropId)
        throw refuse('this admission is not yours for this drop');
      known.remember(token, admission);
      if (waitingRoom) {
        const place = (await waitingRoom.places(dropId, [shopperId])).get(shopperId);
        if (place && LEFT.has(place.status))
          throw refuse('you left the queue, which ended this admission: join again');
      }
      return admission;
    },
  };

  function verifyAnew(token: string, refuse: (detail: string, cause?: unknown) => HttpProblem): Admission {
    let payload: unknown;
    try {
      payload = verifyHs256(key, token, {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        nowSeconds: Math.floor(clock.now() / 1000),
        required: ['sub'],
      });
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
