import type { Logger } from '../logger';
import { alertText } from '../domain/alertText';
import type { OperatorLedger } from '../store/ledger';
import { siteInKey, type SiteKeyedKind } from './alertSite';

/** What a site-keyed alert's key must fit: how many sites, and which. */
export interface ConfiguredSites {
  /** Several sites: keys are `<kind>:<site>`; one: the kind alone. */
  readonly named: boolean;
  has(siteId: string): boolean;
}

/**
 * Whether a site's condition alert is keyed as the configuration keys it now: with one site the
 * kind alone; with several, `<kind>:<site>` of a configured site. A move from one site to
 * several (or back), or a site taken out of SITES_FILE, leaves keys nothing raises or clears.
 */
export function fitsSites(siteInKey: string | null, sites: ConfiguredSites): boolean {
  if (!sites.named) return siteInKey === null;
  return siteInKey !== null && sites.has(siteInKey);
}

/**
 * Clears the open alerts of `kinds` whose key no longer fits the configured sites, saying so:
 * they would otherwise stay open for ever. Whatever is still true is raised again under its
 * key of now by the next check. Run once at start-up (the alert monitor's and the verifier's
 * first pass); returns the keys cleared.
 */
export async function clearStaleSiteAlerts(
  ledger: Pick<OperatorLedger, 'openAlerts' | 'clearAlert'>,
  sites: ConfiguredSites,
  kinds: readonly SiteKeyedKind[],
  deps: { now: number; logger: Logger },
): Promise<string[]> {
  const cleared: string[] = [];
  for (const alert of await ledger.openAlerts()) {
    if (!kinds.some((kind) => kind === alert.kind)) continue;
    const site = siteInKey(alert);
    if (site === undefined || fitsSites(site, sites)) continue;
    if (await ledger.clearAlert(alert.key, alertText.configurationChanged(), deps.now)) {
      cleared.push(alert.key);
    }
  }
  if (cleared.length > 0) {
    deps.logger.info('alerts cleared: their keys no longer fit the configured sites', {
      alerts: cleared,
    });
  }
  return cleared;
}
