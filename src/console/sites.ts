import { storedIdsOf, storedSiteId, type Sites } from '../sites/site';
import type { SiteHealth } from '../worker/siteGate';

/** With several sites (SITES_FILE): what the console shows of them. Undefined with one. */
export interface ConsoleSites {
  /** The configured ids, in the file's order. */
  ids: readonly string[];
  /**
   * The configured sites and DEFAULT_SITE: what a job's stored site means (sites/site.ts:
   * jobs stored as 'default' before the sites file are the default site's).
   */
  known: Pick<Sites, 'byId' | 'defaultId'>;
  /** The worker's view of each site; undefined when no worker runs in this process. */
  health: (() => SiteHealth[]) | undefined;
}

/** The jobs filter's value for jobs of no site (`~` is in no site id). */
export const NO_SITE = '~none';

/** The `site` filter as the ledger's query takes it; undefined: any site. */
export function siteQueryOf(
  value: string,
  sites: ConsoleSites | undefined,
): (string | null)[] | undefined {
  if (!sites || value === '') return undefined;
  if (value === NO_SITE) return [null];
  return [...storedIdsOf(value, sites.known)];
}

/** A job's site as an operator reads it. */
export function siteLabel(site: string | null, sites: ConsoleSites): string {
  return site === null ? 'no site' : storedSiteId(site, sites.known);
}
