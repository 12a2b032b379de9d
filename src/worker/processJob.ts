import type { PaymentFacts } from '../domain/paymentFacts';
import type { ClaimedJob, Job } from '../store/ledger';
import { attemptSpan, SPAN } from '../tracing/spans';
import { getTracer, type ActiveSpan } from '../tracing/tracer';
import { changeStep } from './changeStep';
import { createStep } from './createStep';
import { handleFailure } from './failure';
import { jobRun, note, type JobDeps, type JobHooks, type JobRun } from './jobContext';
import { desiredPermit, livePermitOf, planPermit } from './livePermit';
import { writeBack, type WrittenPermit } from './writeBack';

export type { JobDeps, JobHooks } from './jobContext';

/** Steps a job may take in one claim before it is left for the next (a loop guard). */
const MAX_STEPS = 20;

/**
 * Runs a claimed job from where its ledger row says it stopped, one step at a time: make the
 * permit (or cancel it), change it as refunds, disputes and corrections require, write it into
 * the Checkout Session and the PaymentIntent. Each step's result is stored before the next
 * begins, so a retry (here or in another process after a crash) never repeats a step that
 * succeeded. A refund or correction recorded while the job runs raises its revision: the job
 * is then not finished but taken round again. Traced as one attempt (a consumer span linked
 * to what recorded the job: tracing/spans.ts).
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
  deps: JobDeps,
  hooks: JobHooks,
  span: ActiveSpan,
): Promise<void> {
  let current: Job | undefined = job;
  // A claimed job brings its payment's facts; others (replay's) are read here.
  const claimed = 'paymentFacts' in job ? job : undefined;
  let facts: PaymentFacts | undefined = claimed?.paymentFacts;
  let factsRevision = claimed ? claimed.revision : -1;
  for (let steps = 0; current && steps < MAX_STEPS; steps++) {
    const run = jobRun(current, deps, hooks);
    try {
      if (factsRevision !== current.revision) {
        const pi = current.session.paymentIntentId;
        facts = pi === null ? undefined : await deps.ledger.getPaymentFacts(pi);
        factsRevision = current.revision;
      }
      current = await step(run, facts);
    } catch (err) {
      span.fail(err);
      await handleFailure(run, err, run.attempts);
      return;
    }
  }
  if (current) deps.logger.error('job still changing after many steps; left for its next claim');
}

/** One step; resolves the job as it now stands, or undefined when this run is over. */
async function step(run: JobRun, facts: PaymentFacts | undefined): Promise<Job | undefined> {
  const { job, deps } = run;
  const live = livePermitOf(job);
  if (!job.opscom) return createStep(run, facts);

  if (live) {
    const desired = desiredPermit(job, deps.mapping);
    if (desired.kind === 'permit' && desired.permit.action === 'create') {
      const next = planPermit(job, live, desired.permit, facts, deps);
      if (next.kind === 'update' || next.kind === 'delete') return changeStep(run, live, next);
    }
    if (facts?.refundFailed && live.status !== 'active') {
      // The money was not returned after all, but the permit is already revoked: a person
      // decides (nothing is re-created by itself).
      run.log.error('a refund failed after its permit was revoked: the payment stands; review it', {
        refundId: facts.refundFailed.refundId,
        referenceId: live.referenceId,
        status: live.status,
      });
      await note(run, 'permit.refund_failed', facts.refundFailed.refundId, {
        refundId: facts.refundFailed.refundId,
        referenceId: live.referenceId,
        status: live.status,
      });
    }
    return finish(run, live);
  }
  // A renewal (or a forced update) changed a permit an earlier payment made: a refund of it is
  // not applied by itself (it would take away time that other payment bought) but flagged.
  if (facts && (facts.amountRefunded > 0 || facts.dispute)) {
    run.log.warn(
      'refund or dispute of a renewal: its permit was not changed; review it in OPSCOM',
      { referenceId: job.opscom.referenceId },
    );
    await note(run, 'permit.review', job.revision, {
      referenceId: job.opscom.referenceId,
      amountRefunded: facts.amountRefunded,
      dispute: facts.dispute?.status ?? null,
    });
  }
  return finish(run, {
    referenceId: job.opscom.referenceId,
    internalReferenceId: job.opscom.internalReferenceId,
    endsAt: job.opscom.endsAt,
    status: 'active',
    replaced: null,
  });
}

/** Writes the permit back to Stripe and finishes the job, then says whether it is done. */
async function finish(run: JobRun, live: WrittenPermit): Promise<Job | undefined> {
  const { job, deps } = run;
  if ((await writeBack(run, live)) === 'done') {
    deps.metrics?.jobOutcome('done');
    run.log.info('job done', { referenceId: live.referenceId, status: live.status });
    return undefined;
  }
  // Still pending and ours: something was recorded meanwhile (a refund, a correction).
  const after = await deps.ledger.getJob(job.sessionId);
  return after?.state === 'pending' && after.leaseOwner === deps.owner ? after : undefined;
}
