/** Liveness, readiness (Redis, NATS JetStream and PostgreSQL reachable) and Prometheus metrics. */
import type { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { EdgeEnv } from '../context.js';
import { problem, problemResponse } from '../problems.js';

export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export interface ReadyResponse {
  status: 'ready';
  checks: Record<string, 'ok'>;
}

const CHECK_TIMEOUT_MS = 2000;

async function runCheck(check: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealth(
  app: Hono<EdgeEnv>,
  { checks, registry }: { checks: ReadinessChecks; registry: Registry },
) {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => runCheck(checks[name]!)));
    const report = Object.fromEntries(names.map((name, i) => [name, results[i]]));
    const failed = names.filter((_, i) => results[i] !== 'ok');
    if (failed.length === 0) {
      return c.json({
        status: 'ready',
        checks: Object.fromEntries(names.map((name) => [name, 'ok' as const])),
      } satisfies ReadyResponse);
    }
    for (const name of failed)
      c.get('log').warn({ check: name, error: report[name] }, 'readiness check failed');
    return problemResponse(
      c,
      problem('unavailable', `not ready: ${failed.join(', ')} unreachable`, {
        checks: Object.fromEntries(names.map((name, i) => [name, results[i] === 'ok' ? 'ok' : 'failed'])),
      }),
    );
  });

  app.get('/metrics', async (c) =>
    c.text(await registry.metrics(), 200, { 'Content-Type': registry.contentType }),
  );
}
