import type { SessionSnapshot } from '../domain/sessionSnapshot';
import { siteOfSession } from '../intake/sessionSite';
import { siteOfJob, type JobSiteClues } from '../sites/jobSite';
import { DEFAULT_SITE_ID, type Sites } from '../sites/site';
import type { Job } from '../store/ledger';
import type { ReplayLedger } from '../store/callerLedgers';
import type { Resolution, ResolveDeps } from './sessionRead';
import type { Scope } from './selector';

/** What a run leaves alone as outside its --site/--account: sessions, refund/dispute events. */
export type LeftOutKind = 'session' | 'event';

/** What deciding a session's site and the run's --site/--account need. */
export interface ScopeDeps {
  scope: Scope;
  /** The configured sites (undefined: one site, every payment the default's). */
  sites: Sites | undefined;
  /**
   * Told of what is left out as outside the scope; `listed`: it was already counted as found
   * (it could only be placed once resolved).
   */
  leftOut?: ((kind: LeftOutKind, count: number, listed: boolean) => void) | undefined;
}

/** Whether the run is limited by --site or --account. */
export const isScoped = (deps: ScopeDeps) =>
  deps.scope.site !== undefined || deps.scope.account !== undefined;

/** The accounts a window lists: the platform's and each configured account's, or the scope's. */
export function accountsToList(deps: ScopeDeps): Array<string | undefined> {
  if (deps.scope.account !== undefined) return [deps.scope.account];
  // A site's payments: the platform's naming it (metadata.site, destination charges), and its
  // connected account's (direct charges) when it has one.
  if (deps.scope.site !== undefined) {
    const account = deps.sites?.byId.get(deps.scope.site)?.stripeAccount;
    return account === undefined ? [undefined] : [undefined, account];
  }
  return [undefined, ...(deps.sites?.byAccount.keys() ?? [])];
}

/**
 * A ledger job's site as the worker routes it (sites/jobSite.ts: a job stored as 'default'
 * before the sites file is the default site's); null: no configured site.
 */
export function siteIdOfJob(job: JobSiteClues, deps: ScopeDeps): string | null {
  if (deps.sites === undefined) return DEFAULT_SITE_ID;
  const decided = siteOfJob(job, deps.sites);
  return decided.ok ? decided.siteId : null;
}

/** A ledger job is of the scope: its account and its site (a job's site never changes). */
export function jobInScope(job: JobSiteClues, deps: ScopeDeps): boolean {
  const { account, site } = deps.scope;
  if (account !== undefined && (job.session.stripeAccount ?? undefined) !== account) return false;
  return site === undefined || siteIdOfJob(job, deps) === site;
}

/** A session (its job if the ledger has one, else as intake would place it) is of the scope. */
export function sessionInScope(
  session: SessionSnapshot,
  job: JobSiteClues | undefined,
  deps: ScopeDeps,
): boolean {
  if (job !== undefined) return jobInScope(job, deps);
  const { account, site } = deps.scope;
  if (account !== undefined && (session.stripeAccount ?? undefined) !== account) return false;
  return site === undefined || siteOfSession(session, deps.sites) === site;
}

/**
 * Whether a session a window listed is of the scope, as far as the listing tells (the ledger's
 * job, else the listed session): decided before its replay, so that the run's total counts
 * only what it is about and no Stripe read is spent on the rest. Without a listed session or
 * a job it is kept, and decided once resolved.
 */
export async function listedInScope(
  sessionId: string,
  listed: SessionSnapshot | undefined,
  ledger: ReplayLedger,
  deps: ScopeDeps,
): Promise<boolean> {
  if (!isScoped(deps)) return true;
  const job = await jobIfSiteScoped(sessionId, ledger, deps);
  const session = listed ?? job?.session;
  return session === undefined || sessionInScope(session, job, deps);
}

// Only a --site needs the job (its stored site); an account is on the session itself.
function jobIfSiteScoped(
  sessionId: string,
  ledger: ReplayLedger,
  deps: ScopeDeps,
): Promise<Job | undefined> {
  return deps.scope.site === undefined ? Promise.resolve(undefined) : ledger.getJob(sessionId);
}

/**
 * The resolution with its session's site (a job replay creates gets it, as intake's would),
 * or left out when outside the scope: `explicit` (ids the operator named) reports it skipped.
 */
export async function scoped(
  resolution: Resolution,
  resolve: ResolveDeps,
  deps: ScopeDeps,
  explicit: boolean,
): Promise<Resolution> {
  if (!('target' in resolution)) return resolution;
  const target = resolution.target;
  const site = siteOfSession(target.session, deps.sites);
  const job = await jobIfSiteScoped(target.sessionId, resolve.ledger, deps);
  if (sessionInScope(target.session, job, deps)) return { target: { ...target, site } };
  if (!explicit) return { outOfScope: target.sessionId };
  const { account, site: wanted } = deps.scope;
  const which = account !== undefined ? `account ${account}` : `site ${wanted ?? '?'}`;
  return {
    outcome: { sessionId: target.sessionId, outcome: 'skipped', detail: `not of ${which}` },
  };
}
