import type { MappingOptions } from '../domain/mapSession';
import type { PermitPolicy } from '../domain/permitLife';
import { siteOf } from '../domain/siteOf';
import type { OpscomClient } from '../opscom/opscomClient';
import { DEFAULT_SITE_ID, type Sites } from '../sites/site';
import type { Job } from '../store/ledger';

/** What a job of one site runs with: that site's OPSCOM client, clock and zones, and policy. */
export interface SiteServices {
  opscom: OpscomClient;
  mapping: MappingOptions;
  policy: PermitPolicy;
}

export type RoutedJob =
  { ok: true; siteId: string; services: SiteServices } | { ok: false; reason: string };

/** Finds a job's site's services; the worker, replay and the driver's page share one. */
export interface SiteRouter {
  forJob(job: Pick<Job, 'site' | 'session'>): RoutedJob;
}

/**
 * The site stored with the job decides (intake decided it once). A job stored with none, no
 * configured site matched at intake: asked again, so a sites file corrected since then helps.
 */
export function createSiteRouter(
  sites: Sites,
  servicesOf: (siteId: string) => SiteServices | undefined,
): SiteRouter {
  return {
    forJob(job) {
      let siteId = job.site;
      if (siteId === null) {
        const decided = siteOf(
          {
            account: job.session.stripeAccount ?? undefined,
            metadataSite: job.session.metadata['site'],
          },
          sites,
        );
        if (!decided.ok) return decided;
        siteId = decided.siteId;
      }
      // Jobs from before the sites file belong to 'default': the default site, if it has no such id.
      const services =
        servicesOf(siteId) ??
        (siteId === DEFAULT_SITE_ID && sites.defaultId ? servicesOf(sites.defaultId) : undefined);
      if (!services) {
        return { ok: false, reason: `site "${siteId}" is not in the configuration (SITES_FILE)` };
      }
      return { ok: true, siteId, services };
    },
  };
}
