import { describe, expect, vi } from 'vitest';
import {
  type Api,
  apiClient,
  connectSocket,
  createDropline,
  expectProblem,
  silentLog,
  test,
  testConfig,
} from '../../infra/testing/index.js';
import { createQueueKeys } from '../../queue/index.js';
import { PROOF_HEADER, solveChallenge, solvedBits } from '../proof-of-work.js';

/** An open drop whose operator asks joiners for `bits` zero bits, and helpers for its waiting room. */
async function challengedDrop(api: Api, bits: number) {
  const { operator, drop } = await api.openDrop({ admissionPerMinute: 1 });
  const path = `/api/drops/${drop.id}`;
  const set = await api.put(`/api/admin/drops/${drop.id}/admission`, {
    token: operator.token,
    body: { challengeBits: bits },
  });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
  expect(set.body.challengeBits).toBe(bits);
  return {
    operator,
    drop,
    challenge: (token: string) => api.post(`${path}/queue/challenge`, { token }),
    join: (token: string, proof?: string) =>
      api.post(`${path}/queue`, { token, headers: proof ? { [PROOF_HEADER]: proof } : {} }),
    leave: (token: string) => api.delete(`${path}/queue/me`, { token }),
    queueLength: async () =>
      (await api.get(`/api/admin/drops/${drop.id}/metrics`, { token: operator.token })).body.queueLength,
  };
}

/** Asks for a challenge and solves it in Node, as the page's worker does. */
async function solved(d: Awaited<ReturnType<typeof challengedDrop>>, token: string) {
  const issued = await d.challenge(token);
  expect(issued.status, JSON.stringify(issued.body)).toBe(201);
  const { challenge, bits } = issued.body as { challenge: string; bits: number };
  return `${challenge}.${solveChallenge(challenge, bits)}`;
}

describe('proof of work for joining', () => {
  test('a join without a solution, or with a malformed one, is refused and changes nothing', async ({
    api,
  }) => {
    const d = await challengedDrop(api, 8);
    const shopper = await api.shopper();
    expectProblem(await d.join(shopper.token), 403, 'challenge_failed');
    expectProblem(await d.join(shopper.token, 'not-a-solution'), 400, 'validation_failed');
    const fake = `${'A'.repeat(22)}.1`;
    expectProblem(await d.join(shopper.token, fake), 403, 'challenge_failed');
    expect(await d.queueLength()).toBe(0);
    expect((await api.get(`/api/drops/${d.drop.id}/queue/me`, { token: shopper.token })).body.status).toBe(
      'none',
    );
  });

  test('a solved challenge is accepted once; reused, or another shopper’s, it is refused', async ({
    api,
  }) => {
    const d = await challengedDrop(api, 8);
    const [a, b] = [await api.shopper(), await api.shopper()];
    const proof = await solved(d, a.token);
    const [challenge, nonce] = proof.split('.') as [string, string];
    expect(solvedBits(challenge, nonce)).toBeGreaterThanOrEqual(8);
    expectProblem(await d.join(b.token, proof), 403, 'challenge_failed');
    // The attempt by b consumed it: a cannot use it either.
    expectProblem(await d.join(a.token, proof), 403, 'challenge_failed');

    const second = await solved(d, a.token);
    const joined = await d.join(a.token, second);
    expect(joined.status, JSON.stringify(joined.body)).toBe(201);
    expect((await d.join(a.token)).status).toBe(200); // already in: no proof needed, none consumed
    expect((await d.leave(a.token)).status).toBe(204);
    expectProblem(await d.join(a.token, second), 403, 'challenge_failed');
    expect(await d.queueLength()).toBe(0);
  });

  test('a solution with too few zero bits is refused, and consumes its challenge', async ({ api }) => {
    const d = await challengedDrop(api, 8);
    const shopper = await api.shopper();
    const issued = (await d.challenge(shopper.token)).body as { challenge: string };
    let weak = 0;
    while (solvedBits(issued.challenge, String(weak)) >= 8) weak += 1;
    expectProblem(await d.join(shopper.token, `${issued.challenge}.${weak}`), 403, 'challenge_failed');
    const good = solveChallenge(issued.challenge, 8);
    expectProblem(await d.join(shopper.token, `${issued.challenge}.${good}`), 403, 'challenge_failed');
    expect(await d.queueLength()).toBe(0);
  });

  test('difficulty 0 (the default) asks for nothing; a challenge then says bits 0', async ({ api }) => {
    const { drop } = await api.openDrop();
    const shopper = await api.shopper();
    const issued = await api.post(`/api/drops/${drop.id}/queue/challenge`, { token: shopper.token });
    expect(issued.body).toMatchObject({ bits: 0, challenge: expect.stringMatching(/^[\w-]{22}$/) });
    expect((await api.post(`/api/drops/${drop.id}/queue`, { token: shopper.token })).status).toBe(201);
  });

  test('only an operator sets the difficulty; bounds are checked', async ({ api }) => {
    const { drop, brand, operator } = await api.openDrop();
    const path = `/api/admin/drops/${drop.id}/admission`;
    expectProblem(await api.put(path, { token: brand.token, body: { challengeBits: 12 } }), 403, 'forbidden');
    const shopper = await api.shopper();
    expectProblem(
      await api.put(path, { token: shopper.token, body: { challengeBits: 12 } }),
      403,
      'forbidden',
    );
    expectProblem(
      await api.put(path, { token: operator.token, body: { challengeBits: 40 } }),
      400,
      'validation_failed',
    );
    expect((await api.get(path, { token: operator.token })).body.challengeBits).toBe(0);
  });
});

describe('proof of work for joining over the socket', () => {
  test('`join` takes the solution as `proof`; without one it is refused', async ({ api, dropline }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const d = await challengedDrop(api, 8);
    const shopper = await api.shopper();
    const socket = await connectSocket(`http://127.0.0.1:${server.port}`, shopper.token);
    try {
      const dropId = d.drop.id;
      expect(await socket.call('join', { dropId })).toMatchObject({ error: { code: 'challenge_failed' } });
      expect(await socket.call('join', { dropId, proof: 'nope' })).toMatchObject({
        error: { code: 'validation_failed' },
      });
      expect(await d.queueLength()).toBe(0);
      const joined = await socket.call('join', { dropId, proof: await solved(d, shopper.token) });
      expect(joined).toMatchObject({ created: true, status: 'waiting' });
    } finally {
      socket.close();
    }
  });
});

describe('an expired challenge', () => {
  test('is refused', async ({ databaseUrl, prefix }) => {
    const config = testConfig({ databaseUrl, redisPrefix: prefix, CHALLENGE_TTL_SECONDS: '1' });
    const dropline = await createDropline({ config, log: silentLog, roles: { edge: true, workers: true } });
    try {
      const api = apiClient(dropline.app!, config);
      const d = await challengedDrop(api, 4);
      const shopper = await api.shopper();
      const issued = (await d.challenge(shopper.token)).body as { challenge: string };
      const key = createQueueKeys(prefix).challenge(d.drop.id, issued.challenge);
      await vi.waitFor(async () => expect(await dropline.redis.exists(key)).toBe(0), {
        timeout: 5000,
        interval: 100,
      });
      const proof = `${issued.challenge}.${solveChallenge(issued.challenge, 4)}`;
      expectProblem(await d.join(shopper.token, proof), 403, 'challenge_failed');
      expect(await d.queueLength()).toBe(0);
    } finally {
      await dropline.close();
    }
  });
});
