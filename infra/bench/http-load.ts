/**
 * The HTTP load generator (autocannon), run in its own process (forked, IPC): receives `{url, seconds, connections}`,
 * sends back `{type: 'result', requests, rps, p50, p99, max, errors, non2xx}`.
 */
import autocannon from 'autocannon';

interface Job {
  url: string;
  seconds: number;
  connections: number;
}

process.once('message', (job: Job) => {
  autocannon(
    { url: job.url, duration: job.seconds, connections: job.connections, pipelining: 1 },
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
      });
      setTimeout(() => process.exit(0), 100);
    },
  );
});
