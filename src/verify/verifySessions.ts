import { newOwnerId } from '../store/owner';
import { verifyPermits, type RoundSummary, type VerifyDeps } from './verifyRound';

export interface GivenRound extends RoundSummary {
  /** Sessions left out: no permit to check, or their check is another process's now. */
  skipped: string[];
}

/**
 * One verification round over the permits of these sessions, due or not: what a reconcile
 * report (or an operator's "check now") runs. Each is claimed like the loop's, so it never
 * runs beside another process's check of the same permit, and its result is recorded the same.
 */
export async function verifySessions(
  sessionIds: readonly string[],
  deps: Omit<VerifyDeps, 'owner'> & { leaseMs: number },
): Promise<GivenRound> {
  const owner = newOwnerId('verify');
  const claimed = await deps.ledger.claimVerificationsOf(
    sessionIds,
    owner,
    deps.now(),
    deps.leaseMs,
  );
  const taken = new Set(claimed.map((v) => v.sessionId));
  const summary = await verifyPermits(claimed, { ...deps, owner });
  return { ...summary, skipped: sessionIds.filter((id) => !taken.has(id)) };
}
