import { describe, expect } from 'vitest';
import {
  apiClient,
  createDropline,
  expectProblem,
  silentLog,
  test,
  testConfig,
} from '../../infra/testing/index.js';
import { PROOF_HEADER, solveChallenge } from '../proof-of-work.js';

describe('proof of work for guest sessions', () => {
  test('with GUEST_CHALLENGE_BITS, a guest needs a solved, unused challenge', async ({
    databaseUrl,
    prefix,
  }) => {
    const config = testConfig({ databaseUrl, redisPrefix: prefix, GUEST_CHALLENGE_BITS: '6' });
    const dropline = await createDropline({ config, log: silentLog, roles: { edge: true, workers: false } });
    try {
      const api = apiClient(dropline.app!, config);
      const guest = (proof?: string) =>
        api.post('/api/auth/guest', { headers: proof ? { [PROOF_HEADER]: proof } : {} });
      const refused = await guest();
      expectProblem(refused, 403, 'challenge_failed');
      expect(refused.headers.get('set-cookie')).toBeNull();
      expectProblem(await guest(`${'B'.repeat(22)}.7`), 403, 'challenge_failed');

      const issued = await api.post('/api/auth/guest/challenge');
      expect(issued.status).toBe(201);
      expect(issued.body).toMatchObject({ bits: 6, challenge: expect.stringMatching(/^[\w-]{22}$/) });
      const proof = `${issued.body.challenge}.${solveChallenge(issued.body.challenge, 6)}`;
      const created = await guest(proof);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.user.guest).toBe(true);
      expectProblem(await guest(proof), 403, 'challenge_failed');
    } finally {
      await dropline.close();
    }
  });

  test('by default (0 bits) a guest needs nothing', async ({ api }) => {
    expect((await api.post('/api/auth/guest')).status).toBe(201);
    expect((await api.post('/api/auth/guest/challenge')).body.bits).toBe(0);
  });
});
