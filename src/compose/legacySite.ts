import type { Logger } from '../logger';
import { DEFAULT_SITE_ID, type Sites } from '../sites/site';
import type { MaintenanceLedger } from '../store/ledger';

/**
 * With a sites file and a default site: the jobs recorded before it (stored as 'default')
 * become the default site's, once, at start-up. Until then they were read as whatever
 * DEFAULT_SITE said at the time; pinned, a later change of DEFAULT_SITE cannot send their
 * permits' refunds and corrections to another site's OPSCOM. Without a sites file (or with a
 * site called 'default') there is nothing to adopt.
 */
export async function adoptLegacyJobs(
  ledger: Pick<MaintenanceLedger, 'adoptLegacySite'>,
  sites: Sites,
  logger: Logger,
): Promise<void> {
  const { defaultId } = sites;
  if (sites.takesEveryPayment || defaultId === undefined || sites.byId.has(DEFAULT_SITE_ID)) {
    return;
  }
  const adopted = await ledger.adoptLegacySite(defaultId);
  if (adopted > 0) {
    logger.info("jobs recorded before SITES_FILE are now the default site's", {
      site: defaultId,
      jobs: adopted,
    });
  }
}
