import {
  INSERT_EVENT_SQL,
  OWNED_JOB,
  PIN_SITE,
  RENEW_LEASE,
  STILL_PENDING,
  WRITTEN_COLUMNS,
  opscomResultParams,
} from '../jobRow';
import type { JobStepLedger } from '../ledger';
import type { JobState, WriteBackTarget } from '../ledgerRecords';
import type { SqliteDatabase } from './sqliteDatabase';
import { sqliteAttempts } from './sqliteLiveness';
import type { SqliteWritePolicy } from './writePolicy';

const OWNED = OWNED_JOB;
const RENEW = RENEW_LEASE.sqlite;
// The last write finishes the job only at the revision its worker saw (store/ledger.ts).
const FINISHING = `(@finished AND (@revision IS NULL OR revision = @revision))`;

/**
 * The SQLite ledger's steps of a claimed job. Each joins the group commit; only OPSCOM's
 * answer is durable (losing it means a second permit), the rest are at worst redone.
 */
export function sqliteJobSteps(
  db: SqliteDatabase,
  { grouped, run }: SqliteWritePolicy,
): JobStepLedger {
  const s = jobStepStatements(db);
  return {
    startOpscomAttempt: (lease, permit, site) =>
      grouped(
        () =>
          sqliteAttempts.start(
            lease.owner,
            lease.sessionId,
            () =>
              s.startAttempt.run({ ...lease, permit: JSON.stringify(permit), site: site ?? null })
                .changes > 0,
          ),
        false,
      ),
    endOpscomAttempt: (sessionId, owner) => {
      sqliteAttempts.delete(owner, sessionId);
      return Promise.resolve();
    },
    recordOpscomResult: (lease, attempt, result) =>
      grouped(
        () => s.opscomResult.run(opscomResultParams(lease, attempt, result)).changes > 0,
        true,
      ),
    recordWriteBack: (lease, target, finished, revision) =>
      grouped(() => {
        const row = s.writeBack[target].get({
          ...lease,
          finished: finished ? 1 : 0,
          revision: revision ?? null,
        });
        return row ? (row.state as JobState) : false;
      }, false),
    scheduleRetry: (lease, error, runAt) =>
      grouped(() => s.retry.run({ ...lease, error, runAt }).changes > 0, false),
    giveUp: (lease, state, reason, revision) =>
      grouped(() => s.giveUp.get({ ...lease, state, reason, revision })?.state ?? false, false),
    recordNote: (note) =>
      grouped(() => void s.insertEvent.run({ ...note, livemode: note.livemode ? 1 : 0 }), false),
    findKnownEnd: (referenceId, exceptSessionId = '') =>
      run(() => s.knownEnd.get(referenceId, exceptSessionId)?.opscom_ends_at),
  };
}

function jobStepStatements(db: SqliteDatabase) {
  const writeBackStatement = (target: WriteBackTarget) =>
    db.prepare<Record<string, unknown>, { state: string }>(`
      UPDATE jobs SET ${WRITTEN_COLUMNS[target]}, attempts = 0, last_error = NULL, updated_at = @now,
        state = CASE WHEN ${FINISHING} THEN 'done' ELSE state END,
        lease_owner = CASE WHEN ${FINISHING} THEN NULL ELSE lease_owner END,
        lease_expires_at = CASE WHEN ${FINISHING} THEN NULL ELSE @now + @leaseMs END
      ${OWNED} RETURNING state`);
  return {
    startAttempt: db.prepare(`
      UPDATE jobs SET permit_json = @permit, opscom_attempts = opscom_attempts + 1,
        opscom_started_at = @now, ${PIN_SITE.sqlite}, ${RENEW} ${OWNED}
        AND opscom_reference_id IS NULL`),
    opscomResult: db.prepare(`
      UPDATE jobs SET opscom_reference_id = @referenceId, opscom_internal_reference_id = @internalReferenceId,
        opscom_ends_at = @endsAt, opscom_at = @now, opscom_started_at = NULL, attempts = 0, last_error = NULL,
        live_json = COALESCE(@live, live_json), lease_owner = @owner, ${RENEW}
      WHERE session_id = @sessionId AND ${STILL_PENDING} AND opscom_reference_id IS NULL
        AND opscom_attempts = @attempt`),
    writeBack: {
      session: writeBackStatement('session'),
      payment_intent: writeBackStatement('payment_intent'),
      both: writeBackStatement('both'),
    },
    retry: db.prepare(`
      UPDATE jobs SET attempts = attempts + 1, last_error = @error, next_run_at = @runAt,
        opscom_started_at = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = @now ${OWNED}`),
    // Ends the job only at the revision its worker saw (store/ledger.ts).
    giveUp: db.prepare<Record<string, unknown>, { state: JobState }>(`
      UPDATE jobs SET state = CASE WHEN revision = @revision THEN @state ELSE state END,
        next_run_at = CASE WHEN revision = @revision THEN next_run_at ELSE @now END,
        last_error = @reason, opscom_started_at = NULL,
        lease_owner = NULL, lease_expires_at = NULL, updated_at = @now ${OWNED} RETURNING state`),
    knownEnd: db.prepare<[string, string], { opscom_ends_at: string }>(`
      SELECT opscom_ends_at FROM jobs WHERE opscom_reference_id = ? AND opscom_ends_at IS NOT NULL
        AND session_id <> ?
      ORDER BY opscom_at DESC LIMIT 1`),
    insertEvent: db.prepare(INSERT_EVENT_SQL),
  };
}
