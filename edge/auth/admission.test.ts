import { randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, test } from 'vitest';
import { HttpProblem } from '../problems.js';
import { createAdmissionTokens } from './admission.js';
import { createTokenService, TOKEN_AUDIENCE, TOKEN_ISSUER } from './tokens.js';

const SECRET = 'a test secret that is certainly long enough';
const key = new TextEncoder().encode(SECRET);
/** A whole second, as a JWT's `exp` keeps it: what `verify` gives back is exactly this. */
const T = Date.UTC(2031, 0, 15, 12, 0, 0);

/** A clock the test sets; the tokens read it on every verify. */
function fixedClock(now: number) {
  return {
    at: now,
    now() {
      return this.at;
    },
  };
}

/** The refusal `promise` ends with; fails when it resolves. */
async function refusal(promise: Promise<unknown>): Promise<HttpProblem> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpProblem);
    return error as HttpProblem;
  }
  throw new Error('expected the admission to be refused');
}

async function expectNotAdmitted(promise: Promise<unknown>) {
  const problem = await refusal(promise);
  expect(problem.code).toBe('not_admitted');
}

function setup() {
  const clock = fixedClock(T - 60_000);
  const tokens = createAdmissionTokens({ key, clock });
  const admission = { shopperId: randomUUID(), dropId: randomUUID(), expiresAt: new Date(T) };
  return { clock, tokens, admission };
}

describe('admission tokens', () => {
  test('a signed admission verifies for its shopper and drop and gives the admission back', async () => {
    const { tokens, admission } = setup();
    const token = await tokens.sign(admission);
    expect(token.split('.')).toHaveLength(3);
    expect(await tokens.verify(token, admission.shopperId, admission.dropId)).toEqual(admission);

    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({
      sub: admission.shopperId,
      drop: admission.dropId,
      typ: 'admission',
      exp: T / 1000,
    });
  });

  test('the same admission signed twice is the same token; another admission is another token', async () => {
    const { tokens, admission } = setup();
    const first = await tokens.sign(admission);
    expect(await tokens.sign({ ...admission, expiresAt: new Date(T) })).toBe(first);
    // A fresh service with the same key signs it the same way too: nothing is drawn at random or from the clock.
    expect(await createAdmissionTokens({ key }).sign(admission)).toBe(first);
    expect(await tokens.sign({ ...admission, expiresAt: new Date(T + 1000) })).not.toBe(first);
    expect(await tokens.sign({ ...admission, shopperId: randomUUID() })).not.toBe(first);
  });

  test('a token is accepted until its expiry and refused from then on', async () => {
    const { clock, tokens, admission } = setup();
    const token = await tokens.sign(admission);
    clock.at = T - 1000;
    expect(await tokens.verify(token, admission.shopperId, admission.dropId)).toEqual(admission);
    clock.at = T;
    await expectNotAdmitted(tokens.verify(token, admission.shopperId, admission.dropId));
    clock.at = T + 60_000;
    await expectNotAdmitted(tokens.verify(token, admission.shopperId, admission.dropId));
  });

  test('a token signed with another key, tampered with or unsigned is refused', async () => {
    const { tokens, admission } = setup();
    const otherKey = new TextEncoder().encode('another secret, also long enough!!');
    const forged = await createAdmissionTokens({ key: otherKey }).sign(admission);
    await expectNotAdmitted(tokens.verify(forged, admission.shopperId, admission.dropId));

    const genuine = await tokens.sign(admission);
    const [header, payload, signature] = genuine.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const stolen = randomUUID();
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: stolen })).toString('base64url')}.${signature}`;
    await expectNotAdmitted(tokens.verify(tampered, stolen, admission.dropId));

    const unsigned = new UnsecuredJWT({ drop: admission.dropId, typ: 'admission' })
      .setSubject(admission.shopperId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setExpirationTime(T / 1000)
      .encode();
    await expectNotAdmitted(tokens.verify(unsigned, admission.shopperId, admission.dropId));
    await expectNotAdmitted(tokens.verify('not.a.jwt', admission.shopperId, admission.dropId));
  });

  test('a session token, even of the same shopper and signed with the same key, is no admission', async () => {
    const { tokens, admission } = setup();
    const sessions = createTokenService({ secret: SECRET, ttlSeconds: 3600 });
    const { token: session } = await sessions.sign({
      userId: admission.shopperId,
      role: 'shopper',
      email: null,
      brandId: null,
      guest: true,
    });
    await expectNotAdmitted(tokens.verify(session, admission.shopperId, admission.dropId));

    // Nor a session-typed token that names the drop.
    const sessionWithDrop = await new SignJWT({ typ: 'session', drop: admission.dropId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(admission.shopperId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setExpirationTime(T / 1000)
      .sign(key);
    await expectNotAdmitted(tokens.verify(sessionWithDrop, admission.shopperId, admission.dropId));
  });

  test('another shopper’s or another drop’s admission is refused', async () => {
    const { tokens, admission } = setup();
    const token = await tokens.sign(admission);
    await expectNotAdmitted(tokens.verify(token, randomUUID(), admission.dropId));
    await expectNotAdmitted(tokens.verify(token, admission.shopperId, randomUUID()));
    await expectNotAdmitted(tokens.verify(token, admission.dropId, admission.shopperId));
  });

  test('a missing token is refused', async () => {
    const { tokens, admission } = setup();
    await expectNotAdmitted(tokens.verify(undefined, admission.shopperId, admission.dropId));
    await expectNotAdmitted(tokens.verify('', admission.shopperId, admission.dropId));
  });
});
