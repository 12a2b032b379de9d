import { severalSites, storedSiteId, type Sites } from '../sites/site';

/** The `site` label of a job no configured site matched. */
export const NO_SITE = 'none';

/**
 * The `site` label the job and OPSCOM series carry. Its values are only the configured site ids
 * and `none`, so its cardinality is bounded by the sites file, never by what a payment says.
 */
export interface SiteLabel {
  /**
   * The labels to add for a site: a configured id, `null` for a job of no site, `undefined`
   * for the default site (what verification's Plate Validation calls use).
   */
  of(site: string | null | undefined): { site?: string };
}

/**
 * With one site the series keep the labels they always had (no `site`): dashboards, alert
 * rules and scrapes of single-site setups read exactly as before. With several, every series
 * names its site.
 */
export function siteLabel(
  sites: Pick<Sites, 'list' | 'byId' | 'defaultId'> | undefined,
): SiteLabel {
  if (!sites || !severalSites(sites)) return { of: () => ({}) };
  const known = (id: string | undefined) =>
    id !== undefined && sites.byId.has(id) ? id : undefined;
  return {
    of(site) {
      if (site === null) return { site: NO_SITE };
      const id = site === undefined ? known(sites.defaultId) : known(storedSiteId(site, sites));
      return { site: id ?? NO_SITE };
    },
  };
}
