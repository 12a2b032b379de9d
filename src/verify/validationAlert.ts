import { siteAlertKey, VALIDATION_KEY } from '../alerts/alertSite';
import { clearStaleSiteAlerts, type ConfiguredSites } from '../alerts/staleAlerts';
import { alertText } from '../domain/alertText';
import type { Logger } from '../logger';
import { severalSites, type Sites } from '../sites/site';
import type { VerifierLedger } from '../store/callerLedgers';
import type { OperatorLedger } from '../store/ledger';
import type { RoundSummary } from './verifyRound';

type ConfiguredAs = Pick<Sites, 'list' | 'byId'> | undefined;

/** Whether Plate Validation may use the adapter's tokens, as the rounds hear it: its alerts. */
export interface ValidationAccess {
  /**
   * Each site refused this round gets its alert (one, unsited, with one site); each site
   * answered (with one site: in a round that was not stopped) has its alert cleared.
   */
  record(
    ledger: Pick<VerifierLedger, 'raiseAlert' | 'clearAlert'>,
    summary: RoundSummary,
    now: number,
  ): Promise<void>;
  /**
   * Why the loop waits after this round (what failed), or undefined: an outage stops every
   * site's checks; a refusal only with one site (with several, the others go on: it is logged).
   */
  failed(summary: RoundSummary, logger: Logger): string | undefined;
}

const configuredSites = (sites: ConfiguredAs): ConfiguredSites => ({
  named: sites !== undefined && severalSites(sites),
  has: (siteId) => sites?.byId.has(siteId) ?? false,
});

export function validationAccess(sites: ConfiguredAs): ValidationAccess {
  const { named } = configuredSites(sites);
  const keyOf = (site: string | undefined) => siteAlertKey(VALIDATION_KEY, site, named);
  const messageOf = (site: string | undefined, error: string) => {
    const opscom = named && site !== undefined ? sites?.byId.get(site)?.opscom : undefined;
    return alertText.validationRefused(error, opscom);
  };
  return {
    async record(ledger, summary, now) {
      const refused = new Set<string | undefined>();
      for (const { site, error } of summary.refused) {
        refused.add(site);
        const key = keyOf(site);
        const message = messageOf(site, error);
        await ledger.raiseAlert({ key, kind: VALIDATION_KEY, sessionId: null, message, now });
      }
      // One site: cleared after a round with no failure, as before. Several: an answer proves
      // that site's token and client code, even in a round another site's outage stopped.
      if (!named && (summary.stopped || refused.size > 0)) return;
      for (const site of new Set(summary.answered)) {
        if (refused.has(site)) continue;
        await ledger.clearAlert(keyOf(site), alertText.validationAccepted(), now);
      }
    },
    failed(summary, logger) {
      if (summary.stopped) return summary.stopped.error;
      if (!named) return summary.refused[0]?.error;
      for (const { site, error } of summary.refused) {
        logger.warn(
          "Plate Validation refuses a site's token or client code; its permits put back",
          {
            site,
            error,
          },
        );
      }
      return undefined;
    },
  };
}

/**
 * Once, at start-up: Plate Validation's alerts keyed for sites no longer configured (one site
 * and several key them differently) are cleared, saying why; raised again if still true.
 */
export async function clearStaleValidationAlerts(
  ledger: Pick<OperatorLedger, 'openAlerts' | 'clearAlert'>,
  sites: ConfiguredAs,
  deps: { now: number; logger: Logger },
): Promise<void> {
  await clearStaleSiteAlerts(ledger, configuredSites(sites), [VALIDATION_KEY], deps);
}
