import type { PermitPolicy } from '../domain/permitLife';

/**
 * One parking operation the adapter serves: its OPSCOM client, its clock and zones, what a
 * refund does to its permits, where its alerts go, and how its payments are recognised.
 */
export interface Site {
  /** Lower-case letters, digits, `-` and `_`; what `metadata.site` names. */
  id: string;
  /** Shown to its drivers (the driver's page); OPERATOR_NAME when the file gives none. */
  name: string | undefined;
  /** Who its drivers can ask (the driver's page); SUPPORT_CONTACT when the file gives none. */
  support?: string | undefined;
  /** The Stripe connected account whose events are this site's (Connect); undefined: none. */
  stripeAccount: string | undefined;
  opscom: {
    baseUrl: URL;
    /** Its Plate Validation endpoint; undefined: OPSCOM_VALIDATE_URL, the adapter's own. */
    validateUrl?: URL | undefined;
    client: string;
    apiToken: string;
    /** The variable the token came from (named in problems, never the token itself). */
    tokenEnv: string;
    timezone: string;
    defaultZone: string | undefined;
    /** The zones its lots use; undefined accepts any well-formed zone. */
    zones: string[] | undefined;
  };
  policy: PermitPolicy;
  /** Where its alerts go; undefined: ALERT_WEBHOOK_URL, the adapter's own route. */
  alertWebhookUrl: URL | undefined;
}

/** The configured sites, and the two ways a payment names one. */
export interface Sites {
  readonly list: readonly Site[];
  readonly byId: ReadonlyMap<string, Site>;
  /** Connected account (`acct_…`) → its site's id. */
  readonly byAccount: ReadonlyMap<string, string>;
  /** DEFAULT_SITE, or the only site; undefined when several sites and none is the default. */
  readonly defaultId: string | undefined;
  /**
   * Without SITES_FILE: the one site takes every payment, whatever its `metadata.site` or
   * connected account says (a deployment from before sites changes nothing).
   */
  readonly takesEveryPayment: boolean;
}

/**
 * Several sites: what adds a site to metrics' labels, alert keys and messages, the console's
 * filter and health, and the worker's shares and pauses. One site: everything as before sites.
 */
export function severalSites(sites: Pick<Sites, 'byId'>): boolean {
  return sites.byId.size > 1;
}

/** The site id of a configuration without SITES_FILE: the OPSCOM_* variables describe it. */
export const DEFAULT_SITE_ID = 'default';

/**
 * What a stored site id means: jobs from before the sites file are stored as 'default', the
 * default site's unless a site has that id.
 */
export function storedSiteId(stored: string, sites: Pick<Sites, 'byId' | 'defaultId'>): string {
  return stored === DEFAULT_SITE_ID && !sites.byId.has(stored)
    ? (sites.defaultId ?? stored)
    : stored;
}

/**
 * The stored values that mean site `siteId` (the inverse of storedSiteId): itself, and
 * 'default' when it is the default site and no site has that id. A filter or a claim's skip
 * list asks for these.
 */
export function storedIdsOf(
  siteId: string,
  sites: Pick<Sites, 'byId' | 'defaultId'>,
): readonly string[] {
  return siteId !== DEFAULT_SITE_ID && storedSiteId(DEFAULT_SITE_ID, sites) === siteId
    ? [siteId, DEFAULT_SITE_ID]
    : [siteId];
}

export function indexSites(
  list: readonly Site[],
  defaultId: string | undefined,
  takesEveryPayment = false,
): Sites {
  const byAccount = new Map<string, string>();
  for (const site of list) if (site.stripeAccount) byAccount.set(site.stripeAccount, site.id);
  return {
    list,
    byId: new Map(list.map((site) => [site.id, site])),
    byAccount,
    defaultId: defaultId ?? (list.length === 1 ? list[0]?.id : undefined),
    takesEveryPayment,
  };
}
