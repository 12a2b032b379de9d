import { applyCorrection } from '../domain/correction';
import { mapSession } from '../domain/mapSession';
import { replaySpan, SPAN } from '../tracing/spans';
import { getTracer } from '../tracing/tracer';
import type { SessionOutcome } from './outcome';
import { planReplay } from './planReplay';
import type { ReplayTarget } from './planTypes';
import { preview } from './replayPreview';
import type { SessionReplayDeps } from './sessionDeps';
import { playRound, type Rounds } from './sessionRounds';
import { siteServicesOf } from './siteServices';

export type { SessionReplayDeps } from './sessionDeps';

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

/** A refused correction, a dry run's preview, or the rounds until the session is settled. */
async function replayOne(found: ReplayTarget, deps: SessionReplayDeps): Promise<SessionOutcome> {
  const { ledger, owner, leaseMs } = deps.job;
  const base = { sessionId: found.sessionId, paidVia: found.paid?.source };
  const request = { ...deps.ask, owner, leaseMs, now: deps.job.now() };
  const refused = await refusedCorrection(found, deps);
  if (refused) return { ...base, outcome: 'failed', detail: refused };
  if (deps.dryRun) {
    const existing = await ledger.getJob(found.sessionId);
    return { ...base, ...(await preview(planReplay(existing, found, request).result, deps)) };
  }
  const rounds: Rounds = {
    target: found,
    request,
    waitedForOther: false,
    corrected: false,
    heldLive: null,
    busyUntil: undefined,
  };
  for (let round = 1; ; round++) {
    const outcome = await playRound(rounds, round, deps);
    if (outcome) return { ...base, ...outcome };
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
    // The site's clock and zones: the job's own, else the site intake would give it.
    siteServicesOf(existing ?? { site: target.site ?? null, session: target.session }, deps.job)
      .mapping,
  );
  if (mapped.kind === 'permit') return undefined;
  return `the correction was refused, nothing was sent: ${mapped.reasons.join('; ')}`;
}
