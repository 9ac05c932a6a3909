/**
 * The webhook routes: a brand sets, reads (secret masked), rotates and removes its endpoint; only the brand's users
 * may (operators and shoppers are refused); bad URLs are refused with 400 and change nothing; the production rules
 * (WEBHOOK_ALLOW_HTTP off) refuse plain http and internal addresses; deliveries are listed newest first, paged, and
 * one brand cannot see or send again another's.
 */
import { describe, expect } from 'vitest';
import {
  apiClient,
  createDropline,
  expectInvalid,
  expectProblem,
  silentLog,
  test,
  testConfig,
  type Api,
  type Dropline,
} from '../../infra/testing/index.js';

const URL_OK = 'https://hooks.example.com/dropline';

async function brand(api: Api, name = 'Hook Brand') {
  const operator = await api.operator();
  return { operator, brand: await api.brand(operator.token, name) };
}

async function insertDeliveries(dropline: Dropline, brandId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const [row] = await dropline.sql<{ id: string }[]>`
      INSERT INTO webhook_deliveries (id, brand_id, event_id, type, payload, status, created_at)
      VALUES (gen_random_uuid(), ${brandId}, ${`event-${i}`}, 'drop.opened', ${dropline.sql.json({ n: i })},
              'failed', ${new Date(Date.UTC(2030, 0, 1, 0, 0, i))})
      RETURNING id`;
    ids.push(row!.id);
  }
  return ids;
}

describe('webhook endpoint', () => {
  test('set, read masked, changed with the same secret, rotated, removed', async ({ api }) => {
    const { brand: b } = await brand(api);
    const token = b.token;
    expectProblem(await api.get('/api/webhook', { token }), 404, 'not_found');

    const first = await api.put('/api/webhook', { token, body: { url: URL_OK } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ url: URL_OK, secretShown: true });
    const secret = first.body.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const read = await api.get('/api/webhook', { token });
    expect(read.body).toMatchObject({
      url: URL_OK,
      secret: `whsec_…${secret.slice(-4)}`,
      secretShown: false,
    });
    expect(JSON.stringify(read.body)).not.toContain(secret);

    // A new URL keeps the secret (shown masked).
    const moved = await api.put('/api/webhook', { token, body: { url: 'https://hooks.example.com/v2' } });
    expect(moved.body).toMatchObject({
      url: 'https://hooks.example.com/v2',
      secret: `whsec_…${secret.slice(-4)}`,
      secretShown: false,
    });

    const rotated = await api.put('/api/webhook', { token, body: { url: URL_OK, rotate: true } });
    expect(rotated.body.secretShown).toBe(true);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);
    expect((await api.get('/api/webhook', { token })).body.secret).toBe(
      `whsec_…${(rotated.body.secret as string).slice(-4)}`,
    );

    expect((await api.delete('/api/webhook', { token })).status).toBe(204);
    expectProblem(await api.get('/api/webhook', { token }), 404, 'not_found');
    expectProblem(await api.delete('/api/webhook', { token }), 404, 'not_found');
  });

  test('only a brand’s users: anonymous 401, shopper and operator 403', async ({ api }) => {
    const { operator } = await brand(api);
    const shopper = await api.shopper();
    const id = '00000000-0000-4000-8000-000000000000';
    const calls = [
      (token?: string) => api.get('/api/webhook', { token }),
      (token?: string) => api.put('/api/webhook', { token, body: { url: URL_OK } }),
      (token?: string) => api.delete('/api/webhook', { token }),
      (token?: string) => api.get('/api/webhook/deliveries', { token }),
      (token?: string) => api.post(`/api/webhook/deliveries/${id}/retry`, { token }),
    ];
    for (const call of calls) {
      expectProblem(await call(undefined), 401, 'unauthorized');
      expectProblem(await call(shopper.token), 403, 'forbidden');
      expectProblem(await call(operator.token), 403, 'forbidden');
    }
  });

  test('bad URLs and bodies are refused with 400 and change nothing', async ({ api }) => {
    const { brand: b } = await brand(api);
    const token = b.token;
    const put = (body: unknown) => api.put('/api/webhook', { token, body });
    expect((await put({ url: URL_OK })).status).toBe(200);
    const before = (await api.get('/api/webhook', { token })).body;

    for (const url of [
      'not a url',
      '/relative/path',
      'javascript:alert(1)',
      'ftp://files.example.com/hook',
      'file:///etc/passwd',
      'data:text/plain,hi',
      `https://hooks.example.com/${'a'.repeat(2049)}`,
      'http://hooks.example.com/plain-http',
      'http://10.0.0.1/not-loopback',
      'https://user:pass@hooks.example.com/creds',
      'https://hooks.example.com/x#fragment',
      '',
    ])
      expectInvalid(await put({ url }), 'url');
    expectInvalid(await put({}), 'url');
    expectInvalid(await put({ url: 42 }), 'url');
    expectInvalid(await put({ url: URL_OK, rotate: 'yes' }), 'rotate');
    expectInvalid(await put({ url: URL_OK, secret: 'mine' }), 'secret');
    expect((await api.get('/api/webhook', { token })).body).toEqual(before);
  });

  test('with the production rules (WEBHOOK_ALLOW_HTTP off): https to public hosts only', async ({
    api,
    config,
    prefix,
  }) => {
    const { brand: b } = await brand(api);
    const strictConfig = testConfig({
      databaseUrl: config.databaseUrl,
      redisPrefix: prefix,
      EVENTS_STREAM: config.events.stream,
      EVENTS_SUBJECT_PREFIX: config.events.subjectPrefix,
      WEBHOOK_ALLOW_HTTP: 'off',
    });
    const strict = await createDropline({
      config: strictConfig,
      log: silentLog,
      roles: { edge: true, workers: false },
    });
    try {
      const strictApi = apiClient(strict.app!, strictConfig);
      const put = (url: string) => strictApi.put('/api/webhook', { token: b.token, body: { url } });
      for (const url of [
        'http://127.0.0.1:8080/hook',
        'http://localhost/hook',
        'https://localhost/hook',
        'https://127.0.0.1/hook',
        'https://10.1.2.3/hook',
        'https://172.16.0.9/hook',
        'https://192.168.1.1/hook',
        'https://169.254.169.254/latest/meta-data',
        'https://100.64.0.1/hook',
        'https://0.0.0.0/hook',
        'https://[::1]/hook',
        'https://[fd00::1]/hook',
        'https://[fe80::1]/hook',
        'https://[::ffff:10.0.0.1]/hook',
        'https://metadata/hook',
        'https://printer.local/hook',
        'https://service.internal/hook',
      ])
        expectInvalid(await put(url), 'url');
      expectProblem(await strictApi.get('/api/webhook', { token: b.token }), 404, 'not_found');
      expect((await put('https://hooks.example.com/ok')).status).toBe(200);
      expect((await put('https://93.184.215.14/ok')).status).toBe(200);
    } finally {
      await strict.close();
    }
  });
});

describe('webhook deliveries', () => {
  test('listed newest first and paged; another brand’s are neither listed nor sent again', async ({
    api,
    dropline,
  }) => {
    const { operator, brand: b } = await brand(api);
    const other = await api.brand(operator.token, 'Other Brand');
    const ids = await insertDeliveries(dropline, b.user.brandId!, 5);
    const [theirs] = await insertDeliveries(dropline, other.user.brandId!, 1);

    const first = await api.get('/api/webhook/deliveries?limit=2', { token: b.token });
    expect(first.status).toBe(200);
    expect(first.body.deliveries.map((d: { id: string }) => d.id)).toEqual([ids[4], ids[3]]);
    expect(first.body.deliveries[0]).toEqual({
      id: ids[4],
      eventId: 'event-4',
      type: 'drop.opened',
      status: 'failed',
      attempts: 0,
      lastStatus: null,
      lastError: null,
      createdAt: '2030-01-01T00:00:04.000Z',
      deliveredAt: null,
      nextAttemptAt: null,
    });
    const second = await api.get(`/api/webhook/deliveries?limit=2&cursor=${first.body.nextCursor}`, {
      token: b.token,
    });
    const third = await api.get(`/api/webhook/deliveries?limit=2&cursor=${second.body.nextCursor}`, {
      token: b.token,
    });
    expect(second.body.deliveries.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);
    expect(third.body).toMatchObject({ deliveries: [{ id: ids[0] }], nextCursor: null });

    const otherList = await api.get('/api/webhook/deliveries', { token: other.token });
    expect(otherList.body.deliveries.map((d: { id: string }) => d.id)).toEqual([theirs]);
    expectProblem(
      await api.post(`/api/webhook/deliveries/${theirs}/retry`, { token: b.token }),
      404,
      'not_found',
    );
    expectProblem(
      await api.post('/api/webhook/deliveries/not-an-id/retry', { token: b.token }),
      404,
      'not_found',
    );
    const [row] = await dropline.sql<{ status: string }[]>`
      SELECT status FROM webhook_deliveries WHERE id = ${theirs!}`;
    expect(row?.status).toBe('failed');

    expectInvalid(await api.get('/api/webhook/deliveries?cursor=garbage', { token: b.token }), 'cursor');
    expectInvalid(await api.get('/api/webhook/deliveries?limit=0', { token: b.token }), 'limit');
    expectInvalid(await api.get('/api/webhook/deliveries?status=failed', { token: b.token }), 'status');
  });
});
