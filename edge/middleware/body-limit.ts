/**
 * The body size limit: 413 `payload_too_large` problem+json. When the request says its length, the body is read and
 * thrown away before answering (up to DRAIN_LIMIT bytes, for at most DRAIN_TIMEOUT_MS), so the client can finish
 * sending and keep its connection; a client that sends more than that, or too slowly, gets `Connection: close`.
 */
import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import type { IncomingMessage } from 'node:http';
import type { EdgeEnv } from '../context.js';
import { problem, problemResponse } from '../problems.js';

const DRAIN_LIMIT = 64 * 1024 * 1024;
const DRAIN_TIMEOUT_MS = 5000;

/** Resolves true when the request body was read to its end, false when it was too long or too slow. */
function drain(incoming: IncomingMessage): Promise<boolean> {
  if (incoming.readableEnded || incoming.destroyed) return Promise.resolve(!incoming.destroyed);
  return new Promise((resolve) => {
    let bytes = 0;
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      resolve(ok);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > DRAIN_LIMIT) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = () => finish(false);
    const timer = setTimeout(() => finish(false), DRAIN_TIMEOUT_MS);
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('error', onError);
    incoming.resume();
  });
}

export function bodyLimit(maxBytes: number): MiddlewareHandler<EdgeEnv> {
  const tooLarge = (c: Context, keepConnection: boolean) =>
    problemResponse(
      c,
      problem('payload_too_large', `the body may be at most ${maxBytes} bytes`),
      keepConnection ? {} : { Connection: 'close' },
    );
  // A chunked body has no length to check up front: Hono's limit counts it as it arrives. Its unread rest is
  // already tied to a web stream, so that client gets `Connection: close`.
  const chunked = honoBodyLimit({ maxSize: maxBytes, onError: (c) => tooLarge(c, false) });

  return async (c, next) => {
    // Reading requests carry no body; looking for one would build a body stream for nothing.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding')) return chunked(c, next);
    if (Number(length) <= maxBytes) return next();
    // The body is untouched: read it off the socket before answering, so the connection can be kept.
    const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
    return tooLarge(c, incoming ? await drain(incoming) : true);
  };
}

/** A route that takes a larger body than the rest (an upload): its method and path, and its own limit. */
export interface LargerBody {
  matches: (method: string, path: string) => boolean;
  maxBytes: number;
}

/**
 * `maxBytes` for every request but those of `larger` routes, which get their own limit: the JSON routes keep their
 * small limit while an upload route takes its file.
 */
export function bodyLimits(maxBytes: number, larger: readonly LargerBody[]): MiddlewareHandler<EdgeEnv> {
  const usual = bodyLimit(maxBytes);
  const own = larger.map((route) => ({ matches: route.matches, limit: bodyLimit(route.maxBytes) }));
  return (c, next) => {
    const route = own.find((r) => r.matches(c.req.method, c.req.path));
    return (route?.limit ?? usual)(c, next);
  };
}
