import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { describeError } from '../errors';
import type { Logger } from '../logger';
import type { Ledger } from '../store/ledger';
import { processJob, type JobDeps } from './processJob';

export interface WorkerOptions extends Omit<JobDeps, 'owner' | 'logger'> {
  ledger: Ledger;
  concurrency: number;
  pollMs: number;
  logger: Logger;
}

export interface Worker {
  readonly owner: string;
  start(): void;
  /** A job was just recorded: look for work now rather than at the next poll. */
  notify(): void;
  /** Stops claiming, waits up to graceMs for jobs in flight; the rest is left to the lease. */
  stop(graceMs: number): Promise<void>;
  /** Jobs running now (for tests and shutdown logs). */
  readonly inFlight: number;
}

/**
 * Claims due jobs from the ledger and runs up to `concurrency` of them at once. Woken at once by
 * intake in this process; polls every `pollMs` for retries that came due and for jobs recorded
 * by other processes sharing the ledger.
 */
export function createWorker(options: WorkerOptions): Worker {
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const logger = options.logger.child({ worker: owner });
  const deps: JobDeps = { ...options, owner, logger };
  const running = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let filling = false;
  let again = false;

  async function fill(): Promise<void> {
    if (filling) {
      again = true;
      return;
    }
    filling = true;
    try {
      do {
        again = false;
        while (!stopping && running.size < options.concurrency) {
          const job = await options.ledger.claimNextJob(owner, options.now(), options.leaseMs);
          if (!job) break;
          const task = processJob(job, deps).finally(() => {
            running.delete(task);
            void fill();
          });
          running.add(task);
        }
      } while (again && !stopping);
    } catch (err) {
      logger.error('could not claim jobs from the ledger', { error: describeError(err) });
    } finally {
      filling = false;
    }
  }

  return {
    owner,
    get inFlight() {
      return running.size;
    },
    start() {
      stopping = false;
      timer = setInterval(() => void fill(), options.pollMs);
      timer.unref();
      void fill();
    },
    notify() {
      if (!stopping) void fill();
    },
    async stop(graceMs) {
      stopping = true;
      if (timer) clearInterval(timer);
      if (running.size === 0) return;
      logger.info('waiting for jobs in flight', { inFlight: running.size, graceMs });
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.allSettled([...running]), grace]);
      clearTimeout(graceTimer);
    },
  };
}
