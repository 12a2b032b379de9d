import type { Alert } from '../store/ledger';

/** OPSCOM refusing a site's token (alertMonitor); `opscom_token:<site>` with several sites. */
export const TOKEN_KEY = 'opscom_token';
/** Plate Validation refusing a site's token or client code (verify/); keyed like the token's. */
export const VALIDATION_KEY = 'opscom_validation';
/**
 * Stripe refusing the platform access to a connected account on write-backs (alertMonitor):
 * the account's site's condition, keyed like the token's.
 */
export const STRIPE_ACCOUNT_KEY = 'stripe_account';
/** Stripe refusing STRIPE_SECRET_KEY on write-backs: the adapter's own, no site's. */
export const STRIPE_KEY_KEY = 'stripe_access';

/** The alerts of one site's condition: keyed by the site when there are several. */
export type SiteKeyedKind = typeof TOKEN_KEY | typeof VALIDATION_KEY | typeof STRIPE_ACCOUNT_KEY;
const SITE_KEYED: ReadonlySet<string> = new Set<SiteKeyedKind>([
  TOKEN_KEY,
  VALIDATION_KEY,
  STRIPE_ACCOUNT_KEY,
]);

/** What deciding an alert's site needs to know of the configured sites. */
export interface AlertSiteRules {
  /** Several sites: a site's condition is keyed `<kind>:<site>`, and alerts name their site. */
  readonly named: boolean;
  /** DEFAULT_SITE (or the only site): whose condition a key without a site is. */
  readonly defaultId: string | undefined;
  /** The site a job stored (`null`: none matched) as configured now ('default' → the default). */
  siteOf(stored: string | null): string | null;
}

/** The key of a site's condition: the kind alone with one site, `<kind>:<site>` with several. */
export function siteAlertKey(kind: SiteKeyedKind, siteId: string | undefined, named: boolean) {
  return named && siteId !== undefined ? `${kind}:${siteId}` : kind;
}

/**
 * The site a site-keyed alert's key names: the part after `<kind>:`, or null for the kind
 * alone (one site's key); undefined when the alert is not a site's condition.
 */
export function siteInKey(alert: Pick<Alert, 'kind' | 'key'>): string | null | undefined {
  if (!SITE_KEYED.has(alert.kind)) return undefined;
  return alert.key.startsWith(`${alert.kind}:`) ? alert.key.slice(alert.kind.length + 1) : null;
}

/**
 * The one answer to "which site is this alert about", for its message (alertDelivery) and the
 * console alike: a site's condition (its token, Plate Validation, its connected account refused
 * by Stripe) names it in its key (the key alone: the default site's); an alert about a job
 * (failed, unseen, a refund) is its job's site (null: its payment matched none). Undefined: no
 * site's (the queue, the console's logins, Stripe refusing the key, a job gone with retention).
 */
export async function siteOfAlert(
  alert: Pick<Alert, 'kind' | 'key' | 'sessionId'>,
  sites: Pick<AlertSiteRules, 'defaultId' | 'siteOf'>,
  storedSiteOf: (sessionId: string) => Promise<string | null | undefined>,
): Promise<string | null | undefined> {
  const inKey = siteInKey(alert);
  if (inKey !== undefined) return inKey ?? sites.defaultId;
  if (alert.sessionId === null) return undefined;
  const stored = await storedSiteOf(alert.sessionId);
  return stored === undefined ? undefined : sites.siteOf(stored);
}
