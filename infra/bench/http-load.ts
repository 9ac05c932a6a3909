/**
 * The HTTP load generator (autocannon), run in its own process (forked, IPC): receives `{url, seconds, connections}`,
 * sends back `{type: 'result', requests, rps, p50, p99, max, errors, non2xx, statuses}`. With `loginFlood`, each
 * request is a sign-in with a wrong password for an email never used before (so every one costs a password hash), and
 * `{type: 'started'}` is sent at the first answer.
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';

interface Job {
  url: string;
  seconds: number;
  connections: number;
  loginFlood?: boolean;
}

const loginFlood = {
  method: 'POST' as const,
  headers: { 'content-type': 'application/json' },
  // A flooded sign-in may wait its turn for a hashing thread for many seconds.
  timeout: 60,
  requests: [
    {
      setupRequest: (req: autocannon.Request) => ({
        ...req,
        body: JSON.stringify({
          email: `flood-${randomBytes(8).toString('hex')}@example.com`,
          password: 'a wrong password',
        }),
      }),
    },
  ],
};

process.once('message', (job: Job) => {
  const statuses: Record<string, number> = {};
  const instance = autocannon(
    {
      url: job.url,
      duration: job.seconds,
      connections: job.connections,
      pipelining: 1,
      ...(job.loginFlood ? loginFlood : {}),
    },
    (error: unknown, result) => {
      if (error) {
        process.send?.({
          type: 'error',
          message: error instanceof Error ? error.message : 'autocannon failed',
        });
        process.exit(1);
      }
      process.send?.({
        type: 'result',
        requests: result.requests.total,
        rps: Math.round(result.requests.average),
        p50: result.latency.p50,
        p99: result.latency.p99,
        max: result.latency.max,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
        statuses,
      });
      setTimeout(() => process.exit(0), 100);
    },
  );
  instance.on('response', (_client, statusCode) => {
    if (Object.keys(statuses).length === 0 && job.loginFlood) process.send?.({ type: 'started' });
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
});
