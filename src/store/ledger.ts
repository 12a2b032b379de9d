import type { PermitRequest, PermitResult } from '../domain/permit';
import type { SessionSnapshot } from '../domain/sessionSnapshot';
import type { SessionEventAction } from '../domain/classifyEvent';
import type { Correction } from '../domain/correction';
import type { PaymentFact, PaymentFacts } from '../domain/paymentFacts';
import type { LivePermit } from '../domain/permitLife';

import type { JobState } from '../domain/intakeRule';
import type { VerificationLedger } from './verificationLedger';

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

/**
 * The ledger: the single source of truth for what was received and how far each job got.
 * Every write that advances a claimed job names its owner; a write from a process that lost
 * its lease changes nothing and returns false.
 */
export interface Ledger extends OperatorLedger, VerificationLedger {
  /** The event and its effect on the session's job, in one transaction. */
  recordSessionEvent(input: SessionEventInput): Promise<RecordOutcome>;
  /** An event recorded for the record only (never acted on). False when already recorded. */
  recordIgnoredEvent(input: IgnoredEventInput): Promise<boolean>;

  /**
   * Takes the pending job due first whose lease is free, leasing it to `owner`. A job whose
   * OPSCOM attempt is in flight is taken only when, besides its lease having run out, the
   * attempt's owner is provably gone (its process dead; on PostgreSQL, its connection closed):
   * a slow owner keeps its job, however slow.
   */
  claimNextJob(owner: string, now: number, leaseMs: number): Promise<ClaimedJob | undefined>;
  /**
   * Stores the OPSCOM request, counts the attempt and marks it in flight, before the call is
   * made; from then on the job is this owner's for as long as it lives (see claimNextJob),
   * until the outcome is recorded or endOpscomAttempt says the call is over. False when the
   * lease is lost or a result is already recorded: then no call may be made.
   */
  startOpscomAttempt(lease: LeaseRef, permit: PermitRequest): Promise<boolean>;
  /**
   * This process no longer waits for an answer to the job's attempt (the call is over, its
   * outcome recorded or not). If no outcome was recorded, the job can now be taken over once
   * its lease runs out. Never throws.
   */
  endOpscomAttempt(sessionId: string, owner: string): Promise<void>;
  /**
   * Stores OPSCOM's answer to attempt number `attempt` (fsync'd: losing it would mean a second
   * permit). It does not need the lease still held, only that no later attempt has started:
   * an answer that arrives while the ledger is unreachable can still be recorded when it
   * returns, and taking the lease back then stops any process about to call OPSCOM again.
   * On PostgreSQL it goes over the owner's own connection, ahead of intake and claims.
   */
  recordOpscomResult(
    lease: LeaseRef,
    attempt: number,
    result: PermitResult & { endsAt: string; live?: LivePermit },
  ): Promise<boolean>;
  /**
   * Marks a write-back done (`both`: the session's and the PaymentIntent's, made side by side);
   * `finished` when it was the last step: the job is then done,
   * unless its revision moved past `revision` meanwhile (a refund or correction arrived: the
   * job stays pending, for another round). Resolves the job's state after it (so the worker
   * need not read the job again), or false when the lease is lost.
   */
  recordWriteBack(
    lease: LeaseRef,
    target: WriteBackTarget,
    finished: boolean,
    revision?: number,
  ): Promise<JobState | false>;
  /**
   * A refund, refund failure or dispute: the event, the payment's facts merged with it
   * (domain/paymentFacts.ts), and every done job of that payment back to pending, in one
   * transaction.
   */
  recordPaymentEvent(input: PaymentEventInput): Promise<PaymentEventOutcome>;
  getPaymentFacts(paymentIntentId: string): Promise<PaymentFacts | undefined>;
  /** The jobs of one PaymentIntent (normally one). */
  jobsOfPaymentIntent(paymentIntentId: string): Promise<Job[]>;
  /**
   * Marks a call that changes the job's live permit (update, delete) in flight, as
   * startOpscomAttempt does for a create. False when the lease is lost.
   */
  startPermitChange(lease: LeaseRef): Promise<boolean>;
  /**
   * Stores what OPSCOM confirmed for a change, ends the call in flight, and makes the
   * write-back due again (a new round, so Stripe applies it).
   */
  recordPermitChange(lease: LeaseRef, change: PermitChange): Promise<boolean>;
  /** Releases the job until `runAt`, keeping the error (an attempt in flight is over). */
  scheduleRetry(lease: LeaseRef, error: string, runAt: number): Promise<boolean>;
  /**
   * Ends the job: failed, dead, or cancelled (a refund came before any permit was made), unless
   * its revision moved past `revision` meanwhile (a correction, a refund or a dispute was
   * recorded while the worker decided): then it is released, due now, to be decided again
   * with what was recorded. Resolves the job's state after it, or false when the lease is lost.
   */
  giveUp(
    lease: LeaseRef,
    state: 'failed' | 'dead' | 'cancelled',
    reason: string,
    revision: number,
  ): Promise<JobState | false>;

  /**
   * Reads one session's job and writes what `decide` returns, with no other write to that job
   * in between (SQLite: one IMMEDIATE transaction; PostgreSQL: the row locked, or the insert
   * retried when another process created the row meanwhile). This is how replay takes a job
   * next to a running server: whichever writes first wins, and the other sees it.
   */
  changeJob<T>(
    sessionId: string,
    decide: (job: Job | undefined, context: JobContext) => JobChange<T>,
  ): Promise<T>;
  /** An events row for the record (an attempt's late answer, a takeover); once per id. */
  recordNote(note: EventRecord): Promise<void>;

  /**
   * The latest end the ledger knows for an OPSCOM permit (for extending it), leaving out the
   * session asking (a forced re-send must not extend its own permit).
   */
  findKnownEnd(referenceId: string, exceptSessionId?: string): Promise<string | undefined>;
  getJob(sessionId: string): Promise<Job | undefined>;
  /** How many jobs are in each state (metrics). */
  countJobs(): Promise<Partial<Record<JobState, number>>>;
  /** When the longest-waiting due pending job came due (Unix ms), or undefined (metrics). */
  oldestDuePending(now: number): Promise<number | undefined>;
  listJobs(states?: readonly JobState[]): Promise<Job[]>;
  listEvents(sessionId?: string): Promise<EventRecord[]>;
  /** Resolves when the ledger answers a trivial query (readiness). */
  ping(): Promise<void>;
  /**
   * Calls `listener` when another process records a job that is due now (PostgreSQL:
   * LISTEN/NOTIFY). SQLite has no such signal: other processes' jobs are found by polling.
   */
  onJobAvailable(listener: () => void): void;
  close(): Promise<void>;
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
  | 'opscom_validation';

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

/** The ledger's part for operators: the console's lists and the alerts' outbox. */
export interface OperatorLedger {
  findJobs(query: JobQuery): Promise<Job[]>;
  /** How many jobs a query matches (for "retry all N"), counting up to `max`. */
  countJobsMatching(query: Omit<JobQuery, 'limit' | 'offset'>, max: number): Promise<number>;
  /** Opens the alert (or reopens a cleared one); false when it is open already. */
  raiseAlert(input: AlertInput): Promise<boolean>;
  /** Clears an open alert, with the message that says so; false when it was not open. */
  clearAlert(key: string, message: string, now: number): Promise<boolean>;
  openAlerts(): Promise<Alert[]>;
  /** Failed and dead jobs with no open alert, oldest change first. */
  jobsNeedingAlert(limit: number): Promise<Job[]>;
  /**
   * Open job alerts whose job has since finished (done or cancelled: retried, corrected or
   * revoked). A job retried and failing again keeps its alert open: no second message.
   */
  resolvedJobAlerts(): Promise<Array<{ key: string; sessionId: string; state: JobState }>>;
  /**
   * Takes up to `limit` due messages for sending until `until` (another process leaves them
   * alone meanwhile), oldest first.
   */
  claimAlertDeliveries(now: number, until: number, limit: number): Promise<AlertDelivery[]>;
  alertDelivered(key: string, phase: 'open' | 'clear', now: number): Promise<void>;
  alertDeliveryFailed(key: string, error: string, nextAttemptAt: number): Promise<void>;
  /**
   * RETENTION_DAYS: deletes up to `limit` events received before `cutoff` (Unix ms) whose job
   * is finished (done, cancelled, payment failed) or that have none, and alerts cleared and
   * told before it. Jobs and payment facts are kept (a refund or dispute may come months
   * later; the job is also what makes a late delivery a duplicate). Resolves how many rows went.
   */
  pruneBefore(cutoff: number, limit: number): Promise<number>;
}

/** The part of the ledger for a permit's life after payment (each ledger's PermitLife module). */
export type PermitLifeLedger = Pick<
  Ledger,
  | 'recordPaymentEvent'
  | 'getPaymentFacts'
  | 'jobsOfPaymentIntent'
  | 'startPermitChange'
  | 'recordPermitChange'
>;
