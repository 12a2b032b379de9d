import { setTimeout as sleep } from 'node:timers/promises';
import { applyCorrection } from '../domain/correction';
import { mapSession } from '../domain/mapSession';
import type { Job } from '../store/ledger';
import { replaySpan, SPAN } from '../tracing/spans';
import { getTracer } from '../tracing/tracer';
import { permitForJob } from '../worker/permitForJob';
import { processJob, type JobDeps } from '../worker/processJob';
import type { SessionOutcome } from './outcome';
import { planReplay, type ReplayPlan, type ReplayRequest, type ReplayTarget } from './planReplay';

export interface SessionReplayDeps {
  /**
   * The worker's own job runner (ledger, clients, mapping), with replay's lease owner. Its
   * lease length is also the longest wait between two rounds, and (twice) for another
   * process's lease.
   */
  job: JobDeps;
  /** What the operator asked for. */
  ask: Pick<ReplayRequest, 'force' | 'correction' | 'by'>;
  dryRun: boolean;
  /** Rounds per session when a step fails for a reason that can pass (OPSCOM down…). */
  tries: number;
}

/**
 * Replays one session: decide through the ledger (planReplay, atomically), then run the job
 * with the worker's own processJob. With --dry-run, decide without writing and say what
 * would happen. A job another process holds is waited for and reported, never run twice.
 * Traced as a trace of its own, linked to the job's, with the attempts it runs inside.
 */
export function replaySession(
  found: ReplayTarget,
  deps: SessionReplayDeps,
): Promise<SessionOutcome> {
  const tracer = getTracer();
  return tracer.inSpan(SPAN.replay, replaySpan(found.sessionId), async (span) => {
    if (tracer.enabled) span.link((await deps.job.ledger.getJob(found.sessionId))?.traceContext);
    const outcome = await replayOne(found, deps);
    span.setAttributes({ 'adapter.replay.outcome': outcome.outcome });
    return outcome;
  });
}

async function replayOne(found: ReplayTarget, deps: SessionReplayDeps): Promise<SessionOutcome> {
  let target = found;
  const { ledger, owner, leaseMs } = deps.job;
  const base = { sessionId: target.sessionId, paidVia: target.paid?.source };
  let request: ReplayRequest = { ...deps.ask, owner, leaseMs, now: deps.job.now() };
  const refused = await refusedCorrection(target, deps);
  if (refused) return { ...base, outcome: 'failed', detail: refused };
  if (deps.dryRun) {
    const existing = await ledger.getJob(target.sessionId);
    return { ...base, ...(await preview(planReplay(existing, target, request).result, deps)) };
  }

  let waitedForOther = false;
  // The operator's correction is on the job (a round recorded it): from then on it is the
  // ledger's to apply, whoever runs the job.
  let corrected = false;
  // The permit as it stood when the correction was recorded on a job another process held.
  let heldLive: Job['live'] = null;
  // How long replay waits for another process to let go of a job before reporting it.
  let busyUntil: number | undefined;
  for (let round = 1; ; round++) {
    request = { ...request, now: deps.job.now() };
    const plan = await ledger.changeJob(target.sessionId, (job, context) =>
      planReplay(job, target, request, context),
    );
    // Later rounds go on with what this one recorded (force, corrections) on the job; a round
    // that found the job busy recorded only the correction, so the next one still carries force.
    const recordedCorrection =
      request.correction !== null &&
      (plan.kind === 'claimed' ||
        (plan.kind === 'busy' && plan.corrected === true) ||
        (plan.kind === 'unpaid' && plan.corrected === true));
    if (recordedCorrection) corrected = true;
    if (plan.kind !== 'busy') request = { ...request, force: false, correction: null };
    else if (recordedCorrection) request = { ...request, correction: null };

    if (plan.kind === 'unpaid') {
      const kept = plan.corrected ? '; the correction is kept and applies once it is paid' : '';
      return { ...base, outcome: 'skipped', detail: `${unpaidDetail(plan.state)}${kept}` };
    }
    if (plan.kind === 'already_done') {
      // A correction recorded on a job another process held: that process applied it.
      if (waitedForOther && corrected && permitChanged(heldLive, plan.job?.live)) {
        return {
          ...base,
          ...describeJob(plan.job),
          outcome: 'updated',
          detail: `permit corrected by the process that held the job (${plan.job?.live?.status ?? 'active'})`,
        };
      }
      return {
        ...base,
        ...describeJob(plan.job),
        referenceId: plan.referenceId,
        outcome: 'already done',
        detail: waitedForOther
          ? 'done by another process meanwhile'
          : deps.ask.correction && !corrected
            ? 'the correction was not applied: the session has its permit but the ledger does not know it (run replay once without the correction first)'
            : plan.via === 'stripe'
              ? 'reference found in Stripe metadata; recorded in the ledger'
              : undefined,
      };
    }
    if (plan.kind === 'busy') {
      if (recordedCorrection) heldLive = plan.job.live;
      busyUntil ??= Date.now() + leaseMs * 2;
      if (!(await waitForLease(plan.job, deps, busyUntil))) {
        return {
          ...base,
          outcome: 'failed',
          detail: corrected
            ? `another process (${plan.job.leaseOwner ?? '?'}) still holds this job; the correction is recorded on it, and that process applies it`
            : `another process (${plan.job.leaseOwner ?? '?'}) still holds this job; run again later`,
        };
      }
      waitedForOther = true;
      // What Stripe's metadata said was read before the other process finished: from here
      // on the ledger is the better witness.
      target = { ...target, stripeReference: undefined };
      continue;
    }

    await processJob(plan.job, deps.job);
    const job = await ledger.getJob(target.sessionId);
    if (!job) throw new Error(`job ${target.sessionId} vanished from the ledger`);
    const described = { ...base, ...describeJob(job) };
    if (job.state === 'done') {
      const before = plan.job.live;
      if (plan.job.opscom && before && job.live && permitChanged(before, job.live)) {
        return { ...described, outcome: 'updated', detail: `permit ${job.live.status}` };
      }
      if (plan.reason === 'write_back') {
        return {
          ...described,
          outcome: 'already done',
          detail: 'write-back to Stripe finished now',
        };
      }
      if (plan.reason === 'corrected' && plan.job.opscom) {
        return {
          ...described,
          outcome: 'updated',
          detail: `permit corrected (${job.live?.status ?? 'active'})`,
        };
      }
      const updated = job.permit?.action === 'update';
      return { ...described, outcome: updated ? 'updated' : 'created' };
    }
    if (job.state === 'cancelled') {
      return {
        ...described,
        outcome: 'skipped',
        detail: job.lastError ?? unpaidDetail('cancelled'),
      };
    }
    if (job.state === 'failed' || job.state === 'dead') {
      return { ...described, outcome: 'failed', detail: job.lastError ?? job.state };
    }
    // Still pending: a step failed for a reason that can pass, or another process took it.
    if (job.leaseOwner !== null && job.leaseOwner !== owner) continue;
    if (round >= deps.tries) {
      return {
        ...described,
        outcome: 'failed',
        detail: `${job.lastError ?? 'not finished'} (left pending${corrected ? ' with the correction recorded' : ''}: a running adapter retries it, or replay it again)`,
      };
    }
    await sleep(Math.min(Math.max(job.nextRunAt - deps.job.now(), 0), leaseMs));
  }
}

/**
 * A correction that would not map (an invalid plate, a bad duration) is refused before
 * anything is recorded or sent, with the reason.
 */
async function refusedCorrection(
  target: ReplayTarget,
  deps: SessionReplayDeps,
): Promise<string | undefined> {
  const correction = deps.ask.correction;
  // A revocation needs no mapping: a permit that could never be made is simply not made.
  if (!correction || correction.revoke) return undefined;
  const existing = await deps.job.ledger.getJob(target.sessionId);
  const merged = { ...(existing?.corrections ?? {}), ...correction };
  const mapped = mapSession(
    {
      session: applyCorrection(existing?.session ?? target.session, merged),
      paidAt: target.paid?.at ?? existing?.paidAt ?? Math.floor(deps.job.now() / 1000),
    },
    deps.job.mapping,
  );
  if (mapped.kind === 'permit') return undefined;
  return `the correction was refused, nothing was sent: ${mapped.reasons.join('; ')}`;
}

/** Whether the live permit moved on from `before` (its status, end or plate). */
function permitChanged(before: Job['live'], after: Job['live'] | undefined): boolean {
  if (!after) return false;
  if (!before) return true;
  return (
    before.status !== after.status || before.endsAt !== after.endsAt || before.plate !== after.plate
  );
}

function unpaidDetail(state: string): string {
  if (state === 'awaiting_payment') return 'unpaid (waiting for the delayed payment)';
  if (state === 'payment_failed') return 'unpaid (the delayed payment failed)';
  if (state === 'cancelled') return 'refunded before its permit was made (cancelled)';
  return 'unpaid';
}

/**
 * Waits until another process's lease on the job ends, or the job moves on; false if that does
 * not happen by `until`. (An OPSCOM attempt still in flight past its lease is for changeJob to
 * judge: its owner may be waiting for a late answer, or gone.)
 */
async function waitForLease(job: Job, deps: SessionReplayDeps, until: number): Promise<boolean> {
  while (Date.now() < until) {
    await sleep(200);
    const now = await deps.job.ledger.getJob(job.sessionId);
    if (!now || now.state !== 'pending' || now.leaseOwner === null) return true;
    if ((now.leaseExpiresAt ?? 0) <= deps.job.now()) return true;
  }
  return false;
}

function describeJob(job: Job | undefined): Partial<SessionOutcome> {
  if (!job) return {};
  return {
    plate: job.live?.plate ?? job.permit?.plate,
    endsAt: job.live?.endsAt || job.opscom?.endsAt || job.permit?.endsAt,
    // The permit made, or the one an update is for.
    referenceId:
      job.opscom?.referenceId ??
      (job.permit?.action === 'update' ? job.permit.referenceId : undefined),
  };
}

/** --dry-run: what replay would do with this plan, computed with the worker's own mapping. */
async function preview(
  plan: ReplayPlan,
  deps: SessionReplayDeps,
): Promise<Partial<SessionOutcome> & Pick<SessionOutcome, 'outcome'>> {
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
  const mapped = await permitForJob(job, deps.job.ledger, deps.job.mapping);
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
