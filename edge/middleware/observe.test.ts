import { Hono } from 'hono';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import type { EdgeEnv } from '../context.js';
import { createHttpMetrics, observe } from './observe.js';

function appWith(routes: (app: Hono<EdgeEnv>) => void) {
  const registry = new Registry();
  const app = new Hono<EdgeEnv>();
  app.use(observe({ log: pino({ level: 'silent' }), metrics: createHttpMetrics(registry) }));
  routes(app);
  return { app, registry };
}

describe('observe', () => {
  test("a handler's answer goes out as it was made, with the request id (not copied to add a header)", async () => {
    let made: Response | undefined;
    const { app } = appWith((a) =>
      a.get('/thing', (c) => {
        made = c.json({ ok: true }, 201);
        return made;
      }),
    );
    const res = await app.request('/thing', { headers: { 'x-request-id': 'trace-1' } });
    expect(res).toBe(made);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('trace-1');
    expect(await res.json()).toEqual({ ok: true });
  });

  test('a Response built by the handler itself still gets the request id', async () => {
    const { app } = appWith((a) => a.get('/raw', () => new Response('raw', { status: 202 })));
    const res = await app.request('/raw');
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.text()).toBe('raw');
  });

  test('errors answered by onError carry the request id and are counted by route and status', async () => {
    const { app, registry } = appWith((a) => {
      a.get('/boom/:id', () => {
        throw new Error('boom');
      });
      a.onError((_error, c) => c.json({ code: 'internal' }, 500));
    });
    const res = await app.request('/boom/7', { headers: { 'x-request-id': 'trace-2' } });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBe('trace-2');
    const counted = (await registry.getSingleMetric('http_requests_total')!.get()).values;
    expect(counted).toEqual([{ labels: { method: 'GET', route: '/boom/:id', status: '500' }, value: 1 }]);
  });
});
