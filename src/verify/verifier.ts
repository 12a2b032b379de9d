import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors';
import type { Sites } from '../sites/site';
import type { OperatorLedger } from '../store/ledger';
import { newOwnerId } from '../store/owner';
import { createPace } from './pace';
import { verifyPermits, type RoundSummary, type VerifyDeps } from './verifyRound';
import { reconcileUnseenAlerts } from './unseenAlert';
import { clearStaleValidationAlerts, validationAccess } from './validationAlert';

export interface VerifierOptions extends Omit<
  VerifyDeps,
  'owner' | 'pace' | 'signal' | 'concurrency'
> {
  /** OPSCOM_VERIFY_PER_SECOND: Plate Validation calls a second at most. */
  perSecond: number;
  /** OPSCOM_TIMEOUT_MS: a claim's lease covers its batch's calls at the pace and this. */
  timeoutMs: number;
  /** Job work comes first: while this says the worker is busy, no check starts. */
  busy?: () => boolean;
  /** Between two looks for due permits when none is due (default 1 s). */
  idleMs?: number;
  /** The first wait after an outage, doubled each time up to a minute (default 1 s). */
  outageWaitMs?: number;
  /**
   * The configured sites: with several, Plate Validation refusing one site's token or client
   * code is that site's alert (`opscom_validation:<site>`) and the loop goes on for the others.
   * Omitted: one site, as before (one alert; the loop waits).
   */
  sites?: Pick<Sites, 'list' | 'byId'> | undefined;
  /** The verifier's ledger reads the open alerts too, once, for keys of sites no longer there. */
  ledger: VerifyDeps['ledger'] & Pick<OperatorLedger, 'openAlerts'>;
}

export interface Verifier {
  readonly owner: string;
  start(): void;
  /** Stops claiming; the batch in progress is finished or put back. */
  stop(): Promise<void>;
  /** One pass: claim what is due and check it (tests drive this directly). */
  pass(): Promise<RoundSummary | undefined>;
}

/** Plates asked at once: OPSCOM_VERIFY_PER_SECOND paces them; two hide one call's latency. */
const CONCURRENCY = 2;
/** How often the unseen alerts are reconciled with the ledger (a killed process's leftovers). */
const RECONCILE_MS = 5000;

/**
 * The verification loop (OPSCOM_VERIFY=on), beside the worker and below it: its own lease
 * owner, its own Plate Validation connections and pace, and it waits while the worker is busy,
 * so it never slows a new permit. Each pass claims the permits due (with their plates' other
 * permits) and runs one round over them; an outage puts them back and waits, longer each
 * time, up to a minute. A refused token or client code puts back its site's permits (each
 * waits an outage's wait); with one site the loop waits too, with several the others go on.
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const owner = newOwnerId('verify');
  const logger = options.logger.child({ verifier: owner });
  const pace = createPace(options.perSecond);
  const batch = Math.max(1, Math.min(50, options.perSecond * 5));
  const leaseMs = 2 * ((batch / options.perSecond) * 1000 + options.timeoutMs) + 30_000;
  const stopper = new AbortController();
  let running: Promise<void> | undefined;
  let outages = 0;
  let reconciledAt = 0;
  let swept = false;
  const access = validationAccess(options.sites);

  async function pass(): Promise<RoundSummary | undefined> {
    const now = options.now();
    if (!swept) {
      await clearStaleValidationAlerts(options.ledger, options.sites, { now, logger });
      swept = true;
    }
    if (now - reconciledAt >= RECONCILE_MS) {
      reconciledAt = now;
      await reconcileUnseenAlerts({ ledger: options.ledger, logger }, now);
    }
    const claimed = await options.ledger.claimVerifications({
      owner,
      now,
      leaseMs,
      delayMs: options.delayMs,
      everyMs: options.everyMs,
      limit: batch,
    });
    if (claimed.length === 0) return undefined;
    const summary = await verifyPermits(claimed, {
      ...options,
      logger,
      owner,
      pace,
      concurrency: CONCURRENCY,
      signal: stopper.signal,
    });
    await access.record(options.ledger, summary, options.now());
    return summary;
  }

  async function loop(): Promise<void> {
    while (!stopper.signal.aborted) {
      let waitMs = options.idleMs ?? 1000;
      try {
        if (options.busy?.()) {
          waitMs = 50;
        } else {
          const summary = await pass();
          const failed = summary && access.failed(summary, logger);
          if (failed && !stopper.signal.aborted) {
            outages++;
            waitMs = Math.min(
              60_000,
              (options.outageWaitMs ?? 1000) * 2 ** Math.min(outages - 1, 6),
            );
            logger.warn('Plate Validation failed; permits put back, checks resume later', {
              error: failed,
              retryInMs: waitMs,
            });
          } else if (summary) {
            outages = 0;
            waitMs = 0;
          }
        }
      } catch (err) {
        logger.error('verification pass failed; trying again', { error: describeError(err) });
      }
      if (waitMs > 0) {
        await sleep(waitMs, undefined, { signal: stopper.signal }).catch(() => undefined);
      } else {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  return {
    owner,
    pass,
    start() {
      running ??= loop();
    },
    async stop() {
      stopper.abort();
      await running;
    },
  };
}
