import type { MappingOptions, MappingResult } from '../domain/mapSession';
import type { CreatePermitRequest, PermitRequest, PermitResult } from '../domain/permit';
import type { PaymentFacts } from '../domain/paymentFacts';
import type { LivePermit, PermitStatus } from '../domain/permitLife';
import type { PermitTrigger } from '../metrics/metrics';
import type { Job } from '../store/ledger';
import { addToTimeline, endJob, LeaseLost, type HeldJob, type MappedJob } from './jobContext';
import { desiredPermit, livePermitOf, planPermit } from './livePermit';
import { callOpscom, holdUntilRecorded, reportTakeover } from './opscomCall';
import { permitForJob } from './permitForJob';

/** What the push of a new permit sends, or why it sends nothing. */
type NewPermitPlan =
  | { kind: 'send'; request: PermitRequest; status: PermitStatus }
  | { kind: 'cancel'; why: string }
  | { kind: 'invalid'; reasons: string[] };

/**
 * Makes the session's permit (its create, a zone correction's replacement, a renewal's update)
 * or cancels a payment that must have none. A retry resends the first attempt's request, so
 * OPSCOM sees one permit twice, never two. Resolves the job as it then stands.
 */
export async function pushNewPermit(
  held: HeldJob,
  desired: MappingResult,
  facts: PaymentFacts | undefined,
): Promise<MappedJob | undefined> {
  const { job } = held;
  if (job.opscomStartedAt !== null) await reportTakeover(held);
  if (job.corrections?.revoke && job.opscomAttempts === 0 && job.updateOf === null) {
    return cancelBeforePermit(held, `revoked by ${job.corrections.by}`);
  }
  const plan = await planNewPermit(held, desired, facts);
  if (plan.kind === 'invalid') return failUnmappable(held, plan.reasons);
  if (plan.kind === 'cancel') return cancelBeforePermit(held, plan.why);
  return sendNewPermit(held, desired, plan.request, plan.status);
}

/** The request to send, shortened or cancelled by refunds first when it is a plain create. */
async function planNewPermit(
  held: HeldJob,
  desired: MappingResult,
  facts: PaymentFacts | undefined,
): Promise<NewPermitPlan> {
  const { job, deps } = held;
  const mapped = await permitForJob(job, deps.ledger, deps.mapping, desired);
  if (mapped.kind === 'invalid') return mapped;
  const sent = mapped.permit;
  const asIs: NewPermitPlan = { kind: 'send', request: sent, status: 'active' };
  // The plan starts from what the payment says now, never the stored request (maybe shortened).
  if (sent.action !== 'create' || job.updateOf !== null) return asIs;
  if (desired.kind !== 'permit' || desired.permit.action !== 'create') return asIs;
  const step = planPermit(job, null, desired.permit, facts, deps);
  if (step.kind === 'cancel' && job.opscomAttempts === 0) return { kind: 'cancel', why: step.why };
  // A first attempt takes the plan's request; a retry keeps the one already sent.
  if (step.kind === 'create' && (job.permit === null || step.permit.endsAt === sent.endsAt)) {
    return { kind: 'send', request: job.permit === null ? step.permit : sent, status: step.status };
  }
  return asIs;
}

/** Sends the request to OPSCOM and records its answer; the job is ours until the call ends. */
async function sendNewPermit(
  held: HeldJob,
  desired: MappingResult,
  request: PermitRequest,
  planned: PermitStatus,
): Promise<MappedJob> {
  const { job, deps } = held;
  const replaced = job.live?.status === 'replaced' ? job.live.referenceId : null;
  const status: PermitStatus = replaced ? 'replaced' : planned;
  if (!(await deps.ledger.startOpscomAttempt(held.lease(), request, deps.siteId))) {
    throw new LeaseLost();
  }
  // From here until endOpscomAttempt the job is ours for as long as this process lives.
  try {
    const attempt = job.opscomAttempts + 1;
    const { answer, lateAfterMs, at } = await callOpscom(held, request.action, attempt, (o) =>
      request.action === 'create'
        ? deps.opscom.createPermit(request, o)
        : deps.opscom.updatePermit(request, o),
    );
    const live =
      request.action === 'create' ? liveOf(request, answer, status, replaced) : undefined;
    const result = { ...answer, endsAt: request.endsAt, ...(live ? { live } : {}) };
    const recorded = await holdUntilRecorded(
      held,
      () => deps.ledger.recordOpscomResult(held.lease(), attempt, result),
      answer.referenceId,
    );
    if (!recorded) throw new LeaseLost();
    await reportPushed(held, request, answer, { attempt, at, lateAfterMs, status, replaced });
    held.attempts = 0;
    const next: Job = {
      ...job,
      permit: request,
      opscomAttempts: attempt,
      opscomStartedAt: null,
      opscom: { ...result, at },
      live: live ?? job.live,
      attempts: 0,
      lastError: null,
    };
    return { job: next, desired: desiredOnceLive(desired, next, deps.mapping) };
  } finally {
    await deps.ledger.endOpscomAttempt(job.sessionId, deps.owner);
  }
}

/** The permit OPSCOM now has, as the create made it. */
function liveOf(
  request: CreatePermitRequest,
  answer: PermitResult,
  status: PermitStatus,
  replaced: string | null,
): LivePermit {
  const { plate, zone, startTime, endTime, endsAt, amount, currency } = request;
  const { referenceId, internalReferenceId } = answer;
  return {
    referenceId,
    internalReferenceId,
    plate,
    zone,
    startTime,
    endTime,
    endsAt,
    amount,
    currency,
    status,
    replaced,
  };
}

/**
 * The mapping accepts the zone OPSCOM already has (domain/mapSession.ts), so a push that gave the
 * job a live zone other than the one mapped (a retry's stored request) changes it: mapped again.
 */
function desiredOnceLive(desired: MappingResult, job: Job, mapping: MappingOptions): MappingResult {
  const zone = livePermitOf(job)?.zone;
  const mappedZone =
    desired.kind === 'permit' && desired.permit.action === 'create' ? desired.permit.zone : null;
  return zone === undefined || zone === mappedZone ? desired : desiredPermit(job, mapping);
}

/** Metrics, log and timeline for a permit OPSCOM took. */
async function reportPushed(
  held: HeldJob,
  request: PermitRequest,
  answer: PermitResult,
  pushed: {
    attempt: number;
    at: number;
    lateAfterMs: number | undefined;
    status: PermitStatus;
    replaced: string | null;
  },
): Promise<void> {
  const { job, deps, log } = held;
  const { attempt, at, lateAfterMs, status, replaced } = pushed;
  if (request.action === 'create' && job.opscom === null && !replaced) {
    const paidAt = (job.paidAt ?? job.createdAt / 1000) * 1000;
    const trigger = triggerOf(job, deps.owner);
    deps.metrics?.permitMade(trigger, (at - paidAt) / 1000, (at - job.createdAt) / 1000, job.site);
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
    await addToTimeline(held, 'opscom.late_answer', attempt, {
      attempt,
      referenceId: answer.referenceId,
      afterMs: lateAfterMs,
    });
  }
}

/** Ends a job whose payment must have no permit (refunded, disputed or revoked first). */
async function cancelBeforePermit(held: HeldJob, why: string): Promise<undefined> {
  const reason = `${why} before its permit was made: none was created`;
  if (!(await endJob(held, 'cancelled', reason))) return undefined;
  held.deps.metrics?.jobOutcome('cancelled', held.job.site);
  held.log.info('job cancelled', { reason });
  return undefined;
}

/** Fails a job whose payment cannot be mapped: an operator corrects it through replay. */
async function failUnmappable(held: HeldJob, reasons: string[]): Promise<undefined> {
  const { deps, log } = held;
  const reason = `cannot map session to a permit: ${reasons.join('; ')}`;
  if (!(await endJob(held, 'failed', reason))) return undefined;
  await addToTimeline(held, 'job.failed', deps.now(), { error: reason });
  deps.metrics?.jobOutcome('failed', held.job.site);
  log.warn(
    'job failed: correct it with npm run replay -- --session <id> --plate/--duration/--zone',
    {
      reason,
    },
  );
  return undefined;
}

/** What recorded the payment: replay (or the console through it), the driver's page, or the webhook. */
function triggerOf(job: Job, owner: string): PermitTrigger {
  if (owner.startsWith('replay') || owner.startsWith('console')) return 'replay';
  return job.paidEventId?.startsWith('page:') ? 'page' : 'webhook';
}
