/**
 * Sockets that cannot be abused: a cookie handshake from another site, the default namespace, concurrent watches
 * past the limit, a flood of events, and too many connections from one address are all refused.
 */
import { io as connect, type Socket } from 'socket.io-client';
import { describe, expect, onTestFinished, vi } from 'vitest';
import {
  apiClient,
  connectSocket,
  createDropline,
  FOREIGN_ORIGIN,
  silentLog,
  test,
  testConfig,
  type Api,
} from '../../infra/testing/index.js';

const WAIT = { timeout: 15_000, interval: 25 };

/** Opens a raw client on `nsp` and resolves with 'connected' or the `connect_error`'s data (its message if none). */
function attempt(url: string, nsp: string, options: Parameters<typeof connect>[1] = {}) {
  const socket: Socket = connect(`${url}${nsp}`, {
    transports: ['websocket'],
    reconnection: false,
    ...options,
  });
  onTestFinished(() => {
    socket.disconnect();
  });
  const outcome = new Promise<unknown>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error: Error & { data?: unknown }) => resolve(error.data ?? error.message));
  });
  return { socket, outcome };
}

/** `count` scheduled drops of one brand. */
async function drops(api: Api, count: number): Promise<string[]> {
  const { brand, drop } = await api.openDrop({}, { open: false });
  const ids = [drop.id];
  while (ids.length < count) {
    const r = await api.post('/api/drops', {
      token: brand.token,
      body: { title: 'Lamp', sku: 'L-1', priceCents: 100, stock: 1, opensAt: drop.opensAt },
    });
    ids.push(r.body.id as string);
  }
  return ids;
}

describe('socket abuse', () => {
  test('a cookie handshake from another site is refused; from our pages or with a token it connects', async ({
    dropline,
    api,
  }) => {
    const url = `http://127.0.0.1:${(await dropline.listen(0, '127.0.0.1')).port}`;
    const { token } = await api.guest();
    const cookie = `dropline_session=${token}`;
    const foreigns: Record<string, string>[] = [
      { origin: FOREIGN_ORIGIN },
      { origin: FOREIGN_ORIGIN, 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const foreign of foreigns) {
      const refused = attempt(url, '/drops', { extraHeaders: { cookie, ...foreign } });
      expect(await refused.outcome).toEqual({ code: 'cross_site', message: expect.any(String) });
    }
    const own = attempt(url, '/drops', { extraHeaders: { cookie, origin: url } });
    expect(await own.outcome).toBe('connected');
    const sameOrigin = attempt(url, '/drops', { extraHeaders: { cookie, 'sec-fetch-site': 'same-origin' } });
    expect(await sameOrigin.outcome).toBe('connected');
    const withToken = attempt(url, '/drops', { auth: { token }, extraHeaders: { origin: FOREIGN_ORIGIN } });
    expect(await withToken.outcome).toBe('connected');
  });

  test('the default namespace refuses every socket and closes its connection', async ({ dropline, api }) => {
    const url = `http://127.0.0.1:${(await dropline.listen(0, '127.0.0.1')).port}`;
    const { token } = await api.guest();
    const root = attempt(url, '/', { auth: { token } });
    expect(await root.outcome).toEqual({ code: 'not_found', message: expect.any(String) });
    await vi.waitFor(() => expect(dropline.gateway()!.io.engine.clientsCount).toBe(0), WAIT);
    expect(await attempt(url, '/admin', { auth: { token } }).outcome).toBe('Invalid namespace');
  });

  test('the watch limit holds under 25 concurrent watches: 20 accepted, 5 refused', async ({
    dropline,
    api,
  }) => {
    const url = `http://127.0.0.1:${(await dropline.listen(0, '127.0.0.1')).port}`;
    const ids = await drops(api, 25);
    const client = await connectSocket(url, (await api.guest()).token);
    onTestFinished(() => client.close());
    const answers = await Promise.all(ids.map((dropId) => client.call('watch', { dropId })));
    const refused = answers.filter((a) => 'error' in a);
    expect(answers.length - refused.length).toBe(20);
    expect(refused.map((a) => ('error' in a ? a.error.code : ''))).toEqual(Array(5).fill('rate_limited'));
    // Watching again a drop already watched is no new slot.
    expect(await client.call('watch', { dropId: ids[0]! })).not.toHaveProperty('error');
  });

  test('a socket past its event rate is told so and disconnected; others are not', async ({
    dropline,
    api,
  }) => {
    const url = `http://127.0.0.1:${(await dropline.listen(0, '127.0.0.1')).port}`;
    const [dropId] = await drops(api, 1);
    const [flooder, bystander] = await Promise.all([
      connectSocket(url, (await api.guest()).token),
      connectSocket(url, (await api.guest()).token),
    ]);
    onTestFinished(() => [flooder, bystander].forEach((s) => s.close()));
    const gone = new Promise<string>((resolve) => flooder.socket.once('disconnect', resolve));
    for (let i = 0; i < 200; i++) flooder.untyped.emit('watch', { dropId });
    expect(await gone).toBe('io server disconnect');
    expect(flooder.received('error')).toContainEqual({ code: 'rate_limited', message: expect.any(String) });
    expect(await bystander.call('watch', { dropId: dropId! })).toMatchObject({ status: 'none' });
  });

  test('connections per address are capped when rate limits are on, counting X-Forwarded-For behind a proxy', async ({
    databaseUrl,
    prefix,
  }) => {
    for (const trustProxy of ['0', '1']) {
      const config = testConfig({
        databaseUrl,
        redisPrefix: prefix,
        RATE_LIMITS: 'on',
        SOCKET_CONNECTIONS_PER_ADDRESS: '3',
        TRUST_PROXY: trustProxy,
      });
      const dropline = await createDropline({
        config,
        log: silentLog,
        roles: { edge: true, workers: false },
      });
      onTestFinished(() => dropline.close());
      const url = `http://127.0.0.1:${(await dropline.listen(0, '127.0.0.1')).port}`;
      const { token } = await apiClient(dropline.app!, config).guest();
      const from = (address: string) =>
        attempt(url, '/drops', { auth: { token }, extraHeaders: { 'x-forwarded-for': address } });
      const first = [from('203.0.113.1'), from('203.0.113.1'), from('203.0.113.1')];
      expect(await Promise.all(first.map((a) => a.outcome))).toEqual(Array(3).fill('connected'));
      // A fourth from the same address: refused when the header is trusted, or when all come from 127.0.0.1.
      expect(await from('203.0.113.1').outcome).not.toBe('connected');
      // Another client behind the proxy is another address; without a trusted proxy it is the same one.
      const other = await from('203.0.113.2').outcome;
      if (trustProxy === '1') expect(other).toBe('connected');
      else expect(other).not.toBe('connected');
      first[0]!.socket.disconnect();
      await vi.waitFor(async () => expect(await from('203.0.113.1').outcome).toBe('connected'), WAIT);
    }
  });
});
