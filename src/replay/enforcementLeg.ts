import type { Verification } from '../store/verificationLedger';

/**
 * The third leg of a reconcile (Stripe paid → ledger permitted → enforcement sees), from the
 * last Plate Validation check the ledger holds for a permit:
 * - `seen`: the last check showed it as the ledger has it (or, deleted/ended, no longer);
 * - `not seen`: enforcement could not see it, or still shows a removed one (alerted);
 * - `missed once`: the last check differed from the ledger; it counts only when the next
 *   check (one delay later, OPSCOM propagating) differs too;
 * - `accepted`: an operator accepted that enforcement does not see it;
 * - `not checked`: no check yet (verification off, or its first check not due yet);
 * - `over`: its time is over, no more checks.
 */
export type SeenKind = 'seen' | 'not seen' | 'missed once' | 'accepted' | 'not checked' | 'over';

export interface SeenByEnforcement {
  seen: SeenKind;
  /** When OPSCOM was last asked, ISO-8601 (UTC). */
  checkedAt?: string | undefined;
}

/** Pure: where a permit stands with enforcement, from its verification row (if any). */
export function seenByEnforcement(v: Verification | undefined): SeenByEnforcement {
  const checkedAt = v?.lastCheckedAt != null ? new Date(v.lastCheckedAt).toISOString() : undefined;
  const kind = ((): SeenKind => {
    if (v && v.misses > 0 && (v.state === 'visible' || v.state === 'scheduled')) {
      return 'missed once';
    }
    switch (v?.state) {
      case 'visible':
      case 'gone':
        return 'seen';
      case 'not_visible':
      case 'still_visible':
        return 'not seen';
      case 'accepted':
        return 'accepted';
      case 'over':
        return v.lastResult === null ? 'not checked' : 'over';
      default:
        return 'not checked';
    }
  })();
  return { seen: kind, checkedAt };
}
