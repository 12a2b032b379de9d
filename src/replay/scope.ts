import type { SiteDirectory } from '../domain/siteOf';
import { siteOfSession } from '../intake/sessionSite';
import { DEFAULT_SITE_ID } from '../sites/site';
import type { Job } from '../store/ledger';
import type { Resolution, ResolveDeps } from './sessionRead';
import type { Scope } from './selector';

/** What deciding a session's site and the run's --site/--account need. */
export interface ScopeDeps {
  scope: Scope;
  /** The configured sites (undefined: one site, every payment the default's). */
  sites: SiteDirectory | undefined;
}

/** The accounts a window lists: the platform's and each configured account's, or the scope's. */
export function accountsToList(deps: ScopeDeps): Array<string | undefined> {
  if (deps.scope.account !== undefined) return [deps.scope.account];
  // A site without an account is recognised by metadata: its payments are the platform's.
  if (deps.scope.site !== undefined) return [undefined];
  return [undefined, ...(deps.sites?.byAccount.keys() ?? [])];
}

/** A ledger job is of the scope: its account and its site (a job's site never changes). */
export function jobInScope(job: Job, deps: ScopeDeps): boolean {
  const { account, site } = deps.scope;
  if (account !== undefined && (job.session.stripeAccount ?? undefined) !== account) return false;
  return site === undefined || sameSite(job.site ?? siteOfSession(job.session, deps.sites), deps);
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
  const { account, site: wanted } = deps.scope;
  const sessionAccount = target.session.stripeAccount ?? undefined;
  let outside = account !== undefined && sessionAccount !== account;
  if (!outside && wanted !== undefined) {
    const job = await resolve.ledger.getJob(target.sessionId);
    outside = !sameSite(job ? (job.site ?? site) : site, deps);
  }
  if (!outside) return { target: { ...target, site } };
  if (!explicit) return { outOfScope: target.sessionId };
  const which = account !== undefined ? `account ${account}` : `site ${wanted ?? '?'}`;
  return {
    outcome: { sessionId: target.sessionId, outcome: 'skipped', detail: `not of ${which}` },
  };
}

// Jobs stored before the sites file are 'default': the default site's, as the router reads them.
function sameSite(site: string | null, deps: ScopeDeps): boolean {
  const wanted = deps.scope.site;
  if (site === wanted) return true;
  return (
    site === DEFAULT_SITE_ID && !deps.sites?.byId.has(site) && deps.sites?.defaultId === wanted
  );
}
