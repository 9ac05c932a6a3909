/**
 * `npm run reconcile -- [--rebuild] (--all | <dropId>…)`: compares each drop in Redis with PostgreSQL and prints the
 * result as JSON lines (its `verdict`: ok, lost, behind, diverged, fenced). With --rebuild, a drop whose units Redis
 * lost, whose change counter is behind PostgreSQL's (Redis came back older), whose units diverged or which is still
 * fenced is fenced and rebuilt from PostgreSQL once the workers have drained the event stream (keep the workers
 * running). Exit code 0 when Redis and PostgreSQL agree (or were made to), 3 when some drop differs, 1 on error,
 * 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { createDropline } from './dropline.js';
import { createLogger } from './logger.js';

const USAGE = 'usage: npm run reconcile -- [--rebuild] (--all | <dropId>…)';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: { rebuild: { type: 'boolean', default: false }, all: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
  } catch (error) {
    process.stderr.write(`reconcile: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  const ids = args.positionals;
  if (args.values.all === ids.length > 0 || ids.some((id) => !/^[0-9a-f-]{36}$/i.test(id))) {
    process.stderr.write(`reconcile: give --all or drop ids\n${USAGE}\n`);
    return 2;
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const line of error.problems) process.stderr.write(`config: ${line}\n`);
    return 1;
  }
  const dropline = await createDropline({
    config,
    log: createLogger('warn'),
    roles: { edge: false, workers: false },
  });
  try {
    const drops = args.values.all ? (await dropline.drops.listLive()).map((d) => d.id) : ids;
    let differs = false;
    for (const dropId of drops) {
      const result = await dropline.reconciler.reconcile(dropId, { rebuild: args.values.rebuild });
      // A drop rebuilt while sales went on may differ by events in flight; the rebuild is what was asked.
      differs ||= !result.matches && !result.rebuilt;
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
    return differs ? 3 : 0;
  } finally {
    await dropline.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`reconcile: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
