/** Runs Dropline as a real child process (`tsx infra/start.ts <role>`) for tests of several processes and signals. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DroplineProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects after `timeoutMs` or if the process exits. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/**
 * The V8 flags every Dropline process runs with (the npm scripts `start`, `edge` and `workers` pass the same).
 * Measured with the stock-read benchmark on two cores: an edge that sat idle for ten seconds then served a burst
 * about a third slower than a busy one, every time, because V8's memory reducer had shrunk its heap and its GC helper
 * threads then competed with the request thread for the cores. `--no-memory-reducer` keeps the heap an opening
 * burst needs; `--single-threaded-gc` keeps collection on the thread that allocates. `--max-semi-space-size=64`
 * (MB): a rush allocates fast, and a larger young generation collects it less often (the order-rush benchmark's edge
 * spent 0.89 ms of CPU per shopper with it, 1.0–1.1 without), for up to about 128 MB more memory under load.
 */
export const NODE_FLAGS = ['--no-memory-reducer', '--single-threaded-gc', '--max-semi-space-size=64'];

export function spawnDropline(
  role: 'all' | 'edge' | 'workers',
  env: Record<string, string>,
  nodeArgs: string[] = [],
): DroplineProcess {
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, ...nodeArgs, '--import', 'tsx', 'infra/start.ts', role],
    {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return {
    child,
    output: () => output,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            done();
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${output}`));
        }, timeoutMs);
        const onExit = () => {
          done();
          reject(new Error(`process exited before ${pattern}; output:\n${output}`));
        };
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
