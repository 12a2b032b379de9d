import type { PermitRequest, PermitResult } from '../domain/permit';
import type { PaymentFacts } from '../domain/paymentFacts';
import type { LivePermit } from '../domain/permitLife';
import type {
  Alert,
  AlertDelivery,
  AlertInput,
  ClaimedJob,
  EventRecord,
  IgnoredEventInput,
  Job,
  JobChange,
  JobContext,
  JobQuery,
  JobState,
  LeaseRef,
  PaymentEventInput,
  PaymentEventOutcome,
  PermitChange,
  RecordOutcome,
  SessionEventInput,
  WriteBackTarget,
} from './ledgerRecords';
import type { VerificationLedger } from './verificationLedger';

export type * from './ledgerRecords';
export type { VerificationLedger } from './verificationLedger';

/**
 * The ledger: the single source of truth for what was received and how far each job got.
 * Every write that advances a claimed job names its owner; a write from a process that lost
 * its lease changes nothing and returns false. It is the union of the groups below, each
 * implemented per database (store/sqlite/, store/postgres/) or in shared SQL; a caller takes
 * only the part it uses (callerLedgers.ts).
 */
export interface Ledger
  extends
    IntakeLedger,
    ClaimLedger,
    JobStepLedger,
    PermitLifeLedger,
    JobReadLedger,
    OperatorLedger,
    VerificationLedger,
    MaintenanceLedger {}

/** Recording a Checkout Session's events (the webhook, the driver's page). */
export interface IntakeLedger {
  /** The event and its effect on the session's job, in one transaction. */
  recordSessionEvent(input: SessionEventInput): Promise<RecordOutcome>;
  /** An event recorded for the record only (never acted on). False when already recorded. */
  recordIgnoredEvent(input: IgnoredEventInput): Promise<boolean>;
}

/** Taking a job: the worker's claim, replay's read-decide-write, and the signal of new work. */
export interface ClaimLedger {
  /**
   * Takes the pending job due first whose lease is free, leasing it to `owner`. A job whose
   * OPSCOM attempt is in flight is taken only when, besides its lease having run out, the
   * attempt's owner is provably gone (its process dead; on PostgreSQL, its connection closed):
   * a slow owner keeps its job, however slow. A job whose site is in `skipSites` is left alone
   * (the worker's site gate: a site at its share of the slots, or paused); a job of no site
   * (NULL) is never skipped: it fails as unmappable without calling any site's OPSCOM.
   */
  claimNextJob(
    owner: string,
    now: number,
    leaseMs: number,
    skipSites?: readonly string[],
  ): Promise<ClaimedJob | undefined>;
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
  /**
   * Calls `listener` when another process records a job that is due now (PostgreSQL:
   * LISTEN/NOTIFY). SQLite has no such signal: other processes' jobs are found by polling.
   */
  onJobAvailable(listener: () => void): void;
}

/** A claimed job's steps: its OPSCOM attempt, write-backs, retries, end, and notes. */
export interface JobStepLedger {
  /**
   * Stores the OPSCOM request, counts the attempt and marks it in flight, before the call is
   * made; from then on the job is this owner's for as long as it lives (see claimNextJob),
   * until the outcome is recorded or endOpscomAttempt says the call is over. False when the
   * lease is lost or a result is already recorded: then no call may be made. `site`: the site
   * whose OPSCOM is called; a job stored with none (or as the legacy 'default') takes it here,
   * so its permit's later changes go to the same OPSCOM whatever the configuration says then.
   */
  startOpscomAttempt(lease: LeaseRef, permit: PermitRequest, site?: string): Promise<boolean>;
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
  /** An events row for the record (an attempt's late answer, a takeover); once per id. */
  recordNote(note: EventRecord): Promise<void>;
  /**
   * The latest end the ledger knows for an OPSCOM permit (for extending it), leaving out the
   * session asking (a forced re-send must not extend its own permit).
   */
  findKnownEnd(referenceId: string, exceptSessionId?: string): Promise<string | undefined>;
}

/** A permit's life after payment: refunds, disputes, the payment's facts, permit changes. */
export interface PermitLifeLedger {
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
}

/** Reading jobs and their events: one job, lists, and the counts metrics show. */
export interface JobReadLedger {
  getJob(sessionId: string): Promise<Job | undefined>;
  listJobs(states?: readonly JobState[]): Promise<Job[]>;
  listEvents(sessionId?: string): Promise<EventRecord[]>;
  /** How many jobs are in each state (metrics). */
  countJobs(): Promise<Partial<Record<JobState, number>>>;
  /** When the longest-waiting due pending job came due (Unix ms), or undefined (metrics). */
  oldestDuePending(now: number): Promise<number | undefined>;
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
}

/** Keeping the ledger: retention, readiness, and closing it. */
export interface MaintenanceLedger {
  /**
   * RETENTION_DAYS: deletes up to `limit` events received before `cutoff` (Unix ms) whose job
   * is finished (done, cancelled, payment failed) or that have none, and alerts cleared and
   * told before it. Jobs and payment facts are kept (a refund or dispute may come months
   * later; the job is also what makes a late delivery a duplicate). Resolves how many rows went.
   */
  pruneBefore(cutoff: number, limit: number): Promise<number>;
  /**
   * Up to `limit` jobs stored as the legacy 'default' (recorded before SITES_FILE) become
   * `siteId`'s, once and for good, as intake would have stored them: a later DEFAULT_SITE
   * change never moves their permits to another OPSCOM. Resolves how many jobs changed.
   */
  adoptLegacySite(siteId: string, limit: number): Promise<number>;
  /** Resolves when the ledger answers a trivial query (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
