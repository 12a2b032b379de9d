import type { MappingOptions } from '../domain/mapSession';
import type { PermitPolicy } from '../domain/permitLife';
import { describeError } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics/metrics';
import type { OpscomClient } from '../opscom/opscomClient';
import type { Job, Ledger, LeaseRef } from '../store/ledger';
import type { StripeWriteBack } from '../stripe/stripeWriteBack';

export interface JobDeps {
  ledger: Ledger;
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

/** One job being run: what each step needs. */
export interface JobRun {
  job: Job;
  deps: JobDeps;
  hooks: JobHooks;
  log: Logger;
  lease(): LeaseRef;
  /** Transient failures since the last step that succeeded (the ledger resets its count too). */
  attempts: number;
}

export function jobRun(job: Job, deps: JobDeps, hooks: JobHooks): JobRun {
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
 * Ends the job (failed, dead, cancelled) at the revision this run saw. False when it was not
 * ended: the lease was lost, or something was recorded meanwhile (an operator's correction, a
 * refund), and the job is released to be decided again with it, never ended without it.
 */
export async function endJob(
  run: JobRun,
  state: 'failed' | 'dead' | 'cancelled',
  reason: string,
): Promise<boolean> {
  const after = await run.deps.ledger.giveUp(run.lease(), state, reason, run.job.revision);
  if (after === state) return true;
  if (after !== false) {
    run.log.info('the job changed while it was being ended: it is decided again', {
      wouldBe: state,
      reason,
    });
  }
  return false;
}

/** An events row for the record; losing one loses no payment, so a failure is only logged. */
export async function note(
  run: JobRun,
  kind: string,
  key: string | number,
  detail: Record<string, unknown>,
): Promise<void> {
  const { job, deps } = run;
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
