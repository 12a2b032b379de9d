import type { SessionSnapshot } from '../domain/sessionSnapshot';
import { StripeApiError } from '../errors';
import { withStripeAccount } from '../intake/sessionSite';
import {
  EventEnvelope,
  objectIdOf,
  readCheckoutSession,
  toSessionSnapshot,
  type StripeReference,
} from '../stripe/sessionPayload';
import { eachPage } from '../stripe/stripeReader';
import { paymentEventPages } from './paymentEvents';
import type { Item } from './replayItem';
import type { SessionReplayDeps } from './sessionDeps';
import {
  EVENT_RETENTION_SECONDS,
  targetFromEvent,
  targetFromListedSession,
  type ResolveDeps,
} from './resolveTargets';
import { accountsToList, type ScopeDeps } from './scope';
import type { Selector } from './selector';

/**
 * A window's pages, account after account (the platform's first). Only the last account's
 * items carry `created`: a run stopped earlier goes on over the whole window (an account
 * done twice is only `already done`), one stopped in the last from its place. A connected
 * account Stripe refuses is passed over and the run stops with it once the others are done.
 */
export async function* windowOfAccounts(
  selector: Extract<Selector, { kind: 'window' }>,
  deps: ResolveDeps,
  session: SessionReplayDeps,
  scope: ScopeDeps,
): AsyncGenerator<Item[]> {
  const accounts = accountsToList(scope);
  let refused: StripeApiError | undefined;
  for (const [index, account] of accounts.entries()) {
    // After a refused account nothing sets the run's place: its resume covers the whole window.
    const last = index === accounts.length - 1 && refused === undefined;
    const asAccount = { ...deps, account, search: undefined };
    const pages = windowPages(selector.since, selector.until, asAccount, session, scope);
    try {
      for await (const page of pages) {
        yield last ? page : page.map((item) => ({ ...item, created: undefined }));
      }
    } catch (err) {
      // Stripe refusing the platform one connected account (disconnected, a wrong id) holds up
      // only that account: the others are replayed, then the run stops with its refusal.
      if (account === undefined || !(err instanceof StripeApiError) || err.kind !== 'operator') {
        throw err;
      }
      refused ??= err;
    }
  }
  if (refused) throw refused;
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
  scope: ScopeDeps,
): AsyncGenerator<Item[]> {
  // An hour's margin so that a page listed now is not missing events Stripe is dropping.
  const eventsFrom = Math.max(since, deps.nowSeconds() - EVENT_RETENTION_SECONDS + 3600);
  const seen = new Set<string>();
  if (until >= eventsFrom) {
    yield* eventPages({ gte: eventsFrom, lte: until }, deps, { session, scope }, seen);
  }
  if (since < eventsFrom) {
    yield* listedPages({ gte: since, lte: Math.min(until, eventsFrom - 1) }, deps, seen);
  }
}

/** The window's part within Stripe's 30 days of events: refunds and disputes, then payments. */
async function* eventPages(
  range: { gte: number; lte: number },
  deps: ResolveDeps,
  { session, scope }: { session: SessionReplayDeps; scope: ScopeDeps },
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
  for await (const page of paymentEventPages(range, deps, session, scope)) {
    const fresh = page.filter((item) => !seen.has(item.key));
    for (const item of fresh) seen.add(item.key);
    yield fresh;
  }
  for await (const data of eachPage((after) =>
    deps.readers(deps.account).listSessionEvents(range, after),
  )) {
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
        listed: sessionOfEvent(event.data, deps.account),
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
  for await (const data of eachPage((after) =>
    deps.readers(deps.account).listCompleteSessions(range, after),
  )) {
    const items: Item[] = [];
    for (const raw of data) {
      const { id, created } = (raw ?? {}) as { id?: unknown; created?: unknown };
      if (typeof id !== 'string' || seen.has(id)) continue;
      seen.add(id);
      const read = readCheckoutSession(raw);
      items.push({
        key: id,
        created: typeof created === 'number' ? created : undefined,
        listed: read.ok ? stamped(read.session, deps.account) : undefined,
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
  for await (const data of eachPage((after) =>
    deps.readers(deps.account).listCompleteSessions(range, after),
  )) {
    for (const raw of data) {
      const read = readCheckoutSession(raw);
      if (read.ok) references.set(read.session.id, read.reference);
    }
  }
  return references;
}

/** The session an event carries, with the account it was listed as (as intake stamps it). */
function sessionOfEvent(event: EventEnvelope, account: string | undefined) {
  const parsed = toSessionSnapshot(event.data.object);
  if (!parsed.ok) return undefined;
  return withStripeAccount(parsed.session, { ...event, account: event.account || account });
}

const stamped = (session: SessionSnapshot, account: string | undefined): SessionSnapshot =>
  account === undefined ? session : { ...session, stripeAccount: account };
