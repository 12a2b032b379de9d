import type { MappingOptions } from '../domain/mapSession';
import type { PermitPolicy } from '../domain/permitLife';
import type { OpscomClient } from '../opscom/opscomClient';
import { siteOfJob } from '../sites/jobSite';
import type { Sites } from '../sites/site';
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
      const decided = siteOfJob(job, sites);
      if (!decided.ok) return decided;
      const { siteId } = decided;
      const services = servicesOf(siteId);
      if (!services) {
        return { ok: false, reason: `site "${siteId}" is not in the configuration (SITES_FILE)` };
      }
      return { ok: true, siteId, services };
    },
  };
}
