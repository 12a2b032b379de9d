import {
  OWNED_JOB,
  PIN_SITE,
  RENEW_LEASE,
  STILL_PENDING,
  WRITTEN_COLUMNS,
  INSERT_EVENT_SQL,
  opscomResultParams,
} from '../jobRow';
import type { JobStepLedger } from '../ledger';
import type { JobState, LeaseRef } from '../ledgerRecords';
import type { OwnerSession } from './postgresOwnerSession';
import type { PgQuery } from './pgQuery';

const OWNED = OWNED_JOB;
const RENEW = RENEW_LEASE.postgres;

/**
 * The PostgreSQL ledger's steps of a claimed job. An OPSCOM attempt's start and answer go over
 * the owner's connection (postgresOwnerSession.ts), which holds the attempt's lock; the rest
 * over the pool.
 */
export function postgresJobSteps(query: PgQuery, ownerSession: OwnerSession): JobStepLedger {
  return {
    startOpscomAttempt: (lease, permit, site) =>
      ownerSession.startAttempt(
        lease.sessionId,
        `UPDATE jobs SET permit_json = @permit, opscom_attempts = opscom_attempts + 1,
           opscom_started_at = @now, ${PIN_SITE.postgres}, ${RENEW} ${OWNED} AND opscom_reference_id IS NULL`,
        { ...lease, permit: JSON.stringify(permit), site: site ?? null },
      ),
    endOpscomAttempt: (sessionId) => ownerSession.release(sessionId),
    recordOpscomResult: (lease, attempt, result) =>
      ownerSession.finishAttempt(
        lease.sessionId,
        `
          UPDATE jobs SET opscom_reference_id = @referenceId, opscom_internal_reference_id = @internalReferenceId,
            opscom_ends_at = @endsAt, opscom_at = @now, opscom_started_at = NULL, attempts = 0, last_error = NULL,
            live_json = COALESCE(@live, live_json), lease_owner = @owner, ${RENEW}
          WHERE session_id = @sessionId AND ${STILL_PENDING} AND opscom_reference_id IS NULL
            AND opscom_attempts = @attempt`,
        opscomResultParams(lease, attempt, result),
      ),
    recordWriteBack: async (lease, target, finished, revision) => {
      // The last write finishes the job only at the revision its worker saw (store/ledger.ts).
      const finishing = `(@finished::boolean AND (@revision::int IS NULL OR revision = @revision::int))`;
      const [row] = await query<{ state: JobState }>(
        `
        UPDATE jobs SET ${WRITTEN_COLUMNS[target]},
          attempts = 0, last_error = NULL, updated_at = @now,
          state = CASE WHEN ${finishing} THEN 'done' ELSE state END,
          lease_owner = CASE WHEN ${finishing} THEN NULL ELSE lease_owner END,
          lease_expires_at = CASE WHEN ${finishing} THEN NULL ELSE @now::bigint + @leaseMs::bigint END
        ${OWNED} RETURNING state`,
        { ...lease, finished, revision: revision ?? null },
      );
      return row ? row.state : false;
    },
    scheduleRetry: (lease, error, runAt) => scheduleRetry(query, lease, error, runAt),
    giveUp: async (lease, state, reason, revision) => {
      // Ends the job only at the revision its worker saw (store/ledger.ts).
      const same = 'revision = @revision::int';
      const [row] = await query<{ state: JobState }>(
        `
        UPDATE jobs SET state = CASE WHEN ${same} THEN @state ELSE state END,
          next_run_at = CASE WHEN ${same} THEN next_run_at ELSE @now::bigint END,
          last_error = @reason, opscom_started_at = NULL,
          lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
        ${OWNED} RETURNING state`,
        { ...lease, state, reason, revision },
      );
      return row ? row.state : false;
    },
    recordNote: async (note) => {
      await query(INSERT_EVENT_SQL, { ...note });
    },
    findKnownEnd: async (referenceId, exceptSessionId = '') => {
      const [row] = await query<{ opscom_ends_at: string }>(
        `
        SELECT opscom_ends_at FROM jobs WHERE opscom_reference_id = @referenceId AND opscom_ends_at IS NOT NULL
          AND session_id <> @exceptSessionId
        ORDER BY opscom_at DESC LIMIT 1`,
        { referenceId, exceptSessionId },
      );
      return row?.opscom_ends_at;
    },
  };
}

async function scheduleRetry(
  query: PgQuery,
  lease: LeaseRef,
  error: string,
  runAt: number,
): Promise<boolean> {
  const rows = await query<{ session_id: string }>(
    `
    UPDATE jobs SET attempts = attempts + 1, last_error = @error, next_run_at = @runAt,
      opscom_started_at = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = @now ${OWNED} RETURNING session_id`,
    { ...lease, error, runAt },
  );
  return rows.length > 0;
}
