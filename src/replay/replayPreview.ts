import { permitForJob } from '../worker/permitForJob';
import type { ReplayPlan } from './planTypes';
import type { SessionReplayDeps } from './sessionDeps';
import { describeJob, unpaidDetail, type OutcomePart } from './sessionOutcomes';
import { siteServicesOf } from './siteServices';

/** --dry-run: what replay would do with this plan, computed with the worker's own mapping. */
export async function preview(plan: ReplayPlan, deps: SessionReplayDeps): Promise<OutcomePart> {
  switch (plan.kind) {
    case 'unpaid':
      return { outcome: 'skipped', detail: unpaidDetail(plan.state) };
    case 'already_done':
      return {
        ...describeJob(plan.job),
        referenceId: plan.referenceId,
        outcome: 'already done',
        detail: plan.via === 'stripe' ? 'reference found in Stripe metadata only' : undefined,
      };
    case 'busy':
      return { outcome: 'skipped', detail: 'in progress in another process' };
    case 'claimed':
      break;
  }
  const job = plan.job;
  if (plan.reason === 'write_back') {
    return {
      ...describeJob(job),
      outcome: 'would write back',
      detail: 'permit in the ledger; Stripe metadata lacks its reference',
    };
  }
  const { mapping } = siteServicesOf(job, deps.job);
  const mapped = await permitForJob(job, deps.job.ledger, mapping);
  if (mapped.kind === 'invalid') {
    return { outcome: 'would fail', detail: `cannot map: ${mapped.reasons.join('; ')}` };
  }
  const permit = mapped.permit;
  const shown = {
    plate: permit.plate,
    endsAt: permit.endsAt,
    referenceId: permit.action === 'update' ? permit.referenceId : undefined,
  };
  if (plan.reason === 'retry_failed') {
    return {
      ...shown,
      outcome: 'would retry',
      detail: `failed in the ledger: ${job.lastError ?? job.state}`,
    };
  }
  return { ...shown, outcome: permit.action === 'update' ? 'would update' : 'would create' };
}
