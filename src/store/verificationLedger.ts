/**
 * Where a permit stands with enforcement (verify/, docs/enforcement.md):
 * - `scheduled`: made or changed, not yet checked since;
 * - `visible`: the last check saw it as the ledger has it;
 * - `not_visible`: twice in a row, enforcement could not see it (alerted);
 * - `gone`: deleted or ended, and enforcement no longer shows it;
 * - `still_visible`: deleted or ended, yet twice in a row enforcement still showed it (alerted);
 * - `accepted`: an operator accepted that enforcement does not see it (staff removed it);
 * - `over`: its time is over; nothing more to check.
 */
export type VerificationState =
  'scheduled' | 'visible' | 'not_visible' | 'gone' | 'still_visible' | 'accepted' | 'over';

/** The states that need an operator: counted, alerted, highlighted in the console. */
export const UNSEEN_STATES: readonly VerificationState[] = ['not_visible', 'still_visible'];

/** What one check found, against what the ledger says OPSCOM has. */
export type CheckResult = 'visible' | 'not_visible' | 'gone' | 'still_visible';

export interface Verification {
  sessionId: string;
  plate: string;
  state: VerificationState;
  /** Raised by each change of the permit and each operator decision. */
  generation: number;
  /** When the permit was last made or changed (Unix ms). */
  changedAt: number;
  /** The next check is due at countFrom + OPSCOM_VERIFY_DELAY; null: none is. */
  countFrom: number | null;
  /** Checks in a row whose result differed from what the ledger expects. */
  misses: number;
  checks: number;
  lastCheckedAt: number | null;
  lastResult: CheckResult | null;
  /** What OPSCOM showed at the last check (bounded JSON: verify/seenRecord.ts). */
  lastSeen: string | null;
  /** Why the last check could not be made (an outage), cleared by the next that is. */
  lastError: string | null;
  decision: 'accepted' | 'push_again' | null;
  decidedBy: string | null;
  decidedAt: number | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
}

/** What the verification loop claims at once (see claimVerifications). */
export interface VerificationClaim {
  owner: string;
  now: number;
  leaseMs: number;
  delayMs: number;
  everyMs: number;
  /** Rows due at most; their plates' other permits come along. */
  limit: number;
}

/** What a check (or a postponed one) writes, only while the claim and its generation hold. */
export interface VerificationWrite {
  sessionId: string;
  owner: string;
  generation: number;
  state: VerificationState;
  misses: number;
  /** Set when a check was made: its moment, result and what OPSCOM showed. */
  checked?: { at: number; result: CheckResult; seen: string };
  error: string | null;
  countFrom: number | null;
}

export interface VerificationQuery {
  states?: readonly VerificationState[] | undefined;
  limit: number;
  offset: number;
}

/** The ledger's part for verification; the same SQL on both databases (verificationQueries.ts). */
export interface VerificationLedger {
  /**
   * Leases the permits whose check is due (oldest first, up to `limit`) and, so that a plate is
   * asked about once a round, the other permits of those plates due within the next round.
   * A permit leased to another owner is left alone.
   */
  claimVerifications(claim: VerificationClaim): Promise<Verification[]>;
  /**
   * Leases these sessions' verifications, due or not (those leased to another owner are left
   * out): a round over given permits, such as a reconcile report's (verify/verifySessions.ts).
   */
  claimVerificationsOf(
    sessionIds: readonly string[],
    owner: string,
    now: number,
    leaseMs: number,
  ): Promise<Verification[]>;
  /**
   * Records a check and releases the lease; false (the lease only released) when the lease
   * was lost or the permit changed, or an operator decided, since the claim.
   */
  finishVerification(write: VerificationWrite): Promise<boolean>;
  /**
   * An operator's decision about a permit enforcement does not see: `accepted` ends its checks
   * until it changes again; `push_again` is recorded (the job path makes the permit). False
   * when the permit is not in an unseen state.
   */
  decideVerification(
    sessionId: string,
    decision: 'accepted' | 'push_again',
    by: string,
    now: number,
  ): Promise<boolean>;
  getVerification(sessionId: string): Promise<Verification | undefined>;
  /** The verifications of these sessions (the console's lists), any order. */
  verificationsOf(sessionIds: readonly string[]): Promise<Verification[]>;
  /** By state, the latest checked first (the console; a reconcile report). */
  listVerifications(query: VerificationQuery): Promise<Verification[]>;
  /** Permits in each unseen state (metrics; read by a small index). */
  countUnseen(): Promise<Partial<Record<VerificationState, number>>>;
  /**
   * Unseen permits with no open alert (`seen:<session>`), for the verifier to alert: what makes
   * an alert survive a process killed between recording a check and raising its alert.
   */
  unseenNeedingAlert(limit: number): Promise<Verification[]>;
  /** Open unseen-permit alerts whose permit is no longer unseen, with where it stands now. */
  resolvedUnseenAlerts(): Promise<Array<{ key: string; verification: Verification }>>;
}
