import { randomUUID } from 'node:crypto';
import { describe, expect, onTestFinished, vi } from 'vitest';
import {
  apiClient,
  connectSocket,
  countOf,
  createDropline,
  expectInvalid,
  expectProblem,
  silentLog,
  test,
  type Api,
  type Config,
} from '../../infra/testing/index.js';

const PASSWORD = 'a good password 1';
const email = (kind: string) => `${kind}-${randomUUID().slice(0, 8)}@example.com`;

/** A new user of `role` created by the operator, and its session. */
async function created(api: Api, operator: string, body: Record<string, unknown>) {
  const address = (body.email as string | undefined) ?? email(String(body.role));
  const r = await api.post('/api/admin/users', {
    token: operator,
    body: { email: address, password: PASSWORD, ...body },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const login = await api.post('/api/auth/login', { body: { email: address, password: PASSWORD } });
  expect(login.status).toBe(200);
  return {
    id: r.body.user.id as string,
    email: address,
    token: login.body.token as string,
    user: r.body.user,
  };
}

/** A second edge (no workers) on the same Redis and PostgreSQL: what one edge ends, every edge refuses. */
async function secondEdge(config: Config): Promise<Api> {
  const other = await createDropline({ config, log: silentLog, roles: { edge: true, workers: false } });
  onTestFinished(() => other.close());
  return apiClient(other.app!, config);
}

const cookie = (token: string) => ({ cookie: `dropline_session=${token}` });

describe('operators manage users', () => {
  test('a brand user joins an existing brand or founds a new one; bad brands are refused and nothing is made', async ({
    api,
    dropline,
  }) => {
    const operator = (await api.operator()).token;
    const founder = await created(api, operator, { role: 'brand', brandName: 'Northwind' });
    const brandId = founder.user.brandId as string;
    const joiner = await created(api, operator, { role: 'brand', brandId });
    expect(joiner.user).toMatchObject({ role: 'brand', brandId, guest: false });
    // The joiner acts for the brand: its drops are the brand's.
    const drop = await api.post('/api/drops', {
      token: joiner.token,
      body: {
        title: 'Joined',
        sku: 'J-1',
        priceCents: 100,
        stock: 1,
        opensAt: new Date(Date.now() + 3600_000).toISOString(),
      },
    });
    expect(drop.status).toBe(201);
    expect(drop.body.brandId).toBe(brandId);

    const users = () => countOf(dropline.sql`SELECT count(*)::int AS count FROM users`);
    const brands = () => countOf(dropline.sql`SELECT count(*)::int AS count FROM brands`);
    const before = [await users(), await brands()];
    const refused = async (body: Record<string, unknown>, field: string) =>
      expectInvalid(
        await api.post('/api/admin/users', {
          token: operator,
          body: { email: email('bad'), password: PASSWORD, ...body },
        }),
        field,
      );
    await refused({ role: 'brand' }, 'brandName');
    await refused({ role: 'brand', brandName: 'Both', brandId }, 'brandId');
    await refused({ role: 'brand', brandId: randomUUID() }, 'brandId');
    await refused({ role: 'brand', brandId: 'not-a-uuid' }, 'brandId');
    await refused({ role: 'shopper', brandId }, 'brandId');
    await refused({ role: 'operator', brandName: 'Nope' }, 'brandName');
    await refused({ role: 'brand', brandId, password: 'short' }, 'password');
    expect([await users(), await brands()]).toEqual(before);
  });

  test('the list: registered users only, searched by any part of the email in any case, by role, paged', async ({
    api,
  }) => {
    const operator = (await api.operator()).token;
    const tag = randomUUID().slice(0, 6);
    const made = [];
    for (const [i, role] of (['shopper', 'brand', 'shopper'] as const).entries())
      made.push(
        await created(api, operator, {
          role,
          email: `Zed.${tag}-${i}@Example.com`,
          ...(role === 'brand' ? { brandName: `Brand ${tag}` } : {}),
        }),
      );
    await api.guest();
    const list = async (query: string) => {
      const r = await api.get(`/api/admin/users?${query}`, { token: operator });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    };
    const all = await list(`q=${tag.toUpperCase()}`);
    expect(all.users.map((u: { email: string }) => u.email)).toEqual(
      made.map((m) => m.email.toLowerCase()).sort(),
    );
    expect(all.users[1]).toEqual({
      id: made[1]!.id,
      email: made[1]!.email.toLowerCase(),
      role: 'brand',
      brand: { id: made[1]!.user.brandId, name: `Brand ${tag}` },
      guest: false,
      disabled: false,
      disabledAt: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    expect(all.users[0].brand).toBeNull();
    expect(all.nextCursor).toBeNull();
    // A wildcard in the search is a character like any other.
    expect((await list(`q=${encodeURIComponent(`%${tag}`)}`)).users).toEqual([]);

    const brandsOnly = await list(`q=${tag}&role=brand`);
    expect(brandsOnly.users.map((u: { id: string }) => u.id)).toEqual([made[1]!.id]);

    const first = await list(`q=${tag}&limit=2`);
    expect(first.users).toHaveLength(2);
    const second = await list(`q=${tag}&limit=2&cursor=${first.nextCursor}`);
    expect([...first.users, ...second.users].map((u: { id: string }) => u.id)).toEqual(
      all.users.map((u: { id: string }) => u.id),
    );
    expect(second.nextCursor).toBeNull();

    // Guests are never listed.
    const everyone = await list('limit=200');
    expect(everyone.users.every((u: { guest: boolean; email: string }) => !u.guest && u.email)).toBe(true);

    const badQueries = [
      'role=guest',
      'limit=0',
      'cursor=nonsense',
      'other=1',
      `q=${'a'.repeat(255)}`,
      'q=a%00b',
      'q=%E2%80%AE',
      // A cursor whose email holds a NUL (JSON "a\u0000b", base64url).
      'cursor=ImFcdTAwMDBiIg',
    ];
    for (const bad of badQueries) {
      expectProblem(await api.get(`/api/admin/users?${bad}`, { token: operator }), 400, 'validation_failed');
    }
  });

  test('only operators: others get 403, anonymous callers 401, and nothing changes', async ({ api }) => {
    const operator = await api.operator();
    const shopper = await api.shopper();
    const brand = await api.brand(operator.token);
    const target = await created(api, operator.token, { role: 'shopper' });
    const calls = [
      ['GET', '/api/admin/users', undefined],
      ['POST', '/api/admin/users', { email: email('x'), password: PASSWORD, role: 'operator' }],
      ['POST', `/api/admin/users/${target.id}/disable`, undefined],
      ['POST', `/api/admin/users/${target.id}/enable`, undefined],
      ['POST', `/api/admin/users/${target.id}/password`, { password: 'another password 2' }],
      ['GET', `/api/admin/users/${target.id}/audit`, undefined],
    ] as const;
    for (const [method, path, body] of calls) {
      for (const token of [shopper.token, brand.token])
        expectProblem(await api.call(method, path, { token, body }), 403, 'forbidden');
      expectProblem(await api.call(method, path, { body }), 401, 'unauthorized');
    }
    expect((await api.get('/api/auth/me', { token: target.token })).status).toBe(200);
    const audit = await api.get(`/api/admin/users/${target.id}/audit`, { token: operator.token });
    expect(audit.body.entries.map((e: { change: { field: string } }) => e.change.field)).toEqual(['created']);
  });

  test('disabling ends the sessions at once on every edge (token, cookie, socket); enabling lets the user sign in again', async ({
    api,
    config,
    dropline,
  }) => {
    const operator = await api.operator();
    const user = await created(api, operator.token, { role: 'shopper' });
    const other = await secondEdge(config);
    // Both edges have seen (and remembered) the token and the cookie before.
    for (const edge of [api, other]) {
      expect((await edge.get('/api/auth/me', { token: user.token })).status).toBe(200);
      expect((await edge.get('/api/auth/me', { headers: cookie(user.token) })).status).toBe(200);
    }
    const server = await dropline.listen(0, '127.0.0.1');
    const socket = await connectSocket(`http://127.0.0.1:${server.port}`, user.token);
    onTestFinished(() => socket.close());
    const disconnected = new Promise<string>((resolve) => socket.socket.once('disconnect', resolve));

    // Bad requests first: nothing is disabled by them.
    expectProblem(
      await api.post(`/api/admin/users/${operator.user.id}/disable`, { token: operator.token }),
      409,
      'conflict',
    );
    expectProblem(
      await api.post(`/api/admin/users/${randomUUID()}/disable`, { token: operator.token }),
      404,
      'not_found',
    );
    expectProblem(
      await api.post('/api/admin/users/nope/disable', { token: operator.token }),
      404,
      'not_found',
    );
    expectInvalid(
      await api.post(`/api/admin/users/${user.id}/disable`, { token: operator.token, body: { now: true } }),
      'now',
    );
    expect((await other.get('/api/auth/me', { token: user.token })).status).toBe(200);

    const disabled = await api.post(`/api/admin/users/${user.id}/disable`, { token: operator.token });
    expect(disabled.status).toBe(200);
    expect(disabled.body.user).toMatchObject({ id: user.id, disabled: true, disabledAt: expect.any(String) });

    // This edge refuses at once; the other as soon as the message reaches it (no request of its own asks Redis).
    const ended = await api.get('/api/auth/me', { token: user.token });
    expectProblem(ended, 401, 'unauthorized');
    expect(ended.body.detail).toMatch(/session ended/);
    expectProblem(await api.get('/api/auth/me', { headers: cookie(user.token) }), 401, 'unauthorized');
    await vi.waitFor(
      async () => expect((await other.get('/api/auth/me', { token: user.token })).status).toBe(401),
      { timeout: 5000 },
    );
    expectProblem(await other.get('/api/auth/me', { headers: cookie(user.token) }), 401, 'unauthorized');
    expect(await disconnected).toBe('io server disconnect');
    // A socket cannot connect with it again.
    await expect(connectSocket(`http://127.0.0.1:${server.port}`, user.token)).rejects.toThrow(
      /session ended/,
    );
    // An edge started later loads the ended sessions from PostgreSQL.
    const third = await secondEdge(config);
    expectProblem(await third.get('/api/auth/me', { token: user.token }), 401, 'unauthorized');

    // No new session either, with the right password; the wrong one is still just wrong.
    const login = await api.post('/api/auth/login', { body: { email: user.email, password: PASSWORD } });
    expectProblem(login, 403, 'account_disabled');
    expect(login.headers.get('set-cookie')).toBeNull();
    expectProblem(
      await api.post('/api/auth/login', { body: { email: user.email, password: 'wrong password 1' } }),
      401,
      'unauthorized',
    );

    // Disabling again changes nothing and records nothing.
    expect((await api.post(`/api/admin/users/${user.id}/disable`, { token: operator.token })).status).toBe(
      200,
    );

    const enabled = await other.post(`/api/admin/users/${user.id}/enable`, { token: operator.token });
    expect(enabled.status).toBe(200);
    expect(enabled.body.user).toMatchObject({ disabled: false, disabledAt: null });
    // The old session stays ended; a new sign-in works, on either edge.
    expectProblem(await api.get('/api/auth/me', { token: user.token }), 401, 'unauthorized');
    const again = await other.post('/api/auth/login', { body: { email: user.email, password: PASSWORD } });
    expect(again.status).toBe(200);
    for (const edge of [api, other, third])
      expect((await edge.get('/api/auth/me', { token: again.body.token })).status).toBe(200);

    const audit = await api.get(`/api/admin/users/${user.id}/audit`, { token: operator.token });
    expect(audit.status).toBe(200);
    expect(audit.body.entries).toEqual([
      {
        at: expect.stringMatching(/Z$/),
        actor: operator.user.id,
        actorEmail: config.operator!.email,
        change: { field: 'disabled', from: true, to: false },
      },
      expect.objectContaining({ change: { field: 'disabled', from: false, to: true } }),
      expect.objectContaining({ change: { field: 'created', from: null, to: expect.any(Object) } }),
    ]);
  });

  test('a new password ends the old sessions; the new password signs in', async ({ api, config }) => {
    const operator = await api.operator();
    const user = await created(api, operator.token, { role: 'brand', brandName: 'Reset Co' });
    const other = await secondEdge(config);
    expect((await other.get('/api/auth/me', { token: user.token })).status).toBe(200);

    // Bad passwords and unknown users change nothing.
    for (const body of [
      { password: 'short' },
      { password: 'x'.repeat(201) },
      {},
      { password: PASSWORD, x: 1 },
    ])
      expectProblem(
        await api.post(`/api/admin/users/${user.id}/password`, { token: operator.token, body }),
        400,
        'validation_failed',
      );
    expectProblem(
      await api.post(`/api/admin/users/${randomUUID()}/password`, {
        token: operator.token,
        body: { password: 'new password 2' },
      }),
      404,
      'not_found',
    );
    expect((await api.get('/api/auth/me', { token: user.token })).status).toBe(200);

    const reset = await api.post(`/api/admin/users/${user.id}/password`, {
      token: operator.token,
      body: { password: 'new password 2' },
    });
    expect(reset.status).toBe(204);
    expectProblem(await api.get('/api/auth/me', { token: user.token }), 401, 'unauthorized');
    await vi.waitFor(
      async () => expect((await other.get('/api/auth/me', { token: user.token })).status).toBe(401),
      { timeout: 5000 },
    );
    expectProblem(
      await api.post('/api/auth/login', { body: { email: user.email, password: PASSWORD } }),
      401,
      'unauthorized',
    );
    // Signed in the same second as the reset, the new session is valid.
    const login = await api.post('/api/auth/login', {
      body: { email: user.email, password: 'new password 2' },
    });
    expect(login.status).toBe(200);
    for (const edge of [api, other])
      expect((await edge.get('/api/auth/me', { token: login.body.token })).status).toBe(200);

    const audit = await api.get(`/api/admin/users/${user.id}/audit?limit=1`, { token: operator.token });
    expect(audit.body.entries).toEqual([
      expect.objectContaining({
        actorEmail: config.operator!.email,
        change: { field: 'password', from: null, to: 'reset' },
      }),
    ]);
    const rest = await api.get(`/api/admin/users/${user.id}/audit?cursor=${audit.body.nextCursor}`, {
      token: operator.token,
    });
    expect(rest.body.entries.map((e: { change: { field: string } }) => e.change.field)).toEqual(['created']);
    expectProblem(
      await api.get(`/api/admin/users/${randomUUID()}/audit`, { token: operator.token }),
      404,
      'not_found',
    );
  });
});
