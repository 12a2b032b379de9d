import type { Correction } from '../domain/correction';
import type { PaymentFacts } from '../domain/paymentFacts';
import type { LivePermit } from '../domain/permitLife';
import type { PermitRequest, PermitResult } from '../domain/permit';
import type { SessionSnapshot } from '../domain/sessionSnapshot';
import { DEFAULT_SITE_ID } from '../sites/site';
import type { ClaimedJob, EventRecord, Job, JobState, LeaseRef, SessionEventInput } from './ledger';

/** A jobs row as the database returns it (SQLite: integers for booleans). */
export interface JobRow {
  session_id: string;
  state: string;
  livemode: number | boolean;
  session_json: string;
  paid_event_id: string | null;
  paid_at: number | string | null;
  permit_json: string | null;
  opscom_attempts: number;
  opscom_started_at: number | string | null;
  opscom_reference_id: string | null;
  opscom_internal_reference_id: string | null;
  opscom_ends_at: string | null;
  opscom_at: number | string | null;
  session_written_at: number | string | null;
  payment_intent_written_at: number | string | null;
  attempts: number;
  next_run_at: number | string;
  lease_owner: string | null;
  lease_expires_at: number | string | null;
  last_error: string | null;
  update_of: string | null;
  corrections_json: string | null;
  write_back_round: number;
  live_json: string | null;
  revision: number;
  trace_context: string | null;
  /** Absent only from a test's hand-made row (the column came with migration sqlite 010, pg 013). */
  site?: string | null;
  created_at: number | string;
  updated_at: number | string;
}

export interface EventRow {
  event_id: string;
  event_type: string;
  session_id: string | null;
  event_created: number | string;
  livemode: number | boolean;
  outcome: string;
  detail: string | null;
  received_at: number | string;
}

const num = (v: number | string): number => Number(v);
const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** A claim's row: the job's columns and its payment's facts (`claimed_facts_json`). */
export function claimedJobFromRow(row: JobRow & { claimed_facts_json: string | null }): ClaimedJob {
  const { claimed_facts_json: facts, ...job } = row;
  return {
    ...jobFromRow(job),
    paymentFacts: facts === null ? undefined : (JSON.parse(facts) as PaymentFacts),
  };
}

export function jobFromRow(row: JobRow): Job {
  return {
    sessionId: row.session_id,
    state: row.state as JobState,
    livemode: Boolean(row.livemode),
    // Written by this adapter from a validated snapshot.
    session: JSON.parse(row.session_json) as SessionSnapshot,
    paidEventId: row.paid_event_id,
    paidAt: numOrNull(row.paid_at),
    permit: row.permit_json === null ? null : (JSON.parse(row.permit_json) as PermitRequest),
    opscomAttempts: row.opscom_attempts,
    opscomStartedAt: numOrNull(row.opscom_started_at),
    opscom:
      row.opscom_reference_id === null
        ? null
        : {
            referenceId: row.opscom_reference_id,
            internalReferenceId: row.opscom_internal_reference_id ?? undefined,
            endsAt: row.opscom_ends_at ?? '',
            at: num(row.opscom_at ?? 0),
          },
    sessionWrittenAt: numOrNull(row.session_written_at),
    paymentIntentWrittenAt: numOrNull(row.payment_intent_written_at),
    attempts: row.attempts,
    nextRunAt: num(row.next_run_at),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: numOrNull(row.lease_expires_at),
    lastError: row.last_error,
    updateOf: row.update_of,
    corrections:
      row.corrections_json === null ? null : (JSON.parse(row.corrections_json) as Correction),
    writeBackRound: Number(row.write_back_round),
    live: row.live_json === null ? null : (JSON.parse(row.live_json) as LivePermit),
    revision: Number(row.revision),
    // Absent from rows read before the column existed (a test's hand-made row).
    traceContext: row.trace_context ?? null,
    site: row.site === undefined ? DEFAULT_SITE_ID : row.site,
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

/** The columns of a jobs row, every one, in the order JOB_COLUMNS names them. */
export const JOB_COLUMNS = [
  'session_id',
  'state',
  'livemode',
  'session_json',
  'paid_event_id',
  'paid_at',
  'permit_json',
  'opscom_attempts',
  'opscom_started_at',
  'opscom_reference_id',
  'opscom_internal_reference_id',
  'opscom_ends_at',
  'opscom_at',
  'session_written_at',
  'payment_intent_written_at',
  'attempts',
  'next_run_at',
  'lease_owner',
  'lease_expires_at',
  'last_error',
  'update_of',
  'corrections_json',
  'write_back_round',
  'live_json',
  'revision',
  'trace_context',
  'site',
  'created_at',
  'updated_at',
] as const;

/** The inverse of jobFromRow, as named parameters (@session_id …) for either database. */
export function jobToParams(job: Job, booleanAs: 'integer' | 'boolean'): Record<string, unknown> {
  return {
    session_id: job.sessionId,
    state: job.state,
    livemode: booleanAs === 'integer' ? (job.livemode ? 1 : 0) : job.livemode,
    session_json: JSON.stringify(job.session),
    paid_event_id: job.paidEventId,
    paid_at: job.paidAt,
    permit_json: job.permit === null ? null : JSON.stringify(job.permit),
    opscom_attempts: job.opscomAttempts,
    opscom_started_at: job.opscomStartedAt,
    opscom_reference_id: job.opscom?.referenceId ?? null,
    opscom_internal_reference_id: job.opscom?.internalReferenceId ?? null,
    opscom_ends_at: job.opscom ? job.opscom.endsAt : null,
    opscom_at: job.opscom?.at ?? null,
    session_written_at: job.sessionWrittenAt,
    payment_intent_written_at: job.paymentIntentWrittenAt,
    attempts: job.attempts,
    next_run_at: job.nextRunAt,
    lease_owner: job.leaseOwner,
    lease_expires_at: job.leaseExpiresAt,
    last_error: job.lastError,
    update_of: job.updateOf,
    corrections_json: job.corrections === null ? null : JSON.stringify(job.corrections),
    write_back_round: job.writeBackRound,
    live_json: job.live === null ? null : JSON.stringify(job.live),
    revision: job.revision,
    trace_context: job.traceContext,
    site: job.site,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
  };
}

/** The site a session event stores with the job it creates: undefined is the default site. */
export function siteParam(input: Pick<SessionEventInput, 'site'>): string | null {
  return input.site === undefined ? DEFAULT_SITE_ID : input.site;
}

/** INSERT of a whole job; `onConflict` decides what a concurrent insert of the same session does. */
export function insertJobSql(onConflict: string): string {
  return `INSERT INTO jobs (${JOB_COLUMNS.join(', ')}) VALUES (${JOB_COLUMNS.map((c) => `@${c}`).join(', ')}) ${onConflict}`;
}

/** UPDATE of every column of one job. */
export const REPLACE_JOB_SQL = `UPDATE jobs SET ${JOB_COLUMNS.filter((c) => c !== 'session_id')
  .map((c) => `${c} = @${c}`)
  .join(', ')} WHERE session_id = @session_id`;

/**
 * "The job is still pending", in a statement that finds its job by session id, written so that
 * no index on `state` can serve it. With statistics taken while few jobs were pending,
 * PostgreSQL's planner served such updates from jobs_due (state, next_run_at) and read every
 * pending job (1.5 ms and 240 buffers an update with ~1,750 queued in a burst) instead of
 * taking the one row by its primary key.
 */
export const STILL_PENDING = `state || '' = 'pending'`;

/** Where every owned write applies: a pending job whose lease `owner` holds. */
export const OWNED_JOB = `WHERE session_id = @sessionId AND lease_owner = @owner AND ${STILL_PENDING}`;

/** The lease renewed by an owned write (PostgreSQL needs the casts). */
export const RENEW_LEASE = {
  sqlite: `lease_expires_at = @now + @leaseMs, updated_at = @now`,
  postgres: `lease_expires_at = @now::bigint + @leaseMs::bigint, updated_at = @now`,
} as const;

/**
 * An OPSCOM attempt's site (@site, null: leave it): a job stored with none, or as the legacy
 * 'default', takes the site whose OPSCOM is called, and keeps it; a stored site never changes.
 */
export const PIN_SITE = {
  sqlite: `site = CASE WHEN @site IS NULL OR (site IS NOT NULL AND site <> 'default') THEN site ELSE @site END`,
  postgres: `site = CASE WHEN @site::text IS NULL OR (site IS NOT NULL AND site <> 'default') THEN site ELSE @site::text END`,
} as const;

export const INSERT_EVENT_SQL = `
  INSERT INTO events (event_id, event_type, session_id, event_created, livemode, outcome, detail, received_at)
  VALUES (@eventId, @eventType, @sessionId, @eventCreated, @livemode, @outcome, @detail, @receivedAt)
  ON CONFLICT (event_id) DO NOTHING`;

export function eventFromRow(row: EventRow): EventRecord {
  return {
    eventId: row.event_id,
    eventType: row.event_type,
    sessionId: row.session_id,
    eventCreated: num(row.event_created),
    livemode: Boolean(row.livemode),
    outcome: row.outcome,
    detail: row.detail,
    receivedAt: num(row.received_at),
  };
}

/** What a write-back records (`@now`): its column, or both for writes made side by side. */
export const WRITTEN_COLUMNS = {
  session: 'session_written_at = @now',
  payment_intent: 'payment_intent_written_at = @now',
  both: 'session_written_at = @now, payment_intent_written_at = @now',
} as const;

/** The parameters of the statement that records OPSCOM's answer (the same on both ledgers). */
export function opscomResultParams(
  lease: LeaseRef,
  attempt: number,
  result: PermitResult & { endsAt: string; live?: LivePermit },
) {
  return {
    ...lease,
    attempt,
    referenceId: result.referenceId,
    internalReferenceId: result.internalReferenceId ?? null,
    endsAt: result.endsAt,
    live: result.live ? JSON.stringify(result.live) : null,
  };
}

/** A job for a session the ledger has not seen: pending, nothing known yet but its id. */
export function emptyJob(sessionId: string, now: number): Job {
  return {
    sessionId,
    state: 'pending',
    livemode: false,
    session: {
      id: sessionId,
      livemode: false,
      paymentStatus: 'paid',
      amountTotal: null,
      currency: null,
      metadata: {},
      customFields: {},
      paymentIntentId: null,
    },
    paidEventId: null,
    paidAt: null,
    permit: null,
    opscomAttempts: 0,
    opscomStartedAt: null,
    opscom: null,
    sessionWrittenAt: null,
    paymentIntentWrittenAt: null,
    attempts: 0,
    nextRunAt: now,
    leaseOwner: null,
    leaseExpiresAt: null,
    lastError: null,
    updateOf: null,
    corrections: null,
    writeBackRound: 0,
    live: null,
    revision: 0,
    traceContext: null,
    // One-site configurations' site; a creator that knows the payment's site sets its own.
    site: DEFAULT_SITE_ID,
    createdAt: now,
    updatedAt: now,
  };
}
