import type { LivePermit, PermitStatus } from '../domain/permitLife';
import type { PermitRequest } from '../domain/permit';
import type { PaymentFacts } from '../domain/paymentFacts';
import type { PermitTrigger } from '../metrics/metrics';
import type { Job } from '../store/ledger';
import { endJob, LeaseLost, note, type JobRun } from './jobContext';
import { callOpscom, holdUntilRecorded, noteTakeover } from './opscomCall';
import { desiredPermit, planPermit } from './livePermit';
import { permitForJob } from './permitForJob';

/**
 * The step that makes a session's permit: its first create (or, after a zone correction, the
 * replacement's; or a renewal's update of another permit). A payment that must have no permit
 * (refunded or disputed before OPSCOM was ever called) is cancelled instead, and one partly
 * refunded first is created shortened. The request is fixed from the first attempt on: a
 * retry sends the same one, so that OPSCOM sees the same permit twice, never two. Resolves
 * the job as it now stands, or undefined when it is over for this run.
 */
export async function createStep(
  run: JobRun,
  facts: PaymentFacts | undefined,
): Promise<Job | undefined> {
  const { job, deps, log } = run;
  if (job.opscomStartedAt !== null) await noteTakeover(run);
  if (job.corrections?.revoke && job.opscomAttempts === 0 && job.updateOf === null) {
    return cancel(
      run,
      `revoked by ${job.corrections.by} before its permit was made: none was created`,
    );
  }
  const mapped = await permitForJob(job, deps.ledger, deps.mapping);
  if (mapped.kind === 'invalid') {
    const reason = `cannot map session to a permit: ${mapped.reasons.join('; ')}`;
    if (!(await endJob(run, 'failed', reason))) return undefined;
    await note(run, 'job.failed', deps.now(), { error: reason });
    deps.metrics?.jobOutcome('failed');
    log.warn(
      'job failed: correct it with npm run replay -- --session <id> --plate/--duration/--zone',
      {
        reason,
      },
    );
    return undefined;
  }
  let permit: PermitRequest = mapped.permit;
  let status: PermitStatus = 'active';
  // What the payment says now (never the stored request: that one may be shortened already).
  const desired = desiredPermit(job, deps.mapping);
  if (
    permit.action === 'create' &&
    job.updateOf === null &&
    desired.kind === 'permit' &&
    desired.permit.action === 'create'
  ) {
    const step = planPermit(job, null, desired.permit, facts, deps);
    if (step.kind === 'cancel' && job.opscomAttempts === 0) {
      return cancel(run, `${step.why} before its permit was made: none was created`);
    }
    // A first attempt takes the plan's request; a retry keeps the one already sent.
    if (step.kind === 'create' && (job.permit === null || step.permit.endsAt === permit.endsAt)) {
      permit = job.permit === null ? step.permit : permit;
      status = step.status;
    }
  }
  const replaced = job.live?.status === 'replaced' ? job.live.referenceId : null;
  if (replaced) status = 'replaced';

  if (!(await deps.ledger.startOpscomAttempt(run.lease(), permit))) throw new LeaseLost();
  // From here until endOpscomAttempt the job is ours for as long as this process lives.
  try {
    const attempt = job.opscomAttempts + 1;
    const request = permit;
    const { answer, lateAfterMs, at } = await callOpscom(run, request.action, attempt, (o) =>
      request.action === 'create'
        ? deps.opscom.createPermit(request, o)
        : deps.opscom.updatePermit(request, o),
    );
    const live: LivePermit | undefined =
      request.action === 'create'
        ? {
            referenceId: answer.referenceId,
            internalReferenceId: answer.internalReferenceId,
            plate: request.plate,
            zone: request.zone,
            startTime: request.startTime,
            endTime: request.endTime,
            endsAt: request.endsAt,
            amount: request.amount,
            currency: request.currency,
            status,
            replaced,
          }
        : undefined;
    const result = { ...answer, endsAt: request.endsAt, ...(live ? { live } : {}) };
    const recorded = await holdUntilRecorded(
      run,
      () => deps.ledger.recordOpscomResult(run.lease(), attempt, result),
      answer.referenceId,
    );
    if (!recorded) throw new LeaseLost();
    if (request.action === 'create' && job.opscom === null && !replaced) {
      const paidAt = (job.paidAt ?? job.createdAt / 1000) * 1000;
      deps.metrics?.permitMade(
        triggerOf(job, deps.owner),
        (at - paidAt) / 1000,
        (at - job.createdAt) / 1000,
      );
    }
    log.info('permit pushed to OPSCOM', {
      action: request.action,
      referenceId: answer.referenceId,
      plate: request.plate,
      endTime: request.endTime,
      opscomAttempt: attempt,
      ...(status === 'active' ? {} : { status }),
      ...(lateAfterMs === undefined ? {} : { lateAnswerAfterMs: lateAfterMs }),
    });
    if (lateAfterMs !== undefined) {
      await note(run, 'opscom.late_answer', attempt, {
        attempt,
        referenceId: answer.referenceId,
        afterMs: lateAfterMs,
      });
    }
    run.attempts = 0;
    return {
      ...job,
      permit: request,
      opscomAttempts: attempt,
      opscomStartedAt: null,
      opscom: { ...result, at },
      live: live ?? job.live,
      attempts: 0,
      lastError: null,
    };
  } finally {
    await deps.ledger.endOpscomAttempt(job.sessionId, deps.owner);
  }
}

/** Ends a job that must have no permit (refunded, disputed or revoked before any was made). */
async function cancel(run: JobRun, reason: string): Promise<undefined> {
  if (!(await endJob(run, 'cancelled', reason))) return undefined;
  run.deps.metrics?.jobOutcome('cancelled');
  run.log.info('job cancelled', { reason });
  return undefined;
}

/**
 * What recorded the payment: replay when replay (or the console, through it) makes the permit; the driver's page when its
 * read of Stripe recorded the payment (its events row is `page:…`); the webhook otherwise.
 */
function triggerOf(job: Job, owner: string): PermitTrigger {
  if (owner.startsWith('replay') || owner.startsWith('console')) return 'replay';
  return job.paidEventId?.startsWith('page:') ? 'page' : 'webhook';
}
