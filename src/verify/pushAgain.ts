import type { Job, JobChange } from '../store/ledger';
import type { PlateSeen } from '../opscom/plateValidationAnswer';
import type { Verification } from '../store/verificationLedger';
import { UNSEEN_STATES } from '../store/verificationLedger';

export type PushAgain =
  | { kind: 'queued'; how: 'update' | 'create'; referenceId: string }
  | { kind: 'refused'; why: string };

/**
 * Pure: the operator's "push again" as a change of the job, for the worker to carry out
 * (never an OPSCOM call from here). If enforcement still showed the plate with another end,
 * OPSCOM most likely still has the permit (changed there): it is sent again as an update of
 * its reference. If it showed nothing, the permit is gone (removed by staff): a new one is
 * made, and written back to Stripe. Only a settled job whose permit is unseen is taken.
 */
export function planPushAgain(
  job: Job | undefined,
  verification: Verification | undefined,
  by: string,
  now: number,
): JobChange<PushAgain> {
  if (!job || !verification || !UNSEEN_STATES.includes(verification.state)) {
    return { result: { kind: 'refused', why: 'enforcement is not known to miss this permit' } };
  }
  if (verification.state !== 'not_visible') {
    return {
      result: { kind: 'refused', why: 'this permit was deleted or ended: review it in OPSCOM' },
    };
  }
  const referenceId = job.opscom?.referenceId ?? job.live?.referenceId;
  if (job.state === 'pending' || !referenceId) {
    return { result: { kind: 'refused', why: 'the job is being worked on: try again shortly' } };
  }
  const how = showedOtherPermits(verification) ? 'update' : 'create';
  const base: Job = {
    ...job,
    state: 'pending',
    permit: null,
    opscom: null,
    sessionWrittenAt: null,
    paymentIntentWrittenAt: null,
    writeBackRound: job.writeBackRound + 1,
    attempts: 0,
    lastError: null,
    nextRunAt: now,
    leaseOwner: null,
    leaseExpiresAt: null,
    updatedAt: now,
  };
  const write: Job =
    how === 'update' ? { ...base, updateOf: referenceId } : { ...base, updateOf: null, live: null };
  return {
    result: { kind: 'queued', how, referenceId },
    write,
    note: {
      eventId: `verify:${job.sessionId}:push_again:${now}`,
      eventType: 'verify.push_again',
      sessionId: job.sessionId,
      eventCreated: Math.floor(now / 1000),
      livemode: job.livemode,
      outcome: 'verify.push_again',
      detail: JSON.stringify({ by, at: new Date(now).toISOString(), how, referenceId }),
      receivedAt: now,
    },
  };
}

function showedOtherPermits(v: Verification): boolean {
  if (!v.lastSeen) return false;
  const seen = JSON.parse(v.lastSeen) as Partial<PlateSeen>;
  return (seen.permits ?? []).some((p) => p.active !== false);
}
