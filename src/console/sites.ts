import { DEFAULT_SITE_ID } from '../sites/site';
import type { SiteHealth } from '../worker/siteGate';

/** With several sites (SITES_FILE): what the console shows of them. Undefined with one. */
export interface ConsoleSites {
  /** The configured ids, in the file's order. */
  ids: readonly string[];
  /** DEFAULT_SITE: the site of jobs stored as 'default' when no site has that id. */
  defaultId: string | undefined;
  /** The worker's view of each site; undefined when no worker runs in this process. */
  health: (() => SiteHealth[]) | undefined;
}

/** The jobs filter's value for jobs of no site (`~` is in no site id). */
export const NO_SITE = '~none';

/** Jobs from before the sites file are stored as 'default': the default site's, if none has that id. */
function aliasOf(sites: ConsoleSites): string | undefined {
  return sites.ids.includes(DEFAULT_SITE_ID) ? undefined : sites.defaultId;
}

/** The `site` filter as the ledger's query takes it; undefined: any site. */
export function siteQueryOf(
  value: string,
  sites: ConsoleSites | undefined,
): (string | null)[] | undefined {
  if (!sites || value === '') return undefined;
  if (value === NO_SITE) return [null];
  return value === aliasOf(sites) ? [value, DEFAULT_SITE_ID] : [value];
}

/** A job's site as an operator reads it. */
export function siteLabel(site: string | null, sites: ConsoleSites): string {
  if (site === null) return 'no site';
  const alias = aliasOf(sites);
  return site === DEFAULT_SITE_ID && alias ? alias : site;
}
