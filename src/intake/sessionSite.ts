import type { SessionSnapshot } from '../domain/sessionSnapshot';
import { siteOf, type SiteDirectory } from '../domain/siteOf';
import { DEFAULT_SITE_ID } from '../sites/site';
import type { EventEnvelope } from '../stripe/sessionPayload';

/**
 * The snapshot as the ledger keeps it: with the connected account of a Connect event, so that
 * every later Stripe call about the session is made as that account. A platform event's
 * snapshot is left exactly as before (no `stripeAccount` key).
 */
export function withStripeAccount(session: SessionSnapshot, event: EventEnvelope): SessionSnapshot {
  // An empty `account` names no account: treated as absent rather than as an unknown one.
  const account = event.account || undefined;
  return account === undefined ? session : { ...session, stripeAccount: account };
}

/**
 * The payment's site, decided here once and stored with its job (domain/siteOf.ts): null when
 * no configured site matches (the worker fails the job with siteOf's reason). Without a
 * directory (one site, from the OPSCOM_* variables) every payment is the default site's.
 */
export function siteOfSession(
  session: SessionSnapshot,
  sites: SiteDirectory | undefined,
): string | null {
  if (sites === undefined) return DEFAULT_SITE_ID;
  const found = siteOf(
    { account: session.stripeAccount ?? undefined, metadataSite: session.metadata['site'] },
    sites,
  );
  return found.ok ? found.siteId : null;
}
