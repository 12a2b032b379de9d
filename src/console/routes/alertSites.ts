import { siteOfAlert, type AlertSiteRules } from '../../alerts/alertSite';
import type { ConsoleLedger } from '../../store/callerLedgers';
import type { Alert } from '../../store/ledger';
import { siteLabel, type ConsoleSites } from '../sites';

/**
 * Several sites: each open alert's site as an operator reads it (alert key → label), decided
 * as its message names it (alerts/alertSite.ts): `no site` for a job no site matched, empty for
 * an alert about no site (the queue, the console's logins). Undefined with one site.
 */
export async function alertSiteLabels(
  alerts: readonly Alert[],
  sites: ConsoleSites | undefined,
  ledger: Pick<ConsoleLedger, 'getJob'>,
): Promise<ReadonlyMap<string, string> | undefined> {
  if (!sites) return undefined;
  const rules: Pick<AlertSiteRules, 'defaultId' | 'siteOf'> = {
    defaultId: sites.known.defaultId,
    siteOf: (stored) => (stored === null ? null : siteLabel(stored, sites)),
  };
  // Each job read once, however many of its alerts are open (a failed job and its unseen permit).
  const jobs = new Map<string, Promise<string | null | undefined>>();
  const storedSiteOf = (sessionId: string) => {
    let site = jobs.get(sessionId);
    if (!site) jobs.set(sessionId, (site = ledger.getJob(sessionId).then((job) => job?.site)));
    return site;
  };
  const labels = await Promise.all(
    alerts.map(async (alert) => {
      const site = await siteOfAlert(alert, rules, storedSiteOf);
      return [alert.key, site === undefined ? '' : (site ?? 'no site')] as const;
    }),
  );
  return new Map(labels);
}
