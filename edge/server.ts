/**
 * Serves the app over HTTP on Node, and stops it gracefully: on stop, the listener closes, idle keep-alive
 * connections are dropped, in-flight requests finish (up to a deadline), then the caller closes its connections.
 */
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import type { EdgeEnv } from './context.js';

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish within `timeoutMs`, then closes what is left. */
  stop(timeoutMs: number): Promise<void>;
}

export function startServer(
  app: Hono<EdgeEnv>,
  { port, host }: { port: number; host: string },
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
      resolve({
        server: server as Server,
        port: info.port,
        stop: (timeoutMs) =>
          new Promise<void>((done) => {
            const http = server as Server;
            const timer = setTimeout(() => http.closeAllConnections(), timeoutMs);
            http.close(() => {
              clearTimeout(timer);
              done();
            });
            http.closeIdleConnections();
          }),
      });
    });
    server.once('error', reject);
  });
}
