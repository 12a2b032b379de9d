import type { Correction } from '../domain/correction';
import type { EventRecord, Job, JobChange } from '../store/ledger';
import type { StripeReference } from '../stripe/sessionPayload';
import type { ClaimReason, ReplayPlan, ReplayRequest, ReplayTarget } from './planTypes';

/** One planning: the session, the operator's request, and the ways a plan writes its job. */
export interface PlanContext {
  target: ReplayTarget;
  request: ReplayRequest;
  correction: Correction | null;
  /** The job's corrections with the operator's merged in (never replacing earlier ones). */
  corrections(job: Job | undefined): Job['corrections'];
  /** Takes the job for this process, to run it now, and notes why. */
  claim(job: Job, reason: ClaimReason, detail?: Record<string, unknown>): JobChange<ReplayPlan>;
  /** The events row that records this replay's action. */
  note(type: string, detail: Record<string, unknown>): EventRecord;
}

export function planContext(target: ReplayTarget, request: ReplayRequest): PlanContext {
  const { now, correction } = request;
  const note = (type: string, detail: Record<string, unknown>) =>
    replayNote(target, request, type, detail);
  return {
    target,
    request,
    correction,
    // A later --duration never drops an earlier --plate.
    corrections: (job) =>
      correction ? { ...(job?.corrections ?? {}), ...correction } : (job?.corrections ?? null),
    claim(job, reason, detail = {}) {
      const claimed: Job = {
        ...job,
        state: 'pending',
        attempts: 0,
        nextRunAt: now,
        leaseOwner: request.owner,
        leaseExpiresAt: now + request.leaseMs,
        updatedAt: now,
      };
      return {
        result: { kind: 'claimed', job: claimed, reason },
        write: claimed,
        note: note(`replay.${reason}`, detail),
      };
    },
    note,
  };
}

/** Records a reference Stripe's metadata carries as the job's permit, done. */
export function adopt(job: Job, ref: StripeReference, now: number): Job {
  return {
    ...job,
    state: 'done',
    opscom: {
      referenceId: ref.referenceId,
      internalReferenceId: ref.internalReferenceId,
      endsAt: ref.endsAt ?? '',
      at: now,
    },
    sessionWrittenAt: now,
    paymentIntentWrittenAt: job.session.paymentIntentId === null ? null : now,
    leaseOwner: null,
    leaseExpiresAt: null,
    lastError: null,
    updatedAt: now,
  };
}

/** The events row that records an operator's replay: who, when, what. */
function replayNote(
  target: ReplayTarget,
  request: ReplayRequest,
  type: string,
  detail: Record<string, unknown>,
): EventRecord {
  return {
    eventId: `replay:${request.owner}:${target.sessionId}:${request.now}`,
    eventType: type,
    sessionId: target.sessionId,
    eventCreated: Math.floor(request.now / 1000),
    livemode: target.session.livemode,
    outcome: type,
    detail: JSON.stringify({ by: request.by, at: new Date(request.now).toISOString(), ...detail }),
    receivedAt: request.now,
  };
}
