import type { Config } from '../config';
import { createOpscomClient, type OpscomClient } from '../opscom/opscomClient';
import type { Site } from '../sites/site';
import { createStripeWriteBack } from '../stripe/stripeWriteBack';
import type { JobDeps } from './processJob';
import { createSiteRouter, type SiteServices } from './siteRouter';
import { tracedOpscom, tracedStripeWriteBack } from './tracedClients';

/** Wraps a site's OPSCOM client (metrics, the token watch) before jobs use it. */
export type WrapOpscom = (client: OpscomClient, site: Site) => OpscomClient;

/**
 * What running a job needs besides the ledger, built from the configuration: the worker and
 * `npm run replay` both use it, so they map, call OPSCOM and write back the same way. Each site
 * has its own OPSCOM client, clock, zones and policy; `opscom`, `mapping` and `policy` are the
 * default site's, and `sites` finds any job's.
 */
export function jobServices(
  config: Config,
  wrapOpscom: WrapOpscom = (client) => client,
): Pick<JobDeps, 'opscom' | 'stripe' | 'mapping' | 'policy' | 'leaseMs' | 'maxAgeMs' | 'sites'> {
  const perSite = new Map(
    config.sites.list.map((site) => [site.id, siteServices(config, site, wrapOpscom)]),
  );
  const main = perSite.get(config.sites.defaultId ?? '') ?? [...perSite.values()][0];
  if (!main) throw new Error('no site configured');
  return {
    ...main,
    sites: createSiteRouter(config.sites, (id) => perSite.get(id)),
    stripe: tracedStripeWriteBack(
      createStripeWriteBack({
        secretKey: config.stripe.secretKey,
        apiUrl: config.stripe.apiUrl,
        timeoutMs: config.stripe.timeoutMs,
      }),
    ),
    leaseMs: config.worker.leaseMs,
    maxAgeMs: config.worker.maxAgeMs,
  };
}

function siteServices(config: Config, site: Site, wrapOpscom: WrapOpscom): SiteServices {
  const client = createOpscomClient({
    baseUrl: site.opscom.baseUrl,
    apiToken: site.opscom.apiToken,
    tokenEnv: site.opscom.tokenEnv,
    client: site.opscom.client,
    timeoutMs: config.opscom.timeoutMs,
    graceMs: config.opscom.graceMs,
  });
  return {
    // Each call in a span of its own when tracing is on (the client unchanged when off).
    opscom: wrapOpscom(tracedOpscom(client), site),
    mapping: {
      timezone: site.opscom.timezone,
      defaultZone: site.opscom.defaultZone,
      zones: site.opscom.zones,
      maxDuration: config.maxPermitDuration,
    },
    policy: site.policy,
  };
}
