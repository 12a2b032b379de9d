import type { Correction } from '../domain/correction';
import type { SessionSnapshot } from '../domain/sessionSnapshot';
import type { Job } from '../store/ledger';
import type { StripeReference } from '../stripe/sessionPayload';

/** What Stripe says about one session, as replay found it. */
export interface ReplayTarget {
  sessionId: string;
  /** The session as of the paying event (or now, when no event was found): what gets mapped. */
  session: SessionSnapshot;
  /** When it was paid, and how that was found; null while it is not paid. */
  paid: PaidMoment | null;
  /**
   * The OPSCOM reference in the session's Stripe metadata now: null when Stripe has none,
   * undefined when Stripe was not asked (the ledger already had the job done).
   */
  stripeReference: StripeReference | null | undefined;
  /**
   * The session's site, for a job replay creates (as intake decides it); null: no configured
   * site matches; undefined: not decided (the default site's, as before sites).
   */
  site?: string | null | undefined;
}

export interface PaidMoment {
  /** Unix seconds: the permit's start. */
  at: number;
  eventId: string | null;
  /** How the moment was found, for the operator: `event evt_…`, `charge ch_…`, `ledger`… */
  source: string;
}

export interface ReplayRequest {
  force: boolean;
  correction: Correction | null;
  owner: string;
  /** Who ran the replay (for the record). */
  by: string;
  now: number;
  leaseMs: number;
}

/** Why replay took a job: what it is about to do with it. */
export type ClaimReason =
  | 'new' // no job in the ledger: the webhook never arrived
  | 'pending' // a job waiting for a retry: run it now
  | 'retry_failed' // failed or dead in the ledger: try again
  | 'corrected' // with the operator's corrections (of a permit to make, or of a live one)
  | 'write_back' // the permit exists; Stripe's metadata lacks it
  | 'force'; // re-send as an update of the same reference

export type ReplayPlan =
  | { kind: 'claimed'; job: Job; reason: ClaimReason }
  | { kind: 'already_done'; referenceId: string; via: 'ledger' | 'stripe'; job: Job | undefined }
  /** `corrected`: the operator's correction was recorded on the job, for its holder to apply. */
  | { kind: 'busy'; job: Job; corrected?: boolean }
  /** `corrected`: the operator's correction was kept, to apply once the payment completes. */
  | { kind: 'unpaid'; state: string; corrected?: boolean };
