import type { Job } from '../store/ledger';
import type { SessionOutcome } from './outcome';
import type { ReplayPlan } from './planTypes';

/** A session's outcome but for who it is (replaySession adds the session and how it was paid). */
export type OutcomePart = Partial<SessionOutcome> & Pick<SessionOutcome, 'outcome'>;

type Claimed = Extract<ReplayPlan, { kind: 'claimed' }>;

/** Whether the live permit moved on from `before` (its status, end or plate). */
export function permitChanged(before: Job['live'], after: Job['live'] | undefined): boolean {
  if (!after) return false;
  if (!before) return true;
  return (
    before.status !== after.status || before.endsAt !== after.endsAt || before.plate !== after.plate
  );
}

export function unpaidDetail(state: string): string {
  if (state === 'awaiting_payment') return 'unpaid (waiting for the delayed payment)';
  if (state === 'payment_failed') return 'unpaid (the delayed payment failed)';
  if (state === 'cancelled') return 'refunded before its permit was made (cancelled)';
  return 'unpaid';
}

export function describeJob(job: Job | undefined): Partial<SessionOutcome> {
  if (!job) return {};
  return {
    plate: job.live?.plate ?? job.permit?.plate,
    endsAt: job.live?.endsAt || job.opscom?.endsAt || job.permit?.endsAt,
    // The permit made, or the one an update is for.
    referenceId:
      job.opscom?.referenceId ??
      (job.permit?.action === 'update' ? job.permit.referenceId : undefined),
  };
}

/** What a claimed job that the worker's processJob took to `done` amounts to. */
export function doneOutcome(plan: Claimed, job: Job): OutcomePart {
  const described = describeJob(job);
  const before = plan.job.live;
  if (plan.job.opscom && before && job.live && permitChanged(before, job.live)) {
    return { ...described, outcome: 'updated', detail: `permit ${job.live.status}` };
  }
  if (plan.reason === 'write_back') {
    return { ...described, outcome: 'already done', detail: 'write-back to Stripe finished now' };
  }
  if (plan.reason === 'corrected' && plan.job.opscom) {
    return {
      ...described,
      outcome: 'updated',
      detail: `permit corrected (${job.live?.status ?? 'active'})`,
    };
  }
  const updated = job.permit?.action === 'update';
  return { ...described, outcome: updated ? 'updated' : 'created' };
}

/** What a claimed job that processJob left `cancelled`, `failed` or `dead` amounts to. */
export function endedOutcome(job: Job): OutcomePart | undefined {
  if (job.state === 'cancelled') {
    return {
      ...describeJob(job),
      outcome: 'skipped',
      detail: job.lastError ?? unpaidDetail('cancelled'),
    };
  }
  if (job.state === 'failed' || job.state === 'dead') {
    return { ...describeJob(job), outcome: 'failed', detail: job.lastError ?? job.state };
  }
  return undefined;
}
