/**
 * Starts Dropline: `tsx infra/start.ts [all|edge|workers]` (npm start, npm run edge, npm run workers).
 * Reads the configuration once, connects, migrates, serves; SIGTERM or SIGINT drains and exits.
 */
import { ConfigError, loadConfig, type Config } from './config.js';
import { createDropline } from './dropline.js';
import { createLogger } from './logger.js';

const ROLES = {
  all: { edge: true, workers: true },
  edge: { edge: true, workers: false },
  workers: { edge: false, workers: true },
};

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const line of error.problems) process.stderr.write(`config: ${line}\n`);
    process.exit(1);
  }
}

async function main() {
  const which = process.argv[2] ?? 'all';
  if (!Object.hasOwn(ROLES, which)) {
    process.stderr.write(`usage: start.ts [all|edge|workers] (got ${JSON.stringify(which)})\n`);
    process.exit(2);
  }
  const roles = ROLES[which as keyof typeof ROLES];
  const config = readConfig();
  const log = createLogger(config.logLevel);
  if (config.usingDevelopmentSecret) {
    log.warn(
      'JWT_SECRET is not set: signing tokens with the fixed development secret (never do this in production)',
    );
  }

  const dropline = await createDropline({ config, log, roles });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: draining requests and closing connections');
    dropline.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  if (roles.edge) {
    const server = await dropline.listen(config.port, config.host);
    const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const lines = [`Dropline (${which}) is listening on http://${shown}:${server.port}`];
    if (config.operator && config.env !== 'production' && !process.env.OPERATOR_EMAIL) {
      lines.push(`Development operator: ${config.operator.email} / ${config.operator.password}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } else {
    process.stdout.write('Dropline workers are running.\n');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `dropline: could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  if (error instanceof Error && error.cause instanceof Error)
    process.stderr.write(`  cause: ${error.cause.message}\n`);
  process.exit(1);
});
