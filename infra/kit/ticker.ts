/**
 * A loop that runs `run` again `everyMs` after each run ends (never two at once, so a slow run delays the next one
 * instead of piling up), from `start` until `stop`, which waits for the run in flight. A failed run goes to
 * `onError` and the loop goes on. A stopped ticker may be started again.
 */
export interface Ticker {
  start(): void;
  stop(): Promise<void>;
}

export interface TickerOptions {
  everyMs: number;
  run: () => Promise<unknown>;
  onError: (error: unknown) => void;
  /** Wait `everyMs` before the first run instead of running at once. */
  delayFirst?: boolean;
}

export function createTicker({ everyMs, run, onError, delayFirst = false }: TickerOptions): Ticker {
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const loop = () => {
    running = run()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, everyMs);
      });
  };
  return {
    start() {
      if (!stopped) return;
      stopped = false;
      if (delayFirst) timer = setTimeout(loop, everyMs);
      else loop();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** A ticker, started. */
export function startTicker(options: TickerOptions): Ticker {
  const ticker = createTicker(options);
  ticker.start();
  return ticker;
}
