import type { MappingOptions, MappingResult } from '../domain/mapSession';
import type { PermitPolicy } from '../domain/permitLife';
import { describeError } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics/metrics';
import type { OpscomClient } from '../opscom/opscomClient';
import type { JobRunLedger } from '../store/callerLedgers';
import type { Job, LeaseRef } from '../store/ledger';
import type { StripeWriteBack } from '../stripe/stripeWriteBack';
import type { SiteRouter } from './siteRouter';

export interface JobDeps {
  ledger: JobRunLedger;
  opscom: OpscomClient;
  stripe: StripeWriteBack;
  mapping: MappingOptions;
  /** ON_FULL_REFUND, ON_PARTIAL_REFUND, ON_DISPUTE. */
  policy: PermitPolicy;
  owner: string;
  leaseMs: number;
  maxAgeMs: number;
  now: () => number;
  logger: Logger;
  /** Wait before the next try (default timing/backoff.ts); tests pass a short one. */
  retryDelay?: (kind: 'transient' | 'operator', attempt: number) => number;
  metrics?: Metrics;
  /**
   * Each job's site's OPSCOM client, mapping and policy (several sites); without it every job
   * runs with `opscom`, `mapping` and `policy` above.
   */
  sites?: SiteRouter;
  /** The site this job runs as (set per job from `sites`): pinned on it at its OPSCOM attempt. */
  siteId?: string;
}

/** What the worker hears from a job while it runs. */
export interface JobHooks {
  /**
   * The OPSCOM call passed its timeout and waits for a late answer: the job no longer needs
   * the worker's attention, only its socket, so the worker may start another in its place.
   */
  onInDoubt?: () => void;
}

/** Raised inside a job's run when a ledger write finds the lease taken by another process. */
export class LeaseLost extends Error {}

/** A job this worker holds the lease of, as it stands at one step: what that step needs. */
export interface HeldJob {
  job: Job;
  deps: JobDeps;
  hooks: JobHooks;
  log: Logger;
  lease(): LeaseRef;
  /** Transient failures since the last step that succeeded (the ledger resets its count too). */
  attempts: number;
}

/**
 * A job with the permit its payment and corrections ask for now (domain/mapSession.ts): mapped
 * once per run and handed from step to step, mapped again only where a step changed its inputs.
 */
export interface MappedJob {
  job: Job;
  desired: MappingResult;
}

export function heldJob(job: Job, deps: JobDeps, hooks: JobHooks): HeldJob {
  return {
    job,
    deps,
    hooks,
    log: deps.logger.child({ sessionId: job.sessionId, eventId: job.paidEventId }),
    attempts: job.attempts,
    lease: () => ({
      sessionId: job.sessionId,
      owner: deps.owner,
      now: deps.now(),
      leaseMs: deps.leaseMs,
    }),
  };
}

/**
 * Ends the job at the revision this step saw. False when it was not: the lease was lost, or a
 * correction or refund arrived meanwhile and the job must be decided again with it.
 */
export async function endJob(
  held: HeldJob,
  state: 'failed' | 'dead' | 'cancelled',
  reason: string,
): Promise<boolean> {
  const after = await held.deps.ledger.giveUp(held.lease(), state, reason, held.job.revision);
  if (after === state) return true;
  if (after !== false) {
    held.log.info('the job changed while it was being ended: it is decided again', {
      wouldBe: state,
      reason,
    });
  }
  return false;
}

/** Adds an entry to the job's timeline (an events row); losing one loses no payment: only logged. */
export async function addToTimeline(
  held: HeldJob,
  kind: string,
  key: string | number,
  detail: Record<string, unknown>,
): Promise<void> {
  const { job, deps } = held;
  const now = deps.now();
  try {
    await deps.ledger.recordNote({
      eventId: `${kind}:${job.sessionId}:${key}`,
      eventType: kind,
      sessionId: job.sessionId,
      eventCreated: Math.floor(now / 1000),
      livemode: job.livemode,
      outcome: kind,
      detail: JSON.stringify({ owner: deps.owner, ...detail }),
      receivedAt: now,
    });
  } catch (err) {
    deps.logger.warn('could not record a note', { kind, error: describeError(err) });
  }
}
