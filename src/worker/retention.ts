import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger';
import type { RetentionLedger } from '../store/callerLedgers';
import { periodic } from '../timing/periodic';

/** Rows deleted per statement: short transactions, never a long lock on the ledger. */
const BATCH = 500;
const DAY_MS = 24 * 3600 * 1000;

export interface Retention {
  /** One pass: deletes what is older than the setting, a batch at a time; how many rows. */
  prune(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * RETENTION_DAYS, run by the worker every `intervalMs` (default an hour): the events (receipts
 * and the notes of a job's timeline) of jobs long finished, and alerts long cleared, are
 * deleted; jobs and payment facts are kept (store/ledger.ts, pruneBefore).
 */
export function createRetention(deps: {
  ledger: RetentionLedger;
  days: number;
  now: () => number;
  logger: Logger;
  intervalMs?: number;
}): Retention {
  const prune = async () => {
    const cutoff = deps.now() - deps.days * DAY_MS;
    let total = 0;
    for (;;) {
      const deleted = await deps.ledger.pruneBefore(cutoff, BATCH);
      total += deleted;
      if (deleted < BATCH || loop.stopping) return total;
      await sleep(10); // let intake and the worker in between batches
    }
  };
  const loop = periodic(
    async () => {
      const deleted = await prune();
      if (deleted > 0) {
        deps.logger.info('retention: old rows deleted', { deleted, days: deps.days });
      }
    },
    {
      intervalMs: deps.intervalMs ?? 3600_000,
      logger: deps.logger,
      failure: 'retention pass failed; next pass tries again',
      level: 'warn',
    },
  );
  return { prune, start: () => loop.start(), stop: () => loop.stop() };
}
