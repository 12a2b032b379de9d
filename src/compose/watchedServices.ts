import { watchOpscomToken, type TokenState } from '../alerts/opscomTokenWatch';
import { watchStripeAccess, type StripeAccessState } from '../alerts/stripeAccessWatch';
import type { Config } from '../config';
import { instrumentOpscom, instrumentStripe } from '../metrics/instrument';
import type { Metrics } from '../metrics/metrics';
import { jobServices } from '../worker/jobServices';
import { gatedOpscom, siteGateFor, type SiteGate } from '../worker/siteGate';

/** The job path's services, counted, and watched for what the alerts need to know. */
export interface WatchedServices {
  services: ReturnType<typeof jobServices>;
  /** Each site's calls tell the worker its health. */
  siteGate: SiteGate;
  /** The default site's token watch (or the first site's). */
  token: () => TokenState;
  /** Every site's token watch (site id → its state): one alert per refused token. */
  tokens: ReadonlyMap<string, () => TokenState>;
  /** The write-backs' watch: Stripe refusing the key, or a connected account. */
  stripeAccess: () => StripeAccessState;
}

/**
 * Every site's OPSCOM calls counted (by site, when several), gated, and watched for a refused
 * token; the Stripe write-backs counted and watched for a refused key or connected account.
 */
export function watchedJobServices(
  config: Config,
  metrics: Metrics,
  now: () => number,
): WatchedServices {
  const tokens = new Map<string, () => TokenState>();
  const siteGate = siteGateFor(config, now);
  const services = jobServices(config, (client, site) => {
    const watched = watchOpscomToken(instrumentOpscom(client, metrics, site.id), now);
    tokens.set(site.id, watched.state);
    return gatedOpscom(watched.client, site.id, siteGate);
  });
  const token = tokens.get(config.sites.defaultId ?? '') ?? [...tokens.values()][0];
  if (!token) throw new Error('no site configured');
  const stripe = watchStripeAccess(services.stripe, now);
  return {
    services: { ...services, stripe: instrumentStripe(stripe.writeBack, metrics) },
    siteGate,
    token,
    tokens,
    stripeAccess: stripe.state,
  };
}
