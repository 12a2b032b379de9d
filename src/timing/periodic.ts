import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors';
import type { Logger } from '../logger';

export interface Periodic {
  start(): void;
  /** Ends the wait at once; resolves once the round in progress, if any, is over. */
  stop(): Promise<void>;
  /** Whether stop() was called (a long round checks it between its batches). */
  readonly stopping: boolean;
}

/**
 * Runs `round` at start(), then again `intervalMs` after each one ends, until stop(). A round
 * that throws is logged (`failure`, at `level`) and the next one tries again. The worker's
 * side jobs run this way: alert rounds, retention passes.
 */
export function periodic(
  round: () => Promise<void>,
  options: { intervalMs: number; logger: Logger; failure: string; level: 'warn' | 'error' },
): Periodic {
  let stopping = false;
  let running: Promise<void> | undefined;
  const wake = new AbortController();
  return {
    get stopping() {
      return stopping;
    },
    start() {
      running ??= (async () => {
        while (!stopping) {
          try {
            await round();
          } catch (err) {
            options.logger.log(options.level, options.failure, { error: describeError(err) });
          }
          await sleep(options.intervalMs, undefined, { signal: wake.signal }).catch(
            () => undefined,
          );
        }
      })();
    },
    async stop() {
      stopping = true;
      wake.abort();
      await running;
    },
  };
}
