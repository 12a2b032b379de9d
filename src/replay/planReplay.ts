import type { Job, JobChange, JobContext } from '../store/ledger';
import { planBusy, planFirstClaim, planUnpaid } from './planFirstClaim';
import { planUnfinishedChange, planWithoutPermit, planWithReference } from './planKnownJob';
import { planContext } from './planContext';
import type { ReplayPlan, ReplayRequest, ReplayTarget } from './planTypes';

export type { ClaimReason, PaidMoment, ReplayPlan, ReplayRequest, ReplayTarget } from './planTypes';

/**
 * Pure: given the session's job as the ledger has it (read in the same transaction that will
 * write the result) and what Stripe says, decides what replay does. It never makes a second
 * permit: a reference in the ledger or in Stripe's metadata means `already done`, or with
 * --force an update of that same reference. A job leased to another process is left to it.
 * An operator's correction is kept whatever else happens.
 */
export function planReplay(
  existing: Job | undefined,
  target: ReplayTarget,
  request: ReplayRequest,
  context: JobContext = { attemptOwnerAlive: false },
): JobChange<ReplayPlan> {
  const plan = planContext(target, request);
  if (existing && heldElsewhere(existing, request, context)) return planBusy(existing, plan);
  if (existing?.state === 'cancelled') {
    return { result: { kind: 'unpaid', state: 'cancelled' } };
  }
  const waiting = existing?.state === 'awaiting_payment' || existing?.state === 'payment_failed';
  if (!existing || waiting) {
    return target.paid ? planFirstClaim(existing, target.paid, plan) : planUnpaid(existing, plan);
  }
  const unfinished = planUnfinishedChange(existing, plan);
  if (unfinished) return unfinished;
  const reference = existing.opscom?.referenceId ?? target.stripeReference?.referenceId;
  return reference !== undefined
    ? planWithReference(existing, reference, plan)
    : planWithoutPermit(existing, plan);
}

/** A pending job another process leases, or whose OPSCOM attempt's owner may still answer. */
function heldElsewhere(existing: Job, request: ReplayRequest, context: JobContext): boolean {
  return (
    existing.state === 'pending' &&
    existing.leaseOwner !== null &&
    existing.leaseOwner !== request.owner &&
    ((existing.leaseExpiresAt ?? 0) > request.now || context.attemptOwnerAlive)
  );
}
