import type { SeenKind } from './enforcementLeg';

/**
 * What replay did (or, with --dry-run, would do) with one session. `skipped` and `failed`
 * carry the reason in `detail`.
 */
export type OutcomeKind =
  | 'created'
  | 'updated'
  | 'already done'
  | 'skipped'
  | 'failed'
  | 'would create'
  | 'would update'
  | 'would write back'
  | 'would retry'
  | 'would fail'
  | 'would change';

export interface SessionOutcome {
  sessionId: string;
  outcome: OutcomeKind;
  plate?: string | undefined;
  /** The permit's end, ISO-8601 with offset. */
  endsAt?: string | undefined;
  referenceId?: string | undefined;
  /** How the moment of payment was found (event, charge, ledger). */
  paidVia?: string | undefined;
  detail?: string | undefined;
  /** Dry run (the reconcile report): whether enforcement sees the permit (enforcementLeg.ts). */
  seen?: SeenKind | undefined;
  /** When OPSCOM's Plate Validation was last asked about it, ISO-8601. */
  seenCheckedAt?: string | undefined;
}
