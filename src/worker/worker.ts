import { describeError } from '../errors';
import type { Logger } from '../logger';
import type { WorkerLedger } from '../store/callerLedgers';
import { newOwnerId } from '../store/owner';
import type { ClaimedJob } from '../store/ledger';
import { getTracer } from '../tracing/tracer';
import { processJob, type JobDeps } from './processJob';
import type { SiteGate, SiteHealth } from './siteGate';

export interface WorkerOptions extends Omit<JobDeps, 'owner' | 'logger'> {
  ledger: WorkerLedger;
  concurrency: number;
  pollMs: number;
  logger: Logger;
  /** Keeps one site's trouble from holding up the others (siteGate.ts); none: claims as before. */
  siteGate?: SiteGate | undefined;
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
  /** Each site's jobs in flight, failures in a row and pause (for metrics and the console). */
  siteHealth(): SiteHealth[];
}

const LATE_PER_SLOT = 4;

/**
 * Claims due jobs from the ledger and runs up to `concurrency` of them at once. Woken at once by
 * intake in this process; polls every `pollMs` for retries that came due and for jobs recorded
 * by other processes sharing the ledger.
 */
export function createWorker(options: WorkerOptions): Worker {
  const owner = newOwnerId('worker');
  const logger = options.logger.child({ worker: owner });
  const deps: JobDeps = { ...options, owner, logger };
  // Jobs that hold a slot of `concurrency`, and jobs only waiting for a late OPSCOM answer:
  // those need a socket, not the worker, so up to LATE_PER_SLOT per slot wait outside it.
  const running = new Set<Promise<void>>();
  const waitingLate = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let filling = false;
  let again = false;

  // The gate's closed sites are skipped; a site's share holds until its job ends (late or not).
  function claim(): Promise<ClaimedJob | undefined> {
    const { ledger, now, leaseMs, siteGate } = options;
    if (!siteGate) return ledger.claimNextJob(owner, now(), leaseMs);
    return ledger.claimNextJob(owner, now(), leaseMs, siteGate.closedSites());
  }

  /** Tells the gate a job of its site started; returns what tells it the job ended. */
  function siteStarted(job: ClaimedJob): () => void {
    const gate = options.siteGate;
    // A job stored with no site is counted under the site the router finds for it, if any.
    const routed = job.site === null ? options.sites?.forJob(job) : undefined;
    const site = job.site ?? (routed?.ok ? routed.siteId : undefined);
    if (!gate || site === undefined) return () => undefined;
    gate.started(site, job.sessionId);
    return () => gate.finished(site, job.sessionId);
  }

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
          const job = await claim();
          if (!job) break;
          const endSite = siteStarted(job);
          const task: Promise<void> = processJob(job, deps, {
            onInDoubt: () => {
              if (!running.has(task) || waitingLate.size >= options.concurrency * LATE_PER_SLOT)
                return;
              running.delete(task);
              waitingLate.add(task);
              void fill();
            },
          }).finally(() => {
            endSite();
            running.delete(task);
            waitingLate.delete(task);
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
      return running.size + waitingLate.size;
    },
    siteHealth: () => options.siteGate?.health() ?? [],
    start() {
      stopping = false;
      timer = setInterval(() => void fill(), options.pollMs);
      timer.unref();
      void fill();
    },
    notify() {
      // Woken by a webhook (or the page): its claims and jobs are no part of that trace.
      if (!stopping) getTracer().detached(() => void fill());
    },
    async stop(graceMs) {
      stopping = true;
      if (timer) clearInterval(timer);
      const inFlight = [...running, ...waitingLate];
      if (inFlight.length === 0) return;
      logger.info('waiting for jobs in flight', { inFlight: inFlight.length, graceMs });
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.allSettled(inFlight), grace]);
      clearTimeout(graceTimer);
    },
  };
}
