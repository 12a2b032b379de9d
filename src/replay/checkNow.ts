import type { Config } from '../config';
import type { Logger } from '../logger';
import type { VerifierLedger } from '../store/callerLedgers';
import { createPace } from '../verify/pace';
import { verifyServices } from '../verify/verifyServices';
import { verifySessions } from '../verify/verifySessions';

/**
 * `replay --dry-run --check-now`: each permit the report lists is checked against OPSCOM's
 * Plate Validation before its line is written, one session at a time at the loop's pace,
 * claimed and recorded as the loop's checks are (so the report and the loop never check the
 * same permit at once). A check that cannot be made leaves the last one standing.
 */
export function checkNowWith(
  config: Config,
  verify: NonNullable<Config['verify']>,
  ledger: VerifierLedger,
  logger: Logger,
): (sessionId: string) => Promise<void> {
  const deps = {
    ledger,
    ...verifyServices(config, verify),
    pace: createPace(verify.perSecond),
    now: Date.now,
    logger,
    concurrency: 1,
    leaseMs: 2 * config.opscom.timeoutMs + 30_000,
  };
  return async (sessionId) => {
    await verifySessions([sessionId], deps);
  };
}
