import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { Hono } from 'hono';
import { describe, expect } from 'vitest';
import { connectSocket, silentLog, spawnDropline, test } from '../infra/testing/index.js';
import type { EdgeEnv } from './index.js';
import { attachGateway, createAdmissionTokens, createTokenService, startServer } from './index.js';

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  socketId: number;
}

/** Sends a request through `agent`, reporting which socket carried it (to prove a connection was kept). */
function send(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
) {
  return new Promise<Answer>((resolve, reject) => {
    const req = httpRequest({ agent, host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const socket = req.socket as typeof req.socket & { dlId?: number };
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          headers: res.headers,
          socketId: socket.dlId ?? -1,
        });
      });
    });
    let next = 0;
    req.on('socket', (s: typeof req.socket & { dlId?: number }) => {
      s.dlId ??= ++next + Math.random();
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The accept queue's size of the socket listening on `port`, as the kernel reports it (`ss`: Send-Q). */
function listenBacklog(port: number): number {
  let line: string;
  try {
    line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim();
  } catch (error) {
    throw new Error('this test reads the backlog with ss: apt-get install iproute2', { cause: error });
  }
  return Number(line.split(/\s+/)[2]);
}

describe('the HTTP server', () => {
  test('the edge listens with a backlog for an opening burst (LISTEN_BACKLOG, capped by the kernel)', async ({
    dropline,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(listenBacklog(server.port)).toBe(Math.min(4096, somaxconn));
    expect(listenBacklog(server.port)).toBeGreaterThan(511); // Node's default, which an opening overflows
  });

  test('a 5 MB body gets 413 problem+json and the connection stays usable', async ({ dropline }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const huge = Buffer.alloc(5 * 1024 * 1024, 'a');
      const tooLarge = await send(agent, server.port, 'POST', '/api/auth/signup', huge, {
        'content-type': 'application/json',
      });
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(tooLarge.body)).toMatchObject({ status: 413, code: 'payload_too_large' });
      const after = await send(agent, server.port, 'GET', '/healthz');
      expect(after.status).toBe(200);
      expect(after.socketId).toBe(tooLarge.socketId);
    } finally {
      agent.destroy();
    }
  });

  test('a chunked body over the limit gets 413 problem+json too', async ({ dropline }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const agent = new Agent({ keepAlive: false });
    try {
      const chunked = await send(
        agent,
        server.port,
        'POST',
        '/api/auth/signup',
        Buffer.alloc(256 * 1024, 'a'),
        {
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
        },
      );
      expect(chunked.status).toBe(413);
      expect(JSON.parse(chunked.body).code).toBe('payload_too_large');
    } finally {
      agent.destroy();
    }
  });

  test('readyz reports every service; metrics count requests by route', async ({ dropline, api }) => {
    const ready = await api.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { redis: 'ok', nats: 'ok', postgres: 'ok' } });

    const id = crypto.randomUUID();
    await api.get(`/api/drops/${id}`);
    await api.get(`/api/drops/${id}`);
    const metrics = await dropline.app!.request('/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/drops\/:id",status="404"\} 2/);
    // Counted in the histogram (how fast is the bench's business, not a test's).
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/api\/drops\/:id",status="404"\} 2/,
    );
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  test('every answer carries a request id, echoing a well-formed one it was given', async ({ api }) => {
    const mine = await api.get('/healthz', { headers: { 'x-request-id': 'trace-123' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-123');
    const made = await api.get('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('an unexpected error is a generic 500 problem that leaks nothing', async ({ dropline, api }) => {
    await dropline.sql`ALTER TABLE drops RENAME TO drops_away`;
    try {
      const r = await api.get(`/api/drops/${crypto.randomUUID()}`);
      expect(r.status).toBe(500);
      expect(r.body).toMatchObject({ code: 'internal', status: 500 });
      expect(JSON.stringify(r.body)).not.toMatch(/drops|relation|postgres/i);
    } finally {
      await dropline.sql`ALTER TABLE drops_away RENAME TO drops`;
    }
  });

  test('stopping lets a request in flight finish and refuses new connections', async () => {
    const { server, inside, release } = await slowServer();
    const agent = new Agent({ keepAlive: false });
    const slow = send(agent, server.port, 'GET', '/slow');
    await inside;
    const stopped = server.stop(10_000);
    await expect(send(agent, server.port, 'GET', '/slow')).rejects.toThrow(/ECONNREFUSED/);
    release();
    expect((await slow).body).toBe('finished');
    await stopped;
  });
});

/** A server whose `/slow` answers only once released, to hold a request in flight. */
async function slowServer() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const app = new Hono<EdgeEnv>();
  app.get('/slow', async (c) => {
    entered();
    await gate;
    return c.text('finished');
  });
  const server = await startServer(app, { port: 0, host: '127.0.0.1' });
  return { server, inside, release };
}

describe('stopping with the gateway', () => {
  test('sockets go first; then a request in flight finishes, within the deadline', async ({
    dropline,
    api,
    config,
  }) => {
    const { server, inside, release } = await slowServer();
    const tokens = createTokenService({ secret: config.jwtSecret, ttlSeconds: 60 });
    const gateway = attachGateway(server.server, {
      tokens,
      admissionTokens: createAdmissionTokens({ key: tokens.key }),
      waitingRoom: dropline.waitingRoom,
      log: silentLog,
    });
    const url = `http://127.0.0.1:${server.port}`;
    const shopper = await connectSocket(url, (await api.guest()).token);
    const disconnected = new Promise((resolve) => shopper.socket.once('disconnect', resolve));
    const agent = new Agent({ keepAlive: false });
    const slow = send(agent, server.port, 'GET', '/slow');
    await inside;

    // The gateway does not wait for the request: the deadline that bounds it is the HTTP server's.
    await gateway.close();
    await disconnected;
    expect(server.server.listening).toBe(false); // Socket.IO closed the listener: stop() must not close it again
    await expect(send(agent, server.port, 'GET', '/slow')).rejects.toThrow(/ECONNREFUSED/);
    const stopped = server.stop(10_000);
    release();
    expect((await slow).body).toBe('finished');
    await stopped;
  });

  test('a request that outlasts the deadline is cut off, and stop() resolves', async ({
    dropline,
    config,
  }) => {
    const { server, inside, release } = await slowServer();
    const tokens = createTokenService({ secret: config.jwtSecret, ttlSeconds: 60 });
    const gateway = attachGateway(server.server, {
      tokens,
      admissionTokens: createAdmissionTokens({ key: tokens.key }),
      waitingRoom: dropline.waitingRoom,
      log: silentLog,
    });
    const slow = send(new Agent({ keepAlive: false }), server.port, 'GET', '/slow');
    await inside;
    await gateway.close();
    await server.stop(200);
    await expect(slow).rejects.toThrow(/socket hang up|ECONNRESET/);
    release();
  });
});

describe('the process', () => {
  test('npm start’s entry serves, prints its URL and the operator login, and exits 0 on SIGTERM', async ({
    databaseUrl,
    prefix,
  }) => {
    const p = spawnDropline('all', {
      DATABASE_URL: databaseUrl,
      REDIS_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'development',
    });
    try {
      const [, port] = await p.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      await p.waitFor(/Development operator: operator@dropline\.local \/ dropline-operator/);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      expect(await p.stop('SIGTERM')).toBe(0);
    }
    expect(p.output()).toMatch(/"signal":"SIGTERM"/);
  });

  test('bad configuration stops start-up with one line per bad variable', async () => {
    const p = spawnDropline('all', {
      PORT: 'eighty',
      TOKEN_TTL: 'forever',
      NODE_ENV: 'production',
      JWT_SECRET: '',
    });
    expect(await new Promise((resolve) => p.child.once('exit', resolve))).toBe(1);
    const lines = p.output().trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^config: PORT: expected an integer from 0 to 65535 \(got "eighty"\)$/),
      expect.stringMatching(/^config: TOKEN_TTL: expected a duration/),
      'config: JWT_SECRET: required when NODE_ENV=production',
      expect.stringMatching(/^config: PAYMENTS: required when NODE_ENV=production/),
      expect.stringMatching(/^config: PUBLIC_ORIGIN: required when NODE_ENV=production/),
    ]);
  });
});
