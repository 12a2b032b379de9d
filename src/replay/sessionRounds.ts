import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from '../store/ledger';
import { processJob } from '../worker/processJob';
import { planReplay } from './planReplay';
import type { ReplayPlan, ReplayRequest, ReplayTarget } from './planTypes';
import type { SessionReplayDeps } from './sessionDeps';
import {
  describeJob,
  doneOutcome,
  endedOutcome,
  permitChanged,
  unpaidDetail,
  type OutcomePart,
} from './sessionOutcomes';

/** What one session's rounds carry from one to the next. */
export interface Rounds {
  target: ReplayTarget;
  request: ReplayRequest;
  /** Replay waited for another process to let go of the job. */
  waitedForOther: boolean;
  /**
   * The operator's correction is on the job (a round recorded it): from then on it is the
   * ledger's to apply, whoever runs the job.
   */
  corrected: boolean;
  /** The permit as it stood when the correction was recorded on a job another process held. */
  heldLive: Job['live'];
  /** How long replay waits for another process to let go of a job before reporting it. */
  busyUntil: number | undefined;
}

type Plan<K extends ReplayPlan['kind']> = Extract<ReplayPlan, { kind: K }>;

/** One round: decide through the ledger, then act; the outcome, or undefined to go round again. */
export async function playRound(
  rounds: Rounds,
  round: number,
  deps: SessionReplayDeps,
): Promise<OutcomePart | undefined> {
  const { plan, recordedCorrection } = await planRound(rounds, deps);
  switch (plan.kind) {
    case 'unpaid': {
      const kept = plan.corrected ? '; the correction is kept and applies once it is paid' : '';
      return { outcome: 'skipped', detail: `${unpaidDetail(plan.state)}${kept}` };
    }
    case 'already_done':
      return alreadyDone(plan, rounds, deps);
    case 'busy':
      return awaitHolder(plan, recordedCorrection, rounds, deps);
    case 'claimed':
      return runClaimed(plan, round, rounds, deps);
  }
}

/** planReplay through the ledger (atomically), and what the round recorded of the request. */
async function planRound(
  rounds: Rounds,
  deps: SessionReplayDeps,
): Promise<{ plan: ReplayPlan; recordedCorrection: boolean }> {
  const request: ReplayRequest = { ...rounds.request, now: deps.job.now() };
  const target = rounds.target;
  rounds.request = request;
  const plan = await deps.job.ledger.changeJob(target.sessionId, (job, context) =>
    planReplay(job, target, request, context),
  );
  // Later rounds go on with what this one recorded (force, corrections) on the job; a round
  // that found the job busy recorded only the correction, so the next one still carries force.
  const recordedCorrection =
    request.correction !== null &&
    (plan.kind === 'claimed' ||
      (plan.kind === 'busy' && plan.corrected === true) ||
      (plan.kind === 'unpaid' && plan.corrected === true));
  if (recordedCorrection) rounds.corrected = true;
  if (plan.kind !== 'busy') rounds.request = { ...request, force: false, correction: null };
  else if (recordedCorrection) rounds.request = { ...request, correction: null };
  return { plan, recordedCorrection };
}

function alreadyDone(
  plan: Plan<'already_done'>,
  rounds: Rounds,
  deps: SessionReplayDeps,
): OutcomePart {
  // A correction recorded on a job another process held: that process applied it.
  if (rounds.waitedForOther && rounds.corrected && permitChanged(rounds.heldLive, plan.job?.live)) {
    return {
      ...describeJob(plan.job),
      outcome: 'updated',
      detail: `permit corrected by the process that held the job (${plan.job?.live?.status ?? 'active'})`,
    };
  }
  return {
    ...describeJob(plan.job),
    referenceId: plan.referenceId,
    outcome: 'already done',
    detail: rounds.waitedForOther
      ? 'done by another process meanwhile'
      : deps.ask.correction && !rounds.corrected
        ? 'the correction was not applied: the session has its permit but the ledger does not know it (run replay once without the correction first)'
        : plan.via === 'stripe'
          ? 'reference found in Stripe metadata; recorded in the ledger'
          : undefined,
  };
}

/** Another process holds the job: wait for it to let go (then go round again), or report. */
async function awaitHolder(
  plan: Plan<'busy'>,
  recordedCorrection: boolean,
  rounds: Rounds,
  deps: SessionReplayDeps,
): Promise<OutcomePart | undefined> {
  if (recordedCorrection) rounds.heldLive = plan.job.live;
  rounds.busyUntil ??= Date.now() + deps.job.leaseMs * 2;
  if (!(await waitForLease(plan.job, deps, rounds.busyUntil))) {
    return {
      outcome: 'failed',
      detail: rounds.corrected
        ? `another process (${plan.job.leaseOwner ?? '?'}) still holds this job; the correction is recorded on it, and that process applies it`
        : `another process (${plan.job.leaseOwner ?? '?'}) still holds this job; run again later`,
    };
  }
  rounds.waitedForOther = true;
  // What Stripe's metadata said was read before the other process finished: from here
  // on the ledger is the better witness.
  rounds.target = { ...rounds.target, stripeReference: undefined };
  return undefined;
}

/** Runs the claimed job with the worker's processJob; its outcome, or go round again. */
async function runClaimed(
  plan: Plan<'claimed'>,
  round: number,
  rounds: Rounds,
  deps: SessionReplayDeps,
): Promise<OutcomePart | undefined> {
  await processJob(plan.job, deps.job);
  const job = await deps.job.ledger.getJob(rounds.target.sessionId);
  if (!job) throw new Error(`job ${rounds.target.sessionId} vanished from the ledger`);
  if (job.state === 'done') return doneOutcome(plan, job);
  const ended = endedOutcome(job);
  if (ended) return ended;
  // Still pending: a step failed for a reason that can pass, or another process took it.
  if (job.leaseOwner !== null && job.leaseOwner !== deps.job.owner) return undefined;
  if (round >= deps.tries) {
    return {
      ...describeJob(job),
      outcome: 'failed',
      detail: `${job.lastError ?? 'not finished'} (left pending${rounds.corrected ? ' with the correction recorded' : ''}: a running adapter retries it, or replay it again)`,
    };
  }
  await sleep(Math.min(Math.max(job.nextRunAt - deps.job.now(), 0), deps.job.leaseMs));
  return undefined;
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
