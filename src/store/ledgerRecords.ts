import type { PermitRequest, PermitResult } from '../domain/permit';
import type { SessionSnapshot } from '../domain/sessionSnapshot';
import type { SessionEventAction } from '../domain/classifyEvent';
import type { Correction } from '../domain/correction';
import type { PaymentFact, PaymentFacts } from '../domain/paymentFacts';
import type { LivePermit } from '../domain/permitLife';
import type { JobState } from '../domain/intakeRule';

// The records the ledger stores and answers with; its methods, by group, are in ledger.ts.
export type { JobState } from '../domain/intakeRule';

/**
 * A job is one Checkout Session (never one event): every event of that session, and every
 * replay, converges on this row, which is what makes "one session, one permit" hold. Its
 * states and the intake rule are in domain/intakeRule.ts.
 */
export interface Job {
  sessionId: string;
  state: JobState;
  livemode: boolean;
  session: SessionSnapshot;
  /** Event that made the session paid, and its `created` (Unix seconds): the permit's start. */
  paidEventId: string | null;
  paidAt: number | null;
  /** The request sent (or about to be sent) to OPSCOM; fixed once the first attempt starts. */
  permit: PermitRequest | null;
  opscomAttempts: number;
  /**
   * When the OPSCOM attempt now in flight started (its answer not yet recorded), or null.
   * While set, the job belongs to that attempt's owner until the owner is provably gone.
   */
  opscomStartedAt: number | null;
  opscom: (PermitResult & { endsAt: string; at: number }) | null;
  sessionWrittenAt: number | null;
  paymentIntentWrittenAt: number | null;
  /** Transient failures since the last step that succeeded. */
  attempts: number;
  nextRunAt: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  lastError: string | null;
  /** Set by `replay --force`: send the permit as an update of this OPSCOM reference. */
  updateOf: string | null;
  /** Set by a replay with --plate/--duration/--zone: overlaid on the session's metadata. */
  corrections: Correction | null;
  /**
   * How many times replay had the write-back done again (a lost write-back repaired, a
   * forced update): part of the write-back's idempotency key, so Stripe applies the new
   * write instead of answering with the one it cached for the first.
   */
  writeBackRound: number;
  /** The permit OPSCOM has now (null before the first answer; older rows: see livePermitOf). */
  live: LivePermit | null;
  /** Raised by each refund, dispute or correction recorded for the job (see finishing writes). */
  revision: number;
  /**
   * The W3C traceparent of the span that recorded the job or last made it due (a webhook, the
   * driver's page, a refund): each attempt's span links to it. Null with tracing off.
   */
  traceContext: string | null;
  /**
   * The site the payment belongs to (src/sites), decided once at intake and never changed by
   * later events; null when no configured site matched (the worker fails the job, saying why).
   */
  site: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface SessionEventInput {
  eventId: string;
  eventType: string;
  /** Event `created`, Unix seconds. */
  eventCreated: number;
  action: SessionEventAction;
  session: SessionSnapshot;
  receivedAt: number;
  /** The recording span's traceparent, stored with a job it creates or makes due. */
  traceContext?: string | undefined;
  /**
   * The payment's site, stored with a job it creates (a job's site never changes): undefined
   * is the default site (one-site configurations); null, no configured site matched.
   */
  site?: string | null | undefined;
}

export interface IgnoredEventInput {
  eventId: string;
  eventType: string;
  eventCreated: number;
  livemode: boolean;
  sessionId: string | null;
  reason: 'livemode_mismatch' | 'invalid_payload' | 'not_acted_on';
  detail: string;
  receivedAt: number;
}

/** A refund, refund failure or dispute event, for the payment it concerns. */
export interface PaymentEventInput {
  eventId: string;
  eventType: string;
  eventCreated: number;
  livemode: boolean;
  paymentIntentId: string;
  fact: PaymentFact;
  receivedAt: number;
  /** The recording span's traceparent, stored with each job it sends back to the worker. */
  traceContext?: string | undefined;
}

export type PaymentEventOutcome =
  | { event: 'duplicate' }
  /** `sessions`: the jobs of that payment in the ledger (none: not seen yet, or not Checkout). */
  | { event: 'recorded'; sessions: Array<{ sessionId: string; state: JobState }> };

/** A change of a live permit, as OPSCOM confirmed it (or a cancelled job: no permit at all). */
export interface PermitChange {
  /** The permit now: its new end or plate, `deleted`; null while a replacement is to be created. */
  live: LivePermit | null;
  /** What the job says OPSCOM has: the live reference, or null before a replacement's create. */
  referenceId: string | null;
  endsAt: string | null;
}

export type RecordOutcome =
  | { event: 'duplicate' }
  | { event: 'recorded'; job: 'created' | 'updated' | 'unchanged'; state: JobState };

/** A row of the events table, written as is (replay notes who asked for what). */
export interface EventRecord {
  eventId: string;
  eventType: string;
  sessionId: string | null;
  eventCreated: number;
  livemode: boolean;
  outcome: string;
  detail: string | null;
  receivedAt: number;
}

/** What changeJob knows besides the row, for `decide`. */
export interface JobContext {
  /**
   * Whether the owner of the job's OPSCOM attempt in flight may still get its answer (its
   * process, and on PostgreSQL its connection, still alive). False when no attempt is in flight.
   */
  attemptOwnerAlive: boolean;
}

export interface JobChange<T> {
  result: T;
  /** The whole job as it must be stored (inserted or replaced); nothing when unchanged. */
  write?: Job;
  /** An events row recorded in the same transaction (an operator's action, for the record). */
  note?: EventRecord;
}

/**
 * Who is writing a claimed job, and when. Each owned write succeeds only while `owner` holds
 * the lease, and renews it to `now + leaseMs`, so a lease needs to cover one step, not a job.
 */
export interface LeaseRef {
  sessionId: string;
  owner: string;
  now: number;
  leaseMs: number;
}

/**
 * A claimed job, with its payment's refund and dispute facts as recorded up to the claimed
 * revision at least (read after the claim: SQLite in its transaction, PostgreSQL in the next
 * statement): undefined when none are recorded, or the session has no PaymentIntent.
 */
export interface ClaimedJob extends Job {
  paymentFacts: PaymentFacts | undefined;
}

export type WriteBackTarget = 'session' | 'payment_intent' | 'both';

/**
 * What the console lists: jobs by state, or found by what they carry; newest first (by when
 * they came due within a state, by creation otherwise).
 */
export interface JobQuery {
  states?: readonly JobState[] | undefined;
  /** Only jobs whose last attempt failed (a pending job waiting for its retry, say). */
  failing?: boolean | undefined;
  /**
   * Exact: a Checkout Session id (cs_…), a PaymentIntent id (pi_…), else an OPSCOM reference or
   * a plate (as OPSCOM has it now, or, for a failed or dead job, as the driver typed it).
   */
  search?: string | undefined;
  /** Only jobs whose permit enforcement does not see as the ledger has it (verify/). */
  unseen?: boolean | undefined;
  /** Only jobs stored with one of these sites (null: of no site); undefined: any site. */
  sites?: readonly (string | null)[] | undefined;
  limit: number;
  offset: number;
}

export type AlertKind =
  | 'job'
  | 'pending_age'
  | 'opscom_token'
  | 'refund_failed'
  | 'console_logins'
  /** A permit enforcement cannot see, or still sees after it was deleted (verify/). */
  | 'not_visible'
  /** Plate Validation refuses the token or the client code (verify/). */
  | 'opscom_validation'
  /** Stripe refuses STRIPE_SECRET_KEY on the write-backs (alerts/stripeAccessAlerts.ts). */
  | 'stripe_access'
  /** Stripe refuses the platform access to a connected account (its site's alert). */
  | 'stripe_account';

/**
 * One alert: a job that failed or died, or a condition (the queue is late, OPSCOM refuses the
 * token, a refund failed). Its key makes it one row, sent once when it opens and once when it
 * clears; it reopens if the condition comes back after clearing.
 */
export interface Alert {
  key: string;
  kind: AlertKind;
  sessionId: string | null;
  message: string;
  openedAt: number;
  openSentAt: number | null;
  clearedAt: number | null;
  clearMessage: string | null;
  clearSentAt: number | null;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

/** A message due: an alert's opening, or its clearing. */
export interface AlertDelivery {
  alert: Alert;
  phase: 'open' | 'clear';
}

export interface AlertInput {
  key: string;
  kind: AlertKind;
  sessionId: string | null;
  message: string;
  now: number;
}
