import { describeError } from '../errors';
import type { Logger } from '../logger';
import { DEFAULT_SITE_ID, type Sites } from '../sites/site';
import type { MaintenanceLedger } from '../store/ledger';

/** Jobs adopted per statement: each a short write, whatever the ledger's size. */
const BATCH = 1000;

export interface LegacyAdoption {
  /** Stops between two batches (the rest is adopted at the next start); resolves when idle. */
  stop(): Promise<void>;
}

/**
 * With a sites file and a default site: the jobs recorded before it (stored as 'default')
 * become the default site's, once, in the background after start-up, a thousand at a time.
 * Until then (and meanwhile) they are read as whatever DEFAULT_SITE says; adopted, a later
 * change of DEFAULT_SITE cannot send their permits' refunds and corrections to another site's
 * OPSCOM. Without a sites file (or with a site called 'default') there is nothing to adopt. A
 * failure is logged and left for the next start (nothing depends on it meanwhile).
 */
export function adoptLegacyJobs(
  ledger: Pick<MaintenanceLedger, 'adoptLegacySite'>,
  sites: Sites,
  logger: Logger,
): LegacyAdoption {
  const { defaultId } = sites;
  if (sites.takesEveryPayment || defaultId === undefined || sites.byId.has(DEFAULT_SITE_ID)) {
    return { stop: () => Promise.resolve() };
  }
  let stopping = false;
  const running = (async () => {
    let adopted = 0;
    try {
      for (let n = BATCH; n === BATCH && !stopping; adopted += n) {
        n = await ledger.adoptLegacySite(defaultId, BATCH);
      }
    } catch (err) {
      logger.warn(
        'could not adopt the jobs recorded before SITES_FILE; tried again at the next start',
        {
          error: describeError(err),
        },
      );
    }
    if (adopted > 0) {
      logger.info("jobs recorded before SITES_FILE are now the default site's", {
        site: defaultId,
        jobs: adopted,
      });
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await running;
    },
  };
}
