import type { PermitRequest } from '../domain/permit';
import type { SessionSnapshot } from '../domain/sessionSnapshot';
import type { EventRecord, Job, JobState } from './ledger';

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
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

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
