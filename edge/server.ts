/**
 * Serves the app over HTTP on Node, and stops it gracefully: on stop, the listener closes (unless the Socket.IO
 * gateway closed it first), idle keep-alive connections are dropped, in-flight requests finish (up to a deadline),
 * then the caller closes its connections.
 * A fast path, when given, sees each request first and may answer it without the app.
 */
import { getRequestListener } from '@hono/node-server';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import type { EdgeEnv } from './context.js';
import type { FastPath } from './routes/stock.js';

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish within `timeoutMs`, then closes what is left. */
  stop(timeoutMs: number): Promise<void>;
}

export interface ServerOptions {
  port: number;
  host: string;
  backlog?: number;
  fastPath?: FastPath;
  /**
   * How long a client may take to send a whole request (default 20 s; Node's own is 300 s), its headers at most
   * 10 s of it: a client that stalls mid-body then gets 408 and loses the connection instead of holding it. Only the
   * request counts: a long-polling answer may take as long as it needs.
   */
  requestTimeoutMs?: number;
}

/** How often Node looks for requests past their timeout (its default, 30 s, would add up to that much). */
const TIMEOUT_CHECK_MS = 1000;

export function startServer(
  app: Hono<EdgeEnv>,
  { port, host, backlog, fastPath, requestTimeoutMs = 20_000 }: ServerOptions,
): Promise<RunningServer> {
  const listener = getRequestListener(app.fetch, { hostname: host });
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(10_000, requestTimeoutMs),
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, requestTimeoutMs),
    },
    fastPath
      ? (req, res) => {
          if (!fastPath(req, res)) void listener(req, res);
        }
      : listener,
  );
  // Once 'close' has fired, every connection has ended: a later stop has nothing left to wait for.
  let closed = false;
  server.once('close', () => (closed = true));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog }, () => {
      server.off('error', reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        stop: (timeoutMs) => stop(server, timeoutMs, () => closed),
      });
    });
  });
}

/**
 * Closes the listener unless the Socket.IO gateway has closed it already (its `io.close()` does, and closing it
 * again would fail with ERR_SERVER_NOT_RUNNING), then waits for the requests in flight, up to `timeoutMs`.
 */
function stop(server: Server, timeoutMs: number, closed: () => boolean): Promise<void> {
  return new Promise<void>((done) => {
    if (closed()) return done();
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.once('close', () => {
      clearTimeout(timer);
      done();
    });
    if (server.listening) server.close();
    server.closeIdleConnections();
  });
}
