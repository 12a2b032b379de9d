import { describeError, StoreError, StripeApiError } from '../errors';
import {
  EventEnvelope,
  objectIdOf,
  readCheckoutSession,
  type StripeReference,
} from '../stripe/sessionPayload';
import { eachPage } from '../stripe/stripeReader';
import type { OutcomeKind, SessionOutcome } from './outcome';
import type { Selector } from './replayArgs';
import { paymentEventPages } from './paymentEvents';
import { replaySession, type SessionReplayDeps } from './replaySession';
import {
  EVENT_RETENTION_SECONDS,
  resolveEventId,
  resolveForCorrection,
  resolveSessionId,
  targetFromEvent,
  targetFromJob,
  targetFromListedSession,
  type Resolution,
  type ResolveDeps,
} from './resolveTargets';
import type { Reporter, RunSummary } from './report';
import { seenByEnforcement, type SeenKind } from './enforcementLeg';
import type { VerificationLedger } from '../store/verificationLedger';

/** A resolved run selector: times are Unix seconds. */
export type RunSelector =
  Exclude<Selector, { kind: 'window' }> | { kind: 'window'; since: number; until: number };

export interface RunDeps {
  resolve: ResolveDeps;
  session: SessionReplayDeps;
  /** Sessions replayed at once (the worker's concurrency: OPSCOM's limit). */
  concurrency: number;
  reporter: Reporter;
  /** How to run this command again from a given point (for the resume line). */
  command: (selector: RunSelector) => string;
  /** A dry run's third leg: what the last Plate Validation checks found (enforcementLeg.ts). */
  enforcement?: Pick<VerificationLedger, 'getVerification'> | undefined;
  /** --check-now: a check of this session's permit, made and recorded before it is read. */
  checkNow?: ((sessionId: string) => Promise<void>) | undefined;
}

// Outcomes of a dry run whose permit stands in OPSCOM: the ones enforcement should see.
const PERMITTED: ReadonlySet<OutcomeKind> = new Set([
  'already done',
  'would write back',
  'would change',
]);

/** One session to replay; `created` (Unix seconds) places it in a --since window. */
interface Item {
  key: string;
  created: number | undefined;
  resolve: () => Promise<Resolution>;
}

/**
 * Runs a replay to the end: lists what the selector names a page at a time, replays each page's
 * sessions `concurrency` at a time, and reports each. When Stripe or the ledger stays
 * unavailable (after the paced reader's retries), it stops taking new sessions, lets those in
 * flight finish, and says how to go on from there: nothing done is lost, and a session done
 * twice is only `already done` the second time.
 */
export async function runReplay(selector: RunSelector, deps: RunDeps): Promise<RunSummary> {
  const started = Date.now();
  const counts: Partial<Record<OutcomeKind, number>> = {};
  const seen: Partial<Record<SeenKind, number>> = {};
  const enforcement = deps.session.dryRun ? deps.enforcement : undefined;
  const report = async (o: SessionOutcome) => {
    if (enforcement && PERMITTED.has(o.outcome)) {
      await deps.checkNow?.(o.sessionId);
      const leg = seenByEnforcement(await enforcement.getVerification(o.sessionId));
      o = { ...o, seen: leg.seen, seenCheckedAt: leg.checkedAt };
      seen[leg.seen] = (seen[leg.seen] ?? 0) + 1;
    }
    counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
    deps.reporter.session(o);
  };
  let stopped: RunSummary['stopped'];
  // --since: the oldest `created` of the last page finished (the run's place in the window).
  let place: number | undefined;
  const unfinished: string[] = [];

  if (selector.kind === 'window') {
    const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
    deps.reporter.note(
      `Reading Stripe's Checkout Sessions and events from ${iso(selector.since)} to ${iso(selector.until)} (100 a page)…`,
    );
  }
  try {
    for await (const page of pages(selector, deps.resolve, deps.session)) {
      deps.reporter.listed(page.length);
      const error = await runPage(page, deps, report, unfinished);
      if (error) {
        stopped = { reason: error, resume: resumeCommand(selector, place, unfinished, deps) };
        break;
      }
      const oldest = Math.min(...page.map((i) => i.created ?? Infinity));
      if (Number.isFinite(oldest)) place = oldest;
    }
  } catch (err) {
    if (!isOutage(err)) throw err;
    stopped = {
      reason: outageReason(err),
      resume: resumeCommand(selector, place, unfinished, deps),
    };
  }
  return {
    counts,
    ...(enforcement ? { seen } : {}),
    elapsedMs: Date.now() - started,
    dryRun: deps.session.dryRun,
    stopped,
  };
}

const isOutage = (err: unknown) => err instanceof StripeApiError || err instanceof StoreError;
const outageReason = (err: unknown) =>
  err instanceof StoreError ? `the ledger is unavailable: ${err.message}` : describeError(err);

/** Replays one page's items, `concurrency` at a time; the outage that stopped it, if any. */
async function runPage(
  items: Item[],
  deps: RunDeps,
  report: (o: SessionOutcome) => Promise<void>,
  unfinished: string[],
): Promise<string | undefined> {
  let next = 0;
  let outage: string | undefined;
  const lane = async () => {
    while (outage === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        const resolution = await item.resolve();
        await report(
          'outcome' in resolution
            ? resolution.outcome
            : await replaySession(resolution.target, deps.session),
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
  await Promise.all(Array.from({ length: Math.min(deps.concurrency, items.length) }, lane));
  if (outage !== undefined) unfinished.push(...items.slice(next).map((i) => i.key));
  return outage;
}

function resumeCommand(
  selector: RunSelector,
  place: number | undefined,
  unfinished: string[],
  deps: RunDeps,
): string {
  switch (selector.kind) {
    case 'window':
      // Pages go newest first: everything newer than `place` is done. `until` is inclusive,
      // so the session at `place` is looked at again (and found already done).
      return deps.command({ ...selector, until: place ?? selector.until });
    case 'sessions':
    case 'events':
      return deps.command({ ...selector, ids: unfinished.length > 0 ? unfinished : selector.ids });
    case 'failed':
      return deps.command(selector);
  }
}

/** What the selector names, a page at a time (Stripe's pages, newest first, for a window). */
async function* pages(
  selector: RunSelector,
  deps: ResolveDeps,
  session: SessionReplayDeps,
): AsyncGenerator<Item[]> {
  switch (selector.kind) {
    case 'sessions': {
      // A correction is recorded first, from the ledger alone where it can be (see there).
      const correcting = session.ask.correction !== null && !session.dryRun;
      yield selector.ids.map((id) => ({
        key: id,
        created: undefined,
        resolve: () => (correcting ? resolveForCorrection(id, deps) : resolveSessionId(id, deps)),
      }));
      return;
    }
    case 'events':
      yield selector.ids.map((id) => ({
        key: id,
        created: undefined,
        resolve: () => resolveEventId(id, deps),
      }));
      return;
    case 'failed': {
      const jobs = await deps.ledger.listJobs(['failed', 'dead']);
      yield jobs.map((job) => ({
        key: job.sessionId,
        created: undefined,
        resolve: () => targetFromJob(job, deps),
      }));
      return;
    }
    case 'window':
      yield* windowPages(selector.since, selector.until, deps, session);
  }
}

/**
 * Every session paid in [since, until]: the part Stripe still has events for (30 days) from
 * the Events API (the paying event gives the exact moment of payment), the older part from
 * listing complete Checkout Sessions. A session appears once, at its newest event.
 */
async function* windowPages(
  since: number,
  until: number,
  deps: ResolveDeps,
  session: SessionReplayDeps,
): AsyncGenerator<Item[]> {
  // An hour's margin so that a page listed now is not missing events Stripe is dropping.
  const eventsFrom = Math.max(since, deps.nowSeconds() - EVENT_RETENTION_SECONDS + 3600);
  const seen = new Set<string>();
  if (until >= eventsFrom) {
    // Stripe's metadata for every session of the window in a few list reads rather than one
    // read per session: a session is created at most 24 h before it is paid (a delayed
    // payment can take longer; such a session is read on its own).
    const withReferences = {
      ...deps,
      references: await referencesOf({ gte: eventsFrom - 25 * 3600, lte: until }, deps),
    };
    const range = { gte: eventsFrom, lte: until };
    // Refunds and disputes first: the sessions they concern are then replayed with them known.
    for await (const page of paymentEventPages(range, deps, session)) {
      const fresh = page.filter((item) => !seen.has(item.key));
      for (const item of fresh) seen.add(item.key);
      yield fresh;
    }
    for await (const data of eachPage((after) => deps.reader.listSessionEvents(range, after))) {
      const items: Item[] = [];
      for (const raw of data) {
        const event = EventEnvelope.safeParse(raw);
        if (!event.success) continue;
        const id = objectIdOf(event.data) ?? event.data.id;
        if (seen.has(id)) continue;
        seen.add(id);
        items.push({
          key: id,
          created: event.data.created,
          resolve: () => targetFromEvent(event.data, withReferences),
        });
      }
      yield items;
    }
  }
  if (since < eventsFrom) {
    const range = { gte: since, lte: Math.min(until, eventsFrom - 1) };
    for await (const data of eachPage((after) => deps.reader.listCompleteSessions(range, after))) {
      const items: Item[] = [];
      for (const raw of data) {
        const { id, created } = (raw ?? {}) as { id?: unknown; created?: unknown };
        if (typeof id !== 'string' || seen.has(id)) continue;
        seen.add(id);
        items.push({
          key: id,
          created: typeof created === 'number' ? created : undefined,
          resolve: () => targetFromListedSession(raw, deps),
        });
      }
      yield items;
    }
  }
}

/** The OPSCOM reference (or none) in the metadata of every complete session in the range. */
async function referencesOf(
  range: { gte: number; lte: number },
  deps: ResolveDeps,
): Promise<Map<string, StripeReference | null>> {
  const references = new Map<string, StripeReference | null>();
  for await (const data of eachPage((after) => deps.reader.listCompleteSessions(range, after))) {
    for (const raw of data) {
      const read = readCheckoutSession(raw);
      if (read.ok) references.set(read.session.id, read.reference);
    }
  }
  return references;
}
