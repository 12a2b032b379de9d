import { describeError, StoreError, StripeApiError } from '../errors';
import { seenByEnforcement, type SeenKind } from './enforcementLeg';
import type { OutcomeKind, SessionOutcome } from './outcome';
import { replaySession } from './replaySession';
import type { SessionReplayDeps } from './sessionDeps';
import type { ResolveDeps } from './resolveTargets';
import type { LeftOut, RunDeps, RunRequest, RunResult } from './runRequest';
import { isScoped, type LeftOutKind } from './scope';
import { selectedPages, type Item } from './selectedPages';
import type { Selector } from './selector';

// Outcomes of a dry run whose permit stands in OPSCOM: the ones enforcement should see.
const PERMITTED: ReadonlySet<OutcomeKind> = new Set([
  'already done',
  'would write back',
  'would change',
]);

/**
 * Runs a replay to the end: lists what the selector names a page at a time, replays each page's
 * sessions `concurrency` at a time, and tells of each. When Stripe or the ledger stays
 * unavailable (after the paced reader's retries), it stops taking new sessions, lets those in
 * flight finish, and names the selector that goes on from there: nothing done is lost, and a
 * session done twice is only `already done` the second time.
 */
export async function runReplay(request: RunRequest, deps: RunDeps): Promise<RunResult> {
  const started = Date.now();
  const tally = createTally(request, deps);
  const selector = request.selector;
  if (selector.kind === 'window') {
    deps.progress.reading?.({ since: selector.since, until: selector.until });
  }
  const stopped = await runPages(request, deps, tally);
  const scoped = isScoped({ scope: request.scope ?? {}, sites: deps.sites });
  return {
    counts: tally.counts,
    ...(request.dryRun ? { seen: tally.seen } : {}),
    ...(scoped ? { leftOut: tally.left } : {}),
    elapsedMs: Date.now() - started,
    dryRun: request.dryRun,
    stopped,
  };
}

/** What runPages tells of: each session's outcome, and what it leaves out of the scope. */
interface Tally {
  report: (o: SessionOutcome) => Promise<void>;
  leftOut: (kind: LeftOutKind, count: number, listed: boolean) => void;
}

/**
 * Counts each session's outcome (with a dry run's enforcement leg) and what is left out as
 * outside --site/--account, and passes them on.
 */
function createTally(request: RunRequest, deps: RunDeps) {
  const counts: Partial<Record<OutcomeKind, number>> = {};
  const seen: Partial<Record<SeenKind, number>> = {};
  const left: LeftOut = { sessions: 0, events: 0 };
  const leftOut = (kind: LeftOutKind, count: number, listed: boolean) => {
    left[kind === 'session' ? 'sessions' : 'events'] += count;
    deps.progress.leftOut?.(kind, count, listed);
  };
  const report = async (o: SessionOutcome) => {
    if (request.dryRun && PERMITTED.has(o.outcome)) {
      if (request.checkNow) await deps.checkNow?.(o.sessionId);
      const leg = seenByEnforcement(await deps.job.ledger.getVerification(o.sessionId));
      o = { ...o, seen: leg.seen, seenCheckedAt: leg.checkedAt };
      seen[leg.seen] = (seen[leg.seen] ?? 0) + 1;
    }
    counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
    deps.progress.session(o);
  };
  return { counts, seen, left, report, leftOut };
}

/** Every page of the selector in turn; why and where the run stopped early, if it did. */
async function runPages(
  request: RunRequest,
  deps: RunDeps,
  tally: Tally,
): Promise<RunResult['stopped']> {
  const { resolve, session } = partsOf(request, deps);
  const scope = { scope: request.scope ?? {}, sites: deps.sites, leftOut: tally.leftOut };
  const selector = request.selector;
  // --since: the oldest `created` of the last page finished (the run's place in the window).
  let place: number | undefined;
  const unfinished: string[] = [];
  try {
    for await (const page of selectedPages(selector, resolve, session, scope)) {
      deps.progress.listed(page.length);
      const error = await runPage(page, request.concurrency, session, tally, unfinished);
      if (error) return { reason: error, from: resumeFrom(selector, place, unfinished) };
      const oldest = Math.min(...page.map((i) => i.created ?? Infinity));
      if (Number.isFinite(oldest)) place = oldest;
    }
  } catch (err) {
    if (!isOutage(err)) throw err;
    return { reason: outageReason(err), from: resumeFrom(selector, place, unfinished) };
  }
  return undefined;
}

/** The request and deps as the resolving and per-session code takes them. */
function partsOf(
  request: RunRequest,
  deps: RunDeps,
): { resolve: ResolveDeps; session: SessionReplayDeps } {
  return {
    resolve: {
      readers: deps.readers,
      ledger: deps.job.ledger,
      livemode: deps.livemode,
      nowSeconds: () => Math.floor(deps.job.now() / 1000),
    },
    session: {
      job: deps.job,
      ask: { force: request.force, correction: request.correction, by: request.by },
      dryRun: request.dryRun,
      tries: request.tries,
    },
  };
}

const isOutage = (err: unknown) => err instanceof StripeApiError || err instanceof StoreError;
const outageReason = (err: unknown) =>
  err instanceof StoreError ? `the ledger is unavailable: ${err.message}` : describeError(err);

/** Replays one page's items, `concurrency` at a time; the outage that stopped it, if any. */
async function runPage(
  items: Item[],
  concurrency: number,
  session: SessionReplayDeps,
  { report, leftOut }: Tally,
  unfinished: string[],
): Promise<string | undefined> {
  let next = 0;
  let outage: string | undefined;
  const lane = async () => {
    while (outage === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        const resolution = await item.resolve();
        // Placed only once resolved: it was counted as found, and is not the scope's.
        if ('outOfScope' in resolution) {
          leftOut('session', 1, true);
          continue;
        }
        await report(
          'outcome' in resolution
            ? resolution.outcome
            : await replaySession(resolution.target, session),
        );
      } catch (err) {
        if (!isOutage(err)) {
          await report({
            sessionId: item.key,
            outcome: 'failed',
            detail: `unexpected error: ${describeError(err)}`,
          });
          continue;
        }
        outage ??= outageReason(err);
        unfinished.push(item.key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  if (outage !== undefined) unfinished.push(...items.slice(next).map((i) => i.key));
  return outage;
}

/** The selector that goes on from where a stopped run was. */
function resumeFrom(selector: Selector, place: number | undefined, unfinished: string[]): Selector {
  switch (selector.kind) {
    case 'window':
      // Pages go newest first: everything newer than `place` is done. `until` is inclusive,
      // so the session at `place` is looked at again (and found already done).
      return { ...selector, until: place ?? selector.until };
    case 'sessions':
    case 'events':
      return { ...selector, ids: unfinished.length > 0 ? [...unfinished] : selector.ids };
    case 'failed':
      return selector;
  }
}
