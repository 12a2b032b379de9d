import type { Job, JobChange } from '../store/ledger';
import { adopt, type PlanContext } from './planContext';
import type { ReplayPlan } from './planTypes';

/**
 * A change of the permit that stopped half-way, taken on as it stands; undefined when the job
 * is in the middle of none.
 */
export function planUnfinishedChange(
  existing: Job,
  plan: PlanContext,
): JobChange<ReplayPlan> | undefined {
  if (existing.updateOf !== null && !existing.opscom && existing.state === 'pending') {
    // A forced update that has not reached OPSCOM yet (an earlier round failed): go on with it.
    return plan.claim(existing, 'force', { updateOf: existing.updateOf });
  }
  if (!existing.opscom && existing.live?.status === 'replaced' && existing.state === 'pending') {
    // A zone correction between its delete and its create: Stripe's metadata still names the
    // deleted permit, so the job is taken on as it is, never "adopted" from that reference.
    return plan.claim(existing, 'corrected', { replacing: existing.live.referenceId });
  }
  return undefined;
}

/**
 * A permit exists (`reference`, from the ledger or Stripe's metadata): re-sent as an update
 * with --force, changed by a correction, adopted, written back, or already done.
 */
export function planWithReference(
  existing: Job,
  reference: string,
  plan: PlanContext,
): JobChange<ReplayPlan> {
  const { target, request, correction } = plan;
  if (request.force) {
    return plan.claim(
      {
        ...existing,
        permit: null,
        opscom: null,
        sessionWrittenAt: null,
        paymentIntentWrittenAt: null,
        lastError: null,
        updateOf: reference,
        corrections: plan.corrections(existing),
        writeBackRound: existing.writeBackRound + 1,
      },
      'force',
      { updateOf: reference, ...(correction ? { correction } : {}) },
    );
  }
  if (correction && existing.opscom) {
    // A correction of a live permit: the worker changes that permit (an update, or for a
    // zone a delete and a create), never adds a second one.
    return plan.claim(
      {
        ...existing,
        corrections: plan.corrections(existing),
        lastError: null,
        revision: existing.revision + 1,
      },
      'corrected',
      { referenceId: reference, correction },
    );
  }
  if (!existing.opscom && target.stripeReference) {
    const adopted = adopt(existing, target.stripeReference, request.now);
    return {
      result: { kind: 'already_done', referenceId: reference, via: 'stripe', job: adopted },
      write: adopted,
      note: plan.note('replay.adopt', { referenceId: reference }),
    };
  }
  return planWriteBack(existing, reference, plan);
}

/** The ledger has the permit: done, unless Stripe was asked and its metadata lacks it. */
function planWriteBack(existing: Job, reference: string, plan: PlanContext): JobChange<ReplayPlan> {
  const stripeReference = plan.target.stripeReference;
  const stripeLacksIt = stripeReference !== undefined && stripeReference?.referenceId !== reference;
  if (existing.state === 'done' && !stripeLacksIt) {
    return {
      result: { kind: 'already_done', referenceId: reference, via: 'ledger', job: existing },
    };
  }
  return plan.claim(
    {
      ...existing,
      lastError: null,
      // Done, yet Stripe lacks it: the write-back is done again, as a new request.
      ...(existing.state === 'done'
        ? {
            sessionWrittenAt: null,
            paymentIntentWrittenAt: null,
            writeBackRound: existing.writeBackRound + 1,
          }
        : {}),
    },
    'write_back',
    { referenceId: reference },
  );
}

/** No permit anywhere yet: the job is run again (retried, or with the correction). */
export function planWithoutPermit(existing: Job, plan: PlanContext): JobChange<ReplayPlan> {
  const { correction, request } = plan;
  const retrying = existing.state === 'failed' || existing.state === 'dead';
  // A correction changes the mapping, unless an earlier attempt may have made the permit
  // already (its answer lost, its owner killed): then the same request is sent again, so that
  // OPSCOM sees that permit once more rather than a second, different one, and the correction
  // is applied to the permit made (an update; a zone: a delete and a create). A failed job's
  // last attempt was refused by OPSCOM for good, so its request is mapped again.
  const mayExist = existing.opscomAttempts > 0 && existing.state !== 'failed';
  return plan.claim(
    {
      ...existing,
      permit: correction && !mayExist ? null : existing.permit,
      corrections: plan.corrections(existing),
      revision: correction ? existing.revision + 1 : existing.revision,
      // A replayed job's JOB_MAX_AGE_HOURS counts from the replay.
      createdAt: retrying ? request.now : existing.createdAt,
    },
    correction ? 'corrected' : retrying ? 'retry_failed' : 'pending',
    { previousState: existing.state, ...(correction ? { correction } : {}) },
  );
}
