import { AdapterError, StoreError, describeError } from '../errors';
import { retryDelayMs } from '../timing/backoff';
import { addToTimeline, endJob, LeaseLost, type HeldJob } from './jobContext';

/**
 * Decides what a failed step means, from the error's kind (errors.ts): permanent → failed;
 * transient → retried with backoff, dead after JOB_MAX_AGE_HOURS; operator → retried about once
 * a minute, never dead.
 * `attempts`: transient failures since the last step that succeeded.
 */
export async function handleFailure(held: HeldJob, err: unknown, attempts: number): Promise<void> {
  const { job, deps, log } = held;
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
  const at = held.lease();
  try {
    if (kind === 'permanent') {
      if (!(await endJob(held, 'failed', message))) return;
      await addToTimeline(held, 'job.failed', at.now, { error: message });
      deps.metrics?.jobOutcome('failed', job.site);
      log.error('job failed permanently', { error: message });
    } else if (kind === 'transient' && at.now - job.createdAt >= deps.maxAgeMs) {
      if (!(await endJob(held, 'dead', `gave up after retries: ${message}`))) return;
      await addToTimeline(held, 'job.dead', at.now, { error: message });
      deps.metrics?.jobOutcome('dead', job.site);
      log.error('job dead: still failing after JOB_MAX_AGE_HOURS; replay it once fixed', {
        error: message,
      });
    } else {
      const delay = (deps.retryDelay ?? retryDelayMs)(kind, attempts + 1);
      await deps.ledger.scheduleRetry(at, message, at.now + delay);
      // For the job's timeline (the console): each failed attempt with its error.
      await addToTimeline(held, 'job.retry', at.now, {
        error: message,
        attempt: attempts + 1,
        kind,
      });
      deps.metrics?.jobOutcome('retried', job.site);
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
