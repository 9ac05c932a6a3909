import { io as connect, type Socket } from 'socket.io-client';
import { describe, expect, onTestFinished, vi } from 'vitest';
import {
  connectSocket,
  spawnDropline,
  test,
  type Api,
  type RecordingSocket,
} from '../../infra/testing/index.js';

const WAIT = { timeout: 15_000, interval: 50 };
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; drop: string };

/** A scheduled drop admitting 60 a minute (tests open it themselves). */
async function scheduledDrop(api: Api, body: Record<string, unknown> = {}) {
  const { operator, brand, drop } = await api.openDrop(
    { title: 'Lamp', admissionPerMinute: 60, ...body },
    { open: false },
  );
  return { op: operator, brand, dropId: drop.id };
}

async function sockets(url: string, tokens: string[]): Promise<RecordingSocket[]> {
  const list = await Promise.all(tokens.map((t) => connectSocket(url, t)));
  onTestFinished(() => list.forEach((s) => s.close()));
  return list;
}

describe('Socket.IO gateway', () => {
  test('the /drops handshake takes a token or the session cookie and refuses anything else', async ({
    dropline,
    api,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${server.port}`;
    const guest = await api.guest();
    const ok = await sockets(url, [guest.token]);
    const viaCookie = await connectSocket(url, undefined, { cookie: `dropline_session=${guest.token}` });
    onTestFinished(() => viaCookie.close());
    expect(viaCookie.socket.connected).toBe(true);

    for (const auth of [undefined, { token: 'forged.token.value' }, { token: 42 }]) {
      const refused = await new Promise<unknown>((resolve) => {
        const s: Socket = connect(`${url}/drops`, {
          transports: ['websocket'],
          reconnection: false,
          ...(auth ? { auth } : {}),
        });
        s.once('connect', () => resolve('connected'));
        s.once('connect_error', (error: Error & { data?: unknown }) => resolve(error.data));
        onTestFinished(() => {
          s.disconnect();
        });
      });
      expect(refused).toEqual({ code: 'unauthorized', message: expect.any(String) });
    }
    expect(ok[0]!.socket.connected).toBe(true);
  });

  test('watchers see their place, live queue pushes, their own admission, and status changes', async ({
    dropline,
    api,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${server.port}`;
    const { op, brand, dropId } = await scheduledDrop(api);
    const guests = await Promise.all([api.guest(), api.guest(), api.guest()]);
    for (const g of guests)
      expect((await api.post(`/api/drops/${dropId}/queue`, { token: g.token })).status).toBe(201);
    const socks = await sockets(
      url,
      guests.map((g) => g.token),
    );
    for (const s of socks)
      expect(await s.call('watch', { dropId })).toMatchObject({ status: 'prequeue', position: null });

    expect(
      (await api.put(`/api/admin/drops/${dropId}/admission`, { token: op.token, body: { paused: true } }))
        .status,
    ).toBe(200);
    expect((await api.post(`/api/drops/${dropId}/open`, { token: brand.token })).status).toBe(200);

    // At opening, each watcher learns the drop opened and gets its place (given at random from the pre-queue).
    const firstPushes = await Promise.all(socks.map((s) => s.next('queue')));
    for (const s of socks) await s.next('status', (e) => e.status === 'open');
    expect(firstPushes.map((e) => e.position).sort()).toEqual([1, 2, 3]);
    for (const [i, push] of firstPushes.entries()) {
      expect(push).toMatchObject({
        dropId,
        status: 'waiting',
        ahead: push.position - 1,
        queueLength: 3,
        etaSeconds: null,
      });
      // The ack is exact and agrees with GET …/queue/me, which adds the shopper's hold (none here).
      const ack = await socks[i]!.call('watch', { dropId });
      const me = await api.get(`/api/drops/${dropId}/queue/me`, { token: guests[i]!.token });
      expect(ack).toEqual({ ...me.body, hold: undefined });
      expect(me.body.hold).toBeNull();
      expect(ack).toMatchObject({ status: 'waiting', position: push.position, ahead: push.position - 1 });
    }

    expect(
      (await api.put(`/api/admin/drops/${dropId}/admission`, { token: op.token, body: { paused: false } }))
        .status,
    ).toBe(200);
    const admitted = await Promise.all(socks.map((s) => s.next('admitted')));
    for (const [i, a] of admitted.entries()) {
      expect(a.dropId).toBe(dropId);
      expect(claimsOf(a.token)).toMatchObject({ sub: guests[i]!.user.id, drop: dropId });
      expect(new Date(a.expiresAt).getTime()).toBeGreaterThan(Date.now());
      // Nobody receives another shopper's admission.
      expect(socks[i]!.received('admitted')).toHaveLength(1);
    }
    // Admitted in place order, one a second (admissionPerMinute 60).
    const order = [...firstPushes.entries()].sort((a, b) => a[1].position - b[1].position).map(([i]) => i);
    const expiries = order.map((i) => new Date(admitted[i]!.expiresAt).getTime());
    expect(expiries).toEqual([...expiries].sort((a, b) => a - b));

    // The last in line saw its place move: ahead fell to 0, pushes at most once a second.
    const last = socks[order[2]!]!;
    const pushes = last.received('queue');
    expect(pushes.at(-1)?.ahead).toBe(0);
    expect(pushes.map((p) => p.ahead)).toEqual([...pushes.map((p) => p.ahead)].sort((a, b) => b - a));

    expect((await api.post(`/api/drops/${dropId}/close`, { token: brand.token })).status).toBe(200);
    for (const s of socks) await s.next('status', (e) => e.status === 'closed');
  });

  test('queue pushes come at most once a second', async ({ dropline, api }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${server.port}`;
    const { brand, dropId } = await scheduledDrop(api, { admissionPerMinute: 240 });
    expect((await api.post(`/api/drops/${dropId}/open`, { token: brand.token })).status).toBe(200);
    const guests = await Promise.all(Array.from({ length: 16 }, () => api.guest()));
    for (const g of guests) await api.post(`/api/drops/${dropId}/queue`, { token: g.token });
    const [lastInLine] = await sockets(url, [guests.at(-1)!.token]);
    const times: number[] = [];
    lastInLine!.socket.on('queue', () => times.push(Date.now()));
    await lastInLine!.call('watch', { dropId });
    await lastInLine!.next('admitted');
    expect(times.length).toBeGreaterThanOrEqual(2);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(900);
  });

  test('a bad payload gets an error for that socket only; a reconnecting shopper keeps its place', async ({
    dropline,
    api,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${server.port}`;
    const { brand, dropId, op } = await scheduledDrop(api);
    expect(
      (await api.put(`/api/admin/drops/${dropId}/admission`, { token: op.token, body: { paused: true } }))
        .status,
    ).toBe(200);
    expect((await api.post(`/api/drops/${dropId}/open`, { token: brand.token })).status).toBe(200);
    const [a, b] = await Promise.all([api.guest(), api.guest()]);
    await api.post(`/api/drops/${dropId}/queue`, { token: a.token });
    const joinedB = await api.post(`/api/drops/${dropId}/queue`, { token: b.token });
    const [sa, sb] = await sockets(url, [a.token, b.token]);
    await sa!.call('watch', { dropId });

    for (const payload of ['x', null, 42, { dropId: 'not-a-uuid' }, { dropId: 5 }, [dropId]]) {
      const answer: unknown = await sb!.untyped.timeout(5000).emitWithAck('watch', payload);
      expect(answer).toEqual({ error: { code: 'validation_failed', message: expect.any(String) } });
    }
    sb!.socket.emit('watch', { dropId: 'x' }); // without an ack
    await vi.waitFor(() => expect(sb!.received('error').length).toBe(7), WAIT);
    expect(sb!.received('error')[0]).toEqual({ code: 'validation_failed', message: expect.any(String) });
    const unknown = await sb!.call('watch', { dropId: crypto.randomUUID() });
    expect(unknown).toMatchObject({ error: { code: 'not_found' } });
    sb!.untyped.emit('no-such-event', { x: 1 });

    // The other shopper's socket is untouched and still served.
    expect(sa!.socket.connected).toBe(true);
    expect(sb!.socket.connected).toBe(true);
    await sa!.next('queue');

    // Reconnecting: a new connection with the same identity finds the same place.
    sb!.close();
    const [again] = await sockets(url, [b.token]);
    expect(await again!.call('watch', { dropId })).toMatchObject({
      status: 'waiting',
      position: joinedB.body.position,
    });
  });

  test('join over the socket joins and watches in one message, one place per shopper', async ({
    dropline,
    api,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${server.port}`;
    const { op, brand, dropId } = await scheduledDrop(api);
    expect(
      (await api.put(`/api/admin/drops/${dropId}/admission`, { token: op.token, body: { paused: true } }))
        .status,
    ).toBe(200);
    expect((await api.post(`/api/drops/${dropId}/open`, { token: brand.token })).status).toBe(200);
    const guest = await api.guest();
    const [s, brandSocket] = await sockets(url, [guest.token, brand.token]);
    const first = await s!.call('join', { dropId });
    expect(first).toMatchObject({ created: true, status: 'waiting', position: 1, ahead: 0 });
    const again = await Promise.all(Array.from({ length: 20 }, () => s!.call('join', { dropId })));
    for (const a of again) expect(a).toMatchObject({ created: false, position: 1 });
    expect((await api.get(`/api/drops/${dropId}/queue/me`, { token: guest.token })).body).toMatchObject({
      position: 1,
    });
    await s!.next('queue', (e) => e.position === 1);

    expect(await brandSocket!.call('join', { dropId })).toEqual({
      error: { code: 'forbidden', message: expect.any(String) },
    });
    expect(await s!.call('join', { dropId: crypto.randomUUID() })).toMatchObject({
      error: { code: 'not_found' },
    });
    expect((await api.post(`/api/drops/${dropId}/close`, { token: brand.token })).status).toBe(200);
    const late = await sockets(url, [(await api.guest()).token]);
    expect(await late[0]!.call('join', { dropId })).toMatchObject({ error: { code: 'drop_not_open' } });
  });

  test('stock changes are pushed to watchers, at most once a second', async ({ dropline, api, prefix }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${server.port}`;
    const { brand, dropId } = await scheduledDrop(api);
    expect((await api.post(`/api/drops/${dropId}/open`, { token: brand.token })).status).toBe(200);
    const [s] = await sockets(url, [(await api.guest()).token]);
    await s!.call('watch', { dropId });
    // The leader may have told the drop's 10 units before this socket watched: a change is what must reach it.
    const stockKey = `${prefix}{drop:${dropId}}:stock`;
    await dropline.redis.multi().hincrby(stockKey, 'available', -2).hincrby(stockKey, 'held', 2).exec();
    // Units moved by hand have no holds, hence no deadlines: when they return is unknown (null).
    expect(await s!.next('stock', (e) => e.available === 8)).toEqual({
      dropId,
      available: 8,
      held: 2,
      sold: 0,
      nextReturnAt: null,
      heldUntil: null,
    });
  });

  test('a socket that watches after the last change is told the stock within seconds all the same', async ({
    dropline,
    api,
    prefix,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${server.port}`;
    const { brand, dropId } = await scheduledDrop(api);
    expect((await api.post(`/api/drops/${dropId}/open`, { token: brand.token })).status).toBe(200);
    const [early] = await sockets(url, [(await api.guest()).token]);
    await early!.call('watch', { dropId });
    const stockKey = `${prefix}{drop:${dropId}}:stock`;
    await dropline.redis.multi().hincrby(stockKey, 'available', -3).hincrby(stockKey, 'held', 3).exec();
    await early!.next('stock', (e) => e.available === 7);
    // The change has been told; a socket watching from now on hears the same figures, with nothing changing.
    const [late] = await sockets(url, [(await api.guest()).token]);
    await late!.call('watch', { dropId });
    expect(await late!.next('stock', (e) => e.dropId === dropId)).toMatchObject({ available: 7, held: 3 });
  });
});

describe('two edge processes', () => {
  test('shoppers on either edge get their places and admissions, one Redis message per tick', async ({
    api,
    dropline,
    databaseUrl,
    prefix,
  }) => {
    // This test process serves no sockets: its controller must not lead the drop, the two edges share it.
    await dropline.admission?.stop();
    const env = { DATABASE_URL: databaseUrl, REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1' };
    const edges = [spawnDropline('all', env), spawnDropline('edge', env)];
    onTestFinished(async () => {
      expect(await Promise.all(edges.map((e) => e.stop()))).toEqual([0, 0]);
    });
    const urls = await Promise.all(
      edges.map(
        async (e) => `http://127.0.0.1:${(await e.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]}`,
      ),
    );
    const { op, brand, dropId } = await scheduledDrop(api);
    expect(
      (await api.put(`/api/admin/drops/${dropId}/admission`, { token: op.token, body: { paused: true } }))
        .status,
    ).toBe(200);
    expect((await api.post(`/api/drops/${dropId}/open`, { token: brand.token })).status).toBe(200);
    const guests = await Promise.all(Array.from({ length: 6 }, () => api.guest()));
    for (const g of guests) await api.post(`/api/drops/${dropId}/queue`, { token: g.token });
    // Alternate the shoppers between the two edges.
    const socks = await Promise.all(guests.map((g, i) => connectSocket(urls[i % 2]!, g.token)));
    onTestFinished(() => socks.forEach((s) => s.close()));
    for (const s of socks) expect(await s.call('watch', { dropId })).toMatchObject({ status: 'waiting' });
    for (const s of socks) await s.next('queue');

    // Every message between the edges (the Socket.IO adapter's channels), to count those that carry admissions.
    const listener = dropline.redis.duplicate();
    onTestFinished(() => void listener.quit());
    const carried: Buffer[] = [];
    listener.on('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, message: Buffer) =>
      carried.push(message),
    );
    await listener.psubscribe(`${prefix}socket.io*`);
    // 6,000 a minute: the first tick after resuming has credit for all six.
    expect(
      (
        await api.put(`/api/admin/drops/${dropId}/admission`, {
          token: op.token,
          body: { paused: false, perMinute: 6000 },
        })
      ).status,
    ).toBe(200);
    const admitted = await Promise.all(socks.map((s) => s.next('admitted')));
    admitted.forEach((a, i) => expect(claimsOf(a.token).sub).toBe(guests[i]!.user.id));
    for (const s of socks) expect(s.received('admitted')).toHaveLength(1);
    expect(carried.filter((m) => m.includes('admitted'))).toHaveLength(1);
  });
});
