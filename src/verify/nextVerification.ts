import type { CheckResult, Verification, VerificationState } from '../store/verificationLedger';
import { UNSEEN_STATES } from '../store/verificationLedger';
import type { Expectation } from './expectation';
import type { Verdict } from './verdict';

/** Checks in a row that must differ from the ledger before it is loud (OPSCOM propagates). */
export const MISSES_BEFORE_ALERT = 2;

export interface Timing {
  now: number;
  delayMs: number;
  everyMs: number;
}

/** What a check (or its absence) does to a permit's verification. */
export interface NextVerification {
  state: VerificationState;
  misses: number;
  /** The next check is due at countFrom + delay; null: none. */
  countFrom: number | null;
  /** `open`: the permit just became unseen; `clear`: it no longer is (why, in words). */
  alert: { action: 'open' } | { action: 'clear'; why: string } | undefined;
}

const unseen = (state: VerificationState) => UNSEEN_STATES.includes(state);

/**
 * Pure. A result as expected resets the count and clears an unseen permit; one that differs
 * is asked again one delay later, and the second in a row makes it unseen (alerted once,
 * then checked every round until it is seen again or decided). Nothing is ever "fixed":
 * only an operator's push again changes the permit.
 */
export function nextVerification(
  row: Verification,
  expected: Expectation,
  verdict: Verdict | undefined,
  t: Timing,
): NextVerification {
  const nextRound = t.now + t.everyMs - t.delayMs;
  if (expected.kind === 'wait') {
    return { state: row.state, misses: row.misses, countFrom: t.now, alert: undefined };
  }
  if (expected.kind === 'none' || !verdict) {
    return {
      state: 'over',
      misses: 0,
      countFrom: null,
      alert: unseen(row.state) ? { action: 'clear', why: "the permit's time is over" } : undefined,
    };
  }
  const wanted: CheckResult = expected.kind === 'standing' ? 'visible' : 'gone';
  if (verdict.result === wanted) {
    return {
      state: wanted,
      misses: 0,
      // A permit gone as asked needs no more checks; a standing one is checked every round.
      countFrom: wanted === 'gone' ? null : nextRound,
      alert: unseen(row.state)
        ? { action: 'clear', why: `enforcement now sees it as ${wanted}` }
        : undefined,
    };
  }
  const misses = row.misses + 1;
  if (misses < MISSES_BEFORE_ALERT) {
    return { state: row.state, misses, countFrom: t.now, alert: undefined };
  }
  const state: VerificationState =
    verdict.result === 'still_visible' ? 'still_visible' : 'not_visible';
  return {
    state,
    misses,
    countFrom: nextRound,
    alert: unseen(row.state) ? undefined : { action: 'open' },
  };
}
