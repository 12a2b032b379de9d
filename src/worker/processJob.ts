import { setTimeout as sleep } from 'node:timers/promises';
import type { MappingOptions } from '../domain/mapSession';
import type { PermitRequest } from '../domain/permit';
import { AdapterError, OpscomInDoubtError, StoreError, describeError } from '../errors';
import type { Logger } from '../logger';
import type { OpscomClient } from '../opscom/opscomClient';
import type { Job, Ledger, LeaseRef } from '../store/ledger';
import type { StripeWriteBack, WriteBackMetadata } from '../stripe/stripeWriteBack';
import { retryDelayMs } from './backoff';
import { permitForJob } from './permitForJob';

export interface JobDeps {
  ledger: Ledger;
  opscom: OpscomClient;
  stripe: StripeWriteBack;
  mapping: MappingOptions;
  owner: string;
  leaseMs: number;
  maxAgeMs: number;
  now: () => number;
  logger: Logger;
  /** Wait before the next try (default worker/backoff.ts); tests pass a short one. */
  retryDelay?: (kind: 'transient' | 'operator', attempt: number) => number;
}

/** What the worker hears from a job while it runs. */
export interface JobHooks {
  /**
   * The OPSCOM call passed its timeout and waits for a late answer: the job no longer needs
   * the worker's attention, only its socket, so the worker may start another in its place.
   */
  onInDoubt?: () => void;
}

/** Raised inside processJob when a ledger write finds the lease taken by another process. */
class LeaseLost extends Error {}

/**
 * Runs a claimed job from where its ledger row says it stopped: map → OPSCOM → write the
 * reference into the Checkout Session → into the PaymentIntent. Each step's result is stored
 * before the next begins, so a retry (here or in another process after a crash) never repeats
 * a step that succeeded. This is the one place that decides retry, fail or give up.
 */
export async function processJob(job: Job, deps: JobDeps, hooks: JobHooks = {}): Promise<void> {
  const log = deps.logger.child({ sessionId: job.sessionId, eventId: job.paidEventId });
  const lease = (): LeaseRef => ({
    sessionId: job.sessionId,
    owner: deps.owner,
    now: deps.now(),
    leaseMs: deps.leaseMs,
  });
  // Transient failures since the last step that succeeded (the ledger resets its count too).
  let attempts = job.attempts;
  const stored = (ok: boolean): void => {
    if (!ok) throw new LeaseLost();
    attempts = 0;
  };
  try {
    let opscom = job.opscom;
    if (!opscom) {
      if (job.opscomStartedAt !== null) await noteTakeover(job, deps, log);
      const permit = await mapJob(job, deps, lease());
      if (!permit) return;
      if (!(await deps.ledger.startOpscomAttempt(lease(), permit))) throw new LeaseLost();
      // From here until endOpscomAttempt the job is ours for as long as this process lives;
      // the attempt's outcome, whatever it is, is recorded before it is let go.
      try {
        opscom = await pushPermit(job, permit, deps, log, hooks, lease);
        attempts = 0;
      } catch (err) {
        await handleFailure(job, deps, log, err, lease, attempts);
        return;
      } finally {
        await deps.ledger.endOpscomAttempt(job.sessionId, deps.owner);
      }
    }

    const metadata: WriteBackMetadata = {
      opscom_reference_id: opscom.referenceId,
      opscom_internal_reference_id: opscom.internalReferenceId ?? '',
      opscom_end_time: opscom.endsAt,
    };
    const paymentIntentId = job.session.paymentIntentId;
    const piPending = paymentIntentId !== null && job.paymentIntentWrittenAt === null;
    // The key names the session, the target, the reference and the round: a retry of the same
    // write is replayed by Stripe, while a later write (another reference, or the same one
    // written again by replay) is a new request that Stripe applies.
    const round = job.writeBackRound === 0 ? '' : `:round-${job.writeBackRound}`;
    const key = (target: string) =>
      `opscom-writeback:${job.sessionId}:${target}:${opscom.referenceId}${round}`;
    if (job.sessionWrittenAt === null) {
      await deps.stripe.updateSession(job.sessionId, metadata, key('session'));
      stored(await deps.ledger.recordWriteBack(lease(), 'session', !piPending));
    }
    if (paymentIntentId !== null && piPending) {
      await deps.stripe.updatePaymentIntent(paymentIntentId, metadata, key('payment_intent'));
      stored(await deps.ledger.recordWriteBack(lease(), 'payment_intent', true));
    }
    if (job.sessionWrittenAt !== null && !piPending) {
      // Every step was already stored; only the final state was missing.
      stored(await deps.ledger.recordWriteBack(lease(), 'session', true));
    }
    log.info('job done', { referenceId: opscom.referenceId });
  } catch (err) {
    await handleFailure(job, deps, log, err, lease, attempts);
  }
}

/**
 * Sends the permit (the attempt is already marked in flight) and records OPSCOM's answer. A
 * slow answer is waited for (OPSCOM_GRACE_MS) and recorded when it comes; an answer that is
 * lost is noted, since the retry that follows may make a second permit.
 */
async function pushPermit(
  job: Job,
  permit: PermitRequest,
  deps: JobDeps,
  log: Logger,
  hooks: JobHooks,
  lease: () => LeaseRef,
): Promise<NonNullable<Job['opscom']>> {
  const attempt = job.opscomAttempts + 1;
  const sentAt = deps.now();
  let slow = false;
  const onSlow = () => {
    slow = true;
    log.warn('OPSCOM has not answered yet: the attempt is in doubt, not failed; still listening', {
      opscomAttempt: attempt,
      waitedMs: deps.now() - sentAt,
    });
    hooks.onInDoubt?.();
  };
  let result;
  try {
    result =
      permit.action === 'create'
        ? await deps.opscom.createPermit(permit, { onSlow })
        : await deps.opscom.updatePermit(permit, { onSlow });
  } catch (err) {
    if (err instanceof OpscomInDoubtError) {
      log.error('OPSCOM answer lost: the retry may make a second permit; check OPSCOM', {
        opscomAttempt: attempt,
        error: err.message,
      });
      await note(job, deps, 'opscom.answer_lost', attempt, { error: err.message });
    }
    throw err;
  }
  const answer = { ...result, endsAt: permit.endsAt };
  const recorded = await holdUntilRecorded(
    () => deps.ledger.recordOpscomResult(lease(), attempt, answer),
    log,
    answer.referenceId,
  );
  if (!recorded) throw new LeaseLost();
  const at = deps.now();
  log.info('permit pushed to OPSCOM', {
    action: permit.action,
    referenceId: result.referenceId,
    plate: permit.plate,
    endTime: permit.endTime,
    opscomAttempt: attempt,
    ...(slow ? { lateAnswerAfterMs: at - sentAt } : {}),
  });
  if (slow) {
    await note(job, deps, 'opscom.late_answer', attempt, {
      referenceId: result.referenceId,
      afterMs: at - sentAt,
    });
  }
  return { ...answer, at };
}

/** The attempt before this one was in flight when its owner went away: say so, for the record. */
async function noteTakeover(job: Job, deps: JobDeps, log: Logger): Promise<void> {
  log.error(
    'taking over a job whose OPSCOM attempt was in flight when its owner went away: if OPSCOM made that permit, the next attempt makes a second; check OPSCOM',
    { opscomAttempt: job.opscomAttempts, startedAt: job.opscomStartedAt },
  );
  await note(job, deps, 'opscom.taken_over', job.opscomAttempts, {
    startedAt: job.opscomStartedAt,
  });
}

/** An events row for the record; losing one loses no payment, so a failure is only logged. */
async function note(
  job: Job,
  deps: JobDeps,
  kind: string,
  attempt: number,
  detail: Record<string, unknown>,
): Promise<void> {
  const now = deps.now();
  try {
    await deps.ledger.recordNote({
      eventId: `${kind}:${job.sessionId}:${attempt}`,
      eventType: kind,
      sessionId: job.sessionId,
      eventCreated: Math.floor(now / 1000),
      livemode: job.livemode,
      outcome: kind,
      detail: JSON.stringify({ attempt, owner: deps.owner, ...detail }),
      receivedAt: now,
    });
  } catch (err) {
    deps.logger.warn('could not record a note', { kind, error: describeError(err) });
  }
}

/**
 * OPSCOM has made the permit; its answer must reach the ledger, or a retry makes a second one.
 * While the ledger is unreachable (a database restart), keep the answer and keep trying, for as
 * long as this process lives; the lease keeps other processes off the job meanwhile, and the
 * ledger takes the answer even after the lease ran out as long as no new attempt started.
 */
async function holdUntilRecorded(
  write: () => Promise<boolean>,
  log: Logger,
  referenceId: string,
): Promise<boolean> {
  let delay = 100;
  for (let tries = 1; ; tries++) {
    try {
      const ok = await write();
      if (!ok) {
        log.error(
          'OPSCOM answered, but another attempt had started meanwhile: check OPSCOM for a second permit',
          {
            referenceId,
          },
        );
      } else if (tries > 1) {
        log.info('OPSCOM answer recorded after the ledger returned', { referenceId, tries });
      }
      return ok;
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      if (tries === 1) {
        log.error(
          'OPSCOM made the permit but the ledger is unreachable; holding the answer until it returns',
          {
            referenceId,
            error: err.message,
          },
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }
}

/** The permit to send (the stored one, or the session mapped now); an unmappable job fails. */
async function mapJob(
  job: Job,
  deps: JobDeps,
  lease: LeaseRef,
): Promise<PermitRequest | undefined> {
  const mapped = await permitForJob(job, deps.ledger, deps.mapping);
  if (mapped.kind === 'permit') return mapped.permit;
  const reason = `cannot map session to a permit: ${mapped.reasons.join('; ')}`;
  await deps.ledger.giveUp(lease, 'failed', reason);
  deps.logger.warn(
    'job failed: correct it with npm run replay -- --session <id> --plate/--duration/--zone',
    { sessionId: job.sessionId, reason },
  );
  return undefined;
}

async function handleFailure(
  job: Job,
  deps: JobDeps,
  log: Logger,
  err: unknown,
  lease: () => LeaseRef,
  attempts: number,
): Promise<void> {
  if (err instanceof LeaseLost) {
    log.warn('lease lost to another process; leaving the job to it');
    return;
  }
  const message = describeError(err);
  if (err instanceof StoreError) {
    // Nothing can be recorded now; the lease expires and the job resumes from its last step.
    log.error('ledger unavailable while processing a job', { error: message });
    return;
  }
  // An error we did not classify is a bug, not bad data: keep the job and retry it.
  const kind = err instanceof AdapterError ? err.kind : 'transient';
  const at = lease();
  try {
    if (kind === 'permanent') {
      await deps.ledger.giveUp(at, 'failed', message);
      log.error('job failed permanently', { error: message });
    } else if (kind === 'transient' && at.now - job.createdAt >= deps.maxAgeMs) {
      await deps.ledger.giveUp(at, 'dead', `gave up after retries: ${message}`);
      log.error('job dead: still failing after JOB_MAX_AGE_HOURS; replay it once fixed', {
        error: message,
      });
    } else {
      // Needs an operator: kept (never dead by age) and retried slowly, so that the queue
      // goes through once the configuration is fixed.
      const delay = (deps.retryDelay ?? retryDelayMs)(kind, attempts + 1);
      await deps.ledger.scheduleRetry(at, message, at.now + delay);
      log.log(
        kind === 'operator' ? 'error' : 'warn',
        kind === 'operator'
          ? 'step failed: needs an operator (see the error); will retry'
          : 'step failed; will retry',
        { error: message, retryInMs: delay, attempt: attempts + 1 },
      );
    }
  } catch (storeErr) {
    log.error('could not record the failure; the lease will expire and the job resume', {
      error: message,
      storeError: describeError(storeErr),
    });
  }
}
