import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { HttpProblem } from '../problems.js';
import { signHs256, hmacKey } from './hs256.js';
import { createTokenService, TOKEN_AUDIENCE, TOKEN_ISSUER } from './tokens.js';

const SECRET = 'a test secret that is certainly long enough';
const T = Date.UTC(2031, 0, 15, 12, 0, 0, 400);

function setup() {
  const clock = { at: T, now: () => clock.at };
  const ended = new Map<string, number>();
  const tokens = createTokenService({
    secret: SECRET,
    ttlSeconds: 3600,
    clock,
    endedSessions: { validAfter: (userId) => ended.get(userId) },
  });
  const user = {
    userId: randomUUID(),
    role: 'brand',
    email: 'b@example.com',
    brandId: randomUUID(),
    guest: false,
  } as const;
  return { clock, ended, tokens, user };
}

async function refusal(promise: Promise<unknown>): Promise<HttpProblem> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpProblem);
    return error as HttpProblem;
  }
  throw new Error('expected the session to be refused');
}

describe('session tokens and ended sessions', () => {
  test('a session carries its issue time to the millisecond', async () => {
    const { tokens, user } = setup();
    const { token } = await tokens.sign(user);
    expect((await tokens.verify(token)).issuedAt.getTime()).toBe(T);
    // Verified anew by another service (no remembered copy): the same time, read from the token.
    const other = createTokenService({ secret: SECRET, ttlSeconds: 3600, clock: { now: () => T } });
    expect((await other.verify(token)).issuedAt.getTime()).toBe(T);
  });

  test('a session issued before its user’s sessions ended is refused, remembered or not; one issued after is not', async () => {
    const { clock, ended, tokens, user } = setup();
    const { token: before } = await tokens.sign(user);
    expect((await tokens.verify(before)).userId).toBe(user.userId);
    // Ended a millisecond later, within the same second.
    ended.set(user.userId, T + 1);
    const problem = await refusal(tokens.verify(before));
    expect(problem.code).toBe('unauthorized');
    expect(problem.message).toMatch(/session ended/);
    clock.at = T + 1;
    const { token: after } = await tokens.sign(user);
    expect((await tokens.verify(after)).userId).toBe(user.userId);
    // Another user's sessions are untouched.
    const { token: someone } = await tokens.sign({ ...user, userId: randomUUID() });
    expect(await tokens.verify(someone)).toBeTruthy();
  });

  test('a session token without an issue time counts as issued at the epoch', async () => {
    const { ended, tokens, user } = setup();
    const exp = Math.floor(T / 1000) + 600;
    const token = signHs256(hmacKey(SECRET), {
      typ: 'session',
      sub: user.userId,
      role: 'shopper',
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
      exp,
    });
    expect((await tokens.verify(token)).issuedAt.getTime()).toBe(0);
    ended.set(user.userId, 1);
    expect((await refusal(tokens.verify(token))).code).toBe('unauthorized');
  });
});
