import type { MappingResult } from '../domain/mapSession';
import { SiteNotConfiguredError } from '../errors';
import type { PaymentFacts } from '../domain/paymentFacts';
import type { LivePermit } from '../domain/permitLife';
import type { ClaimedJob, Job } from '../store/ledger';
import { attemptSpan, SPAN } from '../tracing/spans';
import { getTracer, type ActiveSpan } from '../tracing/tracer';
import { handleFailure } from './failure';
import {
  addToTimeline,
  heldJob,
  type HeldJob,
  type JobDeps,
  type JobHooks,
  type MappedJob,
} from './jobContext';
import { desiredPermit, livePermitOf, planPermit } from './livePermit';
import { pushNewPermit } from './pushNewPermit';
import { pushPermitChange } from './pushPermitChange';
import { writeBack, type WrittenPermit } from './writeBack';

export type { JobDeps, JobHooks } from './jobContext';

/** Steps a job may take in one claim before it is left for the next (a loop guard). */
const MAX_STEPS = 20;

/**
 * Runs a claimed job from where its ledger row says it stopped: make the permit, change it as
 * refunds and corrections require, write it back. Each step is recorded before the next, so no
 * retry repeats one that succeeded. Traced as one attempt (tracing/spans.ts).
 */
export function processJob(
  job: Job | ClaimedJob,
  deps: JobDeps,
  hooks: JobHooks = {},
): Promise<void> {
  return getTracer().inSpan(SPAN.attempt, attemptSpan(job, deps.owner), (span) =>
    runJob(job, deps, hooks, span),
  );
}

async function runJob(
  job: Job | ClaimedJob,
  jobDeps: JobDeps,
  hooks: JobHooks,
  span: ActiveSpan,
): Promise<void> {
  // The job's site's OPSCOM client, mapping and policy; a job of no site fails as unmappable.
  const routed = jobDeps.sites?.forJob(job);
  if (routed && !routed.ok && reachedOpscom(job)) {
    // Its permit went to a site no longer configured: never another site's OPSCOM instead.
    const held = heldJob(job, jobDeps, hooks);
    const error = new SiteNotConfiguredError(
      `${routed.reason}, and this payment's permit was already sent to its site's OPSCOM: no other site's is asked. Put the site back in SITES_FILE (or DEFAULT_SITE), restart, and retry the job`,
    );
    await handleFailure(held, error, held.attempts);
    return;
  }
  const deps = routed?.ok ? { ...jobDeps, ...routed.services, siteId: routed.siteId } : jobDeps;
  let current: Job | undefined = job;
  // The permit mapped at the first step; each step hands on the mapping of the job it leaves.
  let desired: MappingResult | undefined =
    routed && !routed.ok ? { kind: 'invalid', reasons: [routed.reason] } : undefined;
  // A claimed job brings its payment's facts; others (replay's) are read here.
  const claimed = 'paymentFacts' in job ? job : undefined;
  let facts: PaymentFacts | undefined = claimed?.paymentFacts;
  let factsRevision = claimed ? claimed.revision : -1;
  for (let steps = 0; current && steps < MAX_STEPS; steps++) {
    const held = heldJob(current, deps, hooks);
    try {
      if (factsRevision !== current.revision) {
        const pi = current.session.paymentIntentId;
        facts = pi === null ? undefined : await deps.ledger.getPaymentFacts(pi);
        factsRevision = current.revision;
      }
      desired ??= desiredPermit(current, deps.mapping);
      const next = await takeNextStep(held, desired, facts);
      current = next?.job;
      desired = next?.desired;
    } catch (err) {
      span.fail(err);
      await handleFailure(held, err, held.attempts);
      return;
    }
  }
  if (current) deps.logger.error('job still changing after many steps; left for its next claim');
}

/** Whether any OPSCOM call was made (or may have been) for this job: its permit has a site. */
function reachedOpscom(job: Job): boolean {
  return job.opscom !== null || job.permit !== null || job.opscomAttempts > 0;
}

/** The job's next step; resolves the job as it then stands, or undefined when this run is over. */
async function takeNextStep(
  held: HeldJob,
  desired: MappingResult,
  facts: PaymentFacts | undefined,
): Promise<MappedJob | undefined> {
  const { job, deps } = held;
  const live = livePermitOf(job);
  if (!job.opscom) return pushNewPermit(held, desired, facts);
  if (!live) {
    await flagRenewalRefund(held, job.opscom.referenceId, facts);
    return writeBackAndFinish(held, {
      referenceId: job.opscom.referenceId,
      internalReferenceId: job.opscom.internalReferenceId,
      endsAt: job.opscom.endsAt,
      status: 'active',
      replaced: null,
    });
  }
  if (desired.kind === 'permit' && desired.permit.action === 'create') {
    const change = planPermit(job, live, desired.permit, facts, deps);
    if (change.kind === 'update' || change.kind === 'delete') {
      return pushPermitChange(held, desired, live, change);
    }
  }
  if (facts?.refundFailed && live.status !== 'active') {
    await flagFailedRefund(held, live, facts.refundFailed.refundId);
  }
  return writeBackAndFinish(held, live);
}

/**
 * A renewal (or a forced update) changed a permit an earlier payment made: its refund would
 * take away time that payment bought, so it is flagged for a person, not applied.
 */
async function flagRenewalRefund(
  held: HeldJob,
  referenceId: string,
  facts: PaymentFacts | undefined,
): Promise<void> {
  if (!facts || !(facts.amountRefunded > 0 || facts.dispute)) return;
  held.log.warn('refund or dispute of a renewal: its permit was not changed; review it in OPSCOM', {
    referenceId,
  });
  await addToTimeline(held, 'permit.review', held.job.revision, {
    referenceId,
    amountRefunded: facts.amountRefunded,
    dispute: facts.dispute?.status ?? null,
  });
}

/** The money was not returned after all, but the permit is revoked already: a person decides. */
async function flagFailedRefund(held: HeldJob, live: LivePermit, refundId: string): Promise<void> {
  const detail = { refundId, referenceId: live.referenceId, status: live.status };
  held.log.error('a refund failed after its permit was revoked: the payment stands; review it', {
    ...detail,
  });
  await addToTimeline(held, 'permit.refund_failed', refundId, detail);
}

/** Writes the permit back to Stripe and finishes the job; resolves it if it must go round again. */
async function writeBackAndFinish(
  held: HeldJob,
  live: WrittenPermit,
): Promise<MappedJob | undefined> {
  const { job, deps } = held;
  if ((await writeBack(held, live)) === 'done') {
    deps.metrics?.jobOutcome('done', job.site);
    held.log.info('job done', { referenceId: live.referenceId, status: live.status });
    return undefined;
  }
  // Still pending and ours: a refund or a correction was recorded meanwhile. The job is read
  // anew, so its permit is mapped anew.
  const after = await deps.ledger.getJob(job.sessionId);
  if (after?.state !== 'pending' || after.leaseOwner !== deps.owner) return undefined;
  return { job: after, desired: desiredPermit(after, deps.mapping) };
}
