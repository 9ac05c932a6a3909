/**
 * One attempt against a loopback receiver: 2xx is success; a redirect is not followed (a failed attempt naming the
 * status); a receiver that does not answer in time fails with the timeout; where internal addresses are not allowed,
 * a host name resolving to one is refused before any connection.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sendAttempt } from './sender.js';

let base = '';
const hits: string[] = [];
const server = createServer((req, res) => {
  hits.push(req.url ?? '');
  if (req.url === '/redirect') res.writeHead(302, { location: '/elsewhere' }).end();
  else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 2_000).unref();
  else res.writeHead(req.url === '/ok' ? 200 : 500).end();
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('sendAttempt', () => {
  test('2xx succeeds, anything else fails with its status', async () => {
    expect(await sendAttempt(`${base}/ok`, '{}', {}, { allowInternal: true })).toEqual({
      ok: true,
      status: 200,
    });
    expect(await sendAttempt(`${base}/boom`, '{}', {}, { allowInternal: true })).toEqual({
      ok: false,
      status: 500,
      error: 'answered 500',
    });
  });

  test('a redirect is not followed', async () => {
    hits.length = 0;
    expect(await sendAttempt(`${base}/redirect`, '{}', {}, { allowInternal: true })).toEqual({
      ok: false,
      status: 302,
      error: 'answered 302',
    });
    expect(hits).toEqual(['/redirect']);
  });

  test('no answer within the timeout is a failed attempt', async () => {
    expect(await sendAttempt(`${base}/slow`, '{}', {}, { allowInternal: true, timeoutMs: 200 })).toEqual({
      ok: false,
      status: null,
      error: 'no answer within 0.2 s',
    });
  });

  test('without internal addresses, a name that resolves to loopback is refused before connecting', async () => {
    hits.length = 0;
    const port = (server.address() as AddressInfo).port;
    expect(await sendAttempt(`http://localhost:${port}/ok`, '{}', {}, { allowInternal: false })).toEqual({
      ok: false,
      status: null,
      error: 'host resolves to an internal address',
    });
    expect(hits).toEqual([]);
    // An address written in the URL too.
    expect(await sendAttempt(`${base}/ok`, '{}', {}, { allowInternal: false })).toMatchObject({ ok: false });
    expect(hits).toEqual([]);
  });
});
