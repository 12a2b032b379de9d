import { siteOf, type SiteOf } from '../domain/siteOf';
import { storedSiteId, type Sites } from './site';

/** What a job carries about its site: the one stored at intake, and the payment's clues. */
export interface JobSiteClues {
  site: string | null;
  session: { stripeAccount?: string | null | undefined; metadata: Record<string, string> };
}

/**
 * A job's site: the one intake stored; a job stored with none (no site matched then) is asked
 * again, so a sites file corrected since helps. The worker, the verifier share it.
 */
export function siteOfJob(job: JobSiteClues, sites: Sites): SiteOf {
  if (job.site !== null) return { ok: true, siteId: storedSiteId(job.site, sites) };
  return siteOf(
    { account: job.session.stripeAccount ?? undefined, metadataSite: job.session.metadata['site'] },
    sites,
  );
}
