import { describe, expect } from 'vitest';
import { apiClient, createDropline, silentLog, test, testConfig } from '../../infra/testing/index.js';

describe('guest rate limit', () => {
  test('is off in development and test: many guests from one address all pass', async ({ api }) => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => api.post('/api/auth/guest')));
    expect(answers.every((a) => a.status === 201)).toBe(true);
  });

  test('when on, an address gets GUEST_RATE_LIMIT_PER_MINUTE guests, then 429 with Retry-After', async ({
    databaseUrl,
    prefix,
  }) => {
    const config = testConfig({
      databaseUrl,
      redisPrefix: prefix,
      RATE_LIMITS: 'on',
      GUEST_RATE_LIMIT_PER_MINUTE: '5',
    });
    const dropline = await createDropline({ config, log: silentLog, roles: { edge: true, workers: false } });
    try {
      const api = apiClient(dropline.app!, config);
      const answers = await Promise.all(Array.from({ length: 12 }, () => api.post('/api/auth/guest')));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(7);
      const refused = answers.find((a) => a.status === 429)!;
      expect(refused.body.code).toBe('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Other routes are not limited by it.
      expect((await api.get('/api/drops')).status).toBe(200);
    } finally {
      await dropline.close();
    }
  });
});
