import type { Item } from './replayItem';
import type { SessionReplayDeps } from './sessionDeps';
import {
  resolveEventId,
  resolveForCorrection,
  resolveSessionId,
  targetFromJob,
  type ResolveDeps,
} from './resolveTargets';
import { jobInScope, listedInScope, scoped, type ScopeDeps } from './scope';
import type { Selector } from './selector';
import { windowOfAccounts } from './windowListing';

export type { Item } from './replayItem';

/**
 * What the selector names within the scope (--site/--account), a page at a time (Stripe's
 * pages, newest first, for a window), each item's resolution with its session's site.
 */
export async function* selectedPages(
  selector: Selector,
  deps: ResolveDeps,
  session: SessionReplayDeps,
  scope: ScopeDeps,
): AsyncGenerator<Item[]> {
  const within = (explicit: boolean) => (item: Item) => ({
    ...item,
    resolve: async () => scoped(await item.resolve(), deps, scope, explicit),
  });
  if (selector.kind === 'window') {
    for await (const page of windowOfAccounts(selector, deps, session, scope)) {
      yield (await inScopeOnly(page, deps, scope)).map(within(false));
    }
    return;
  }
  // Ids the ledger cannot place are looked for as the scope's account, else everywhere.
  const named: ResolveDeps = {
    ...deps,
    account: scope.scope.account,
    search: scope.scope.account === undefined ? [...(scope.sites?.byAccount.keys() ?? [])] : [],
  };
  const items = await namedItems(selector, named, session, scope);
  yield items.map(within(selector.kind !== 'failed'));
}

/** --session, --event, --failed: their items (a failed job outside the scope is left out). */
async function namedItems(
  selector: Exclude<Selector, { kind: 'window' }>,
  deps: ResolveDeps,
  session: SessionReplayDeps,
  scope: ScopeDeps,
): Promise<Item[]> {
  switch (selector.kind) {
    case 'sessions': {
      // A correction is recorded first, from the ledger alone where it can be (see there).
      const correcting = session.ask.correction !== null && !session.dryRun;
      return selector.ids.map((id) => ({
        key: id,
        created: undefined,
        resolve: () => (correcting ? resolveForCorrection(id, deps) : resolveSessionId(id, deps)),
      }));
    }
    case 'events':
      return selector.ids.map((id) => ({
        key: id,
        created: undefined,
        resolve: () => resolveEventId(id, deps),
      }));
    case 'failed': {
      const all = await deps.ledger.listJobs(['failed', 'dead']);
      const jobs = all.filter((job) => jobInScope(job, scope));
      if (jobs.length < all.length) scope.leftOut?.('session', all.length - jobs.length, false);
      return jobs.map((job) => ({
        key: job.sessionId,
        created: undefined,
        resolve: () => targetFromJob(job, deps),
      }));
    }
  }
}

/**
 * A window page's items of the scope, as far as the listing tells; the others are told as
 * left out (before the page is counted as found, so that the run's total is the scope's).
 */
async function inScopeOnly(page: Item[], deps: ResolveDeps, scope: ScopeDeps): Promise<Item[]> {
  const kept = await Promise.all(
    page.map((item) => listedInScope(item.key, item.listed, deps.ledger, scope)),
  );
  const items = page.filter((_item, index) => kept[index]);
  if (items.length < page.length) scope.leftOut?.('session', page.length - items.length, false);
  return items;
}
