import { emptyJob } from '../store/jobRow';
import type { Job, JobChange } from '../store/ledger';
import { adopt, type PlanContext } from './planContext';
import type { PaidMoment, ReplayPlan } from './planTypes';

/**
 * A job another process holds: left to it. An operator's correction is still recorded on it:
 * the new revision stops the holder from finishing at the old one, so it takes the job round
 * again with the correction.
 */
export function planBusy(existing: Job, plan: PlanContext): JobChange<ReplayPlan> {
  const { correction, request } = plan;
  if (!correction) return { result: { kind: 'busy', job: existing } };
  const kept: Job = {
    ...existing,
    corrections: plan.corrections(existing),
    revision: existing.revision + 1,
    updatedAt: request.now,
  };
  return {
    result: { kind: 'busy', job: kept, corrected: true },
    write: kept,
    note: plan.note('replay.corrected', {
      correction,
      applies: `by ${existing.leaseOwner ?? 'its holder'}, which holds the job`,
    }),
  };
}

// A job replay creates gets its payment's site, as intake's would; a job keeps its own.
const siteOfNew = (existing: Job | undefined, plan: PlanContext): Partial<Job> =>
  existing === undefined && plan.target.site !== undefined ? { site: plan.target.site } : {};

/**
 * Not paid (yet): nothing to make. A correction of a payment not completed yet (a delayed
 * method) is kept on its job, so that the permit made once it is paid carries it.
 */
export function planUnpaid(existing: Job | undefined, plan: PlanContext): JobChange<ReplayPlan> {
  const { correction, target, request } = plan;
  const state = existing?.state ?? target.session.paymentStatus;
  if (!correction || (existing && existing.state !== 'awaiting_payment')) {
    return { result: { kind: 'unpaid', state } };
  }
  const base: Job = existing ?? {
    ...emptyJob(target.sessionId, request.now),
    state: 'awaiting_payment',
    livemode: target.session.livemode,
    session: target.session,
    ...siteOfNew(undefined, plan),
  };
  const kept: Job = {
    ...base,
    corrections: plan.corrections(base),
    revision: base.revision + 1,
    updatedAt: request.now,
  };
  return {
    result: { kind: 'unpaid', state, corrected: true },
    write: kept,
    note: plan.note('replay.corrected', { correction, applies: 'once paid' }),
  };
}

/**
 * Paid, and the ledger has no job yet (or one still waiting for its payment): take it on,
 * unless Stripe's metadata already names its permit.
 */
export function planFirstClaim(
  existing: Job | undefined,
  paid: PaidMoment,
  plan: PlanContext,
): JobChange<ReplayPlan> {
  const { target, request, correction } = plan;
  const fresh: Job = {
    ...(existing ?? emptyJob(target.sessionId, request.now)),
    livemode: target.session.livemode,
    session: target.session,
    paidEventId: paid.eventId,
    paidAt: paid.at,
    // A delayed payment's job may carry a correction kept while it waited (planUnpaid).
    corrections: plan.corrections(existing),
    ...siteOfNew(existing, plan),
  };
  const stripeRef = target.stripeReference;
  if (stripeRef && !request.force) {
    // Stripe carries a reference the ledger does not know (a ledger restored from an older
    // backup): record it as done, so that no later delivery makes a second permit.
    const adopted = adopt(fresh, stripeRef, request.now);
    return {
      result: {
        kind: 'already_done',
        referenceId: stripeRef.referenceId,
        via: 'stripe',
        job: adopted,
      },
      write: adopted,
      note: plan.note('replay.adopt', { referenceId: stripeRef.referenceId }),
    };
  }
  if (stripeRef) {
    return plan.claim({ ...fresh, updateOf: stripeRef.referenceId, writeBackRound: 1 }, 'force', {
      updateOf: stripeRef.referenceId,
      paidVia: paid.source,
    });
  }
  return plan.claim(fresh, correction ? 'corrected' : 'new', {
    paidVia: paid.source,
    ...(correction ? { correction } : {}),
  });
}
