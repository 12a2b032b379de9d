import { severalSites, storedSiteId, type Sites } from '../sites/site';
import type { AlertSiteRules } from './alertSite';
import type { ConfiguredSites } from './staleAlerts';

/** Posts one message (alertWebhook); throws when it was not taken. */
export type SendAlert = (text: string) => Promise<void>;

/** What the alert monitor knows of the sites: whose alert names whom, and goes where. */
export interface AlertSites extends AlertSiteRules, ConfiguredSites {
  /** Several sites: every alert about one of them names it. One: today's words. */
  readonly named: boolean;
  /** DEFAULT_SITE (or the only site): whose token `opscom_token` is, with one site. */
  readonly defaultId: string | undefined;
  /**
   * The site a job stored (`null`: none matched) as it is configured now: jobs from before
   * the sites file say 'default', which the default site runs (as worker/siteRouter does).
   */
  siteOf(stored: string | null): string | null;
  /** Whether a site of this id is configured. */
  has(siteId: string): boolean;
  /** The site's own route (its alertWebhookUrl); undefined: ALERT_WEBHOOK_URL's. */
  routeOf(siteId: string): SendAlert | undefined;
  /** The variable the site's OPSCOM token comes from, named when OPSCOM refuses it. */
  tokenEnvOf(siteId: string): string;
  /**
   * The site whose payments a connected account's are, as intake decides it: the site with
   * that stripeAccount, else the default (without SITES_FILE, the one site takes every account).
   */
  siteOfAccount(account: string): string | undefined;
}

/** The default route and the sites' own; undefined when no alert has anywhere to go. */
export interface AlertRoutes {
  send: SendAlert | undefined;
  sites: AlertSites;
}

/**
 * Where alerts go: ALERT_WEBHOOK_URL, and each site's alertWebhookUrl for its own alerts. A site
 * with a route of its own gets its alerts though ALERT_WEBHOOK_URL is unset.
 */
export function alertRoutes(
  webhookUrl: URL | undefined,
  sites: Sites,
  webhook: (url: URL) => SendAlert,
): AlertRoutes | undefined {
  const own = new Map<string, SendAlert>();
  for (const site of sites.list) {
    if (site.alertWebhookUrl) own.set(site.id, webhook(site.alertWebhookUrl));
  }
  if (!anyAlertRoute(webhookUrl, sites)) return undefined;
  return { send: webhookUrl ? webhook(webhookUrl) : undefined, sites: alertSites(sites, own) };
}

function alertSites(sites: Sites, own: ReadonlyMap<string, SendAlert>): AlertSites {
  return {
    named: severalSites(sites),
    defaultId: sites.defaultId,
    siteOf: (stored) => (stored === null ? null : storedSiteId(stored, sites)),
    has: (siteId) => sites.byId.has(siteId),
    routeOf: (siteId) => own.get(siteId),
    tokenEnvOf: (siteId) => sites.byId.get(siteId)?.opscom.tokenEnv ?? 'OPSCOM_API_TOKEN',
    siteOfAccount: (account) => sites.byAccount.get(account) ?? sites.defaultId,
  };
}

/** Whether any alert has somewhere to go (intake records failed refunds' alerts only then). */
export function anyAlertRoute(webhookUrl: URL | undefined, sites: Pick<Sites, 'list'>): boolean {
  return webhookUrl !== undefined || sites.list.some((site) => site.alertWebhookUrl !== undefined);
}
