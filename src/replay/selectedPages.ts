import {
  EventEnvelope,
  objectIdOf,
  readCheckoutSession,
  type StripeReference,
} from '../stripe/sessionPayload';
import { eachPage } from '../stripe/stripeReader';
import { paymentEventPages } from './paymentEvents';
import type { SessionReplayDeps } from './sessionDeps';
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
import type { Selector } from './selector';

/** One session to replay; `created` (Unix seconds) places it in a --since window. */
export interface Item {
  key: string;
  created: number | undefined;
  resolve: () => Promise<Resolution>;
}

/** What the selector names, a page at a time (Stripe's pages, newest first, for a window). */
export async function* selectedPages(
  selector: Selector,
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
  if (until >= eventsFrom) yield* eventPages({ gte: eventsFrom, lte: until }, deps, session, seen);
  if (since < eventsFrom) {
    yield* listedPages({ gte: since, lte: Math.min(until, eventsFrom - 1) }, deps, seen);
  }
}

/** The window's part within Stripe's 30 days of events: refunds and disputes, then payments. */
async function* eventPages(
  range: { gte: number; lte: number },
  deps: ResolveDeps,
  session: SessionReplayDeps,
  seen: Set<string>,
): AsyncGenerator<Item[]> {
  // Stripe's metadata for every session of the window in a few list reads rather than one
  // read per session: a session is created at most 24 h before it is paid (a delayed
  // payment can take longer; such a session is read on its own).
  const withReferences = {
    ...deps,
    references: await referencesOf({ gte: range.gte - 25 * 3600, lte: range.lte }, deps),
  };
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

/** The window's part older than Stripe's events: complete Checkout Sessions, listed. */
async function* listedPages(
  range: { gte: number; lte: number },
  deps: ResolveDeps,
  seen: Set<string>,
): AsyncGenerator<Item[]> {
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
