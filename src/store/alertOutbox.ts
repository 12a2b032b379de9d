import type { OperatorLedger } from './ledger';
import type { Alert, AlertDelivery, AlertKind, JobState } from './ledgerRecords';
import { jobFromRow, type JobRow } from './jobRow';
import type { SqlPort } from './sqlPort';

interface AlertRow {
  key: string;
  kind: string;
  session_id: string | null;
  message: string;
  opened_at: number | string;
  open_sent_at: number | string | null;
  cleared_at: number | string | null;
  clear_message: string | null;
  clear_sent_at: number | string | null;
  attempts: number;
  next_attempt_at: number | string;
  last_error: string | null;
}

const orNull = (v: number | string | null) => (v === null ? null : Number(v));

function alertFromRow(row: AlertRow): Alert {
  return {
    key: row.key,
    kind: row.kind as AlertKind,
    sessionId: row.session_id,
    message: row.message,
    openedAt: Number(row.opened_at),
    openSentAt: orNull(row.open_sent_at),
    clearedAt: orNull(row.cleared_at),
    clearMessage: row.clear_message,
    clearSentAt: orNull(row.clear_sent_at),
    attempts: row.attempts,
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error,
  };
}

const UNSENT = 'open_sent_at IS NULL OR (cleared_at IS NOT NULL AND clear_sent_at IS NULL)';

export type AlertOutbox = Omit<OperatorLedger, 'findJobs' | 'countJobsMatching'>;

/** The alerts and their outbox, in SQL both databases read the same way. */
export function alertOutbox(db: SqlPort): AlertOutbox {
  return {
    async raiseAlert(input) {
      const changed = await db.run(
        `INSERT INTO alerts (key, kind, session_id, message, opened_at, next_attempt_at)
         VALUES (@key, @kind, @sessionId, @message, @now, @now)
         ON CONFLICT (key) DO UPDATE SET message = excluded.message, opened_at = excluded.opened_at,
           open_sent_at = NULL, cleared_at = NULL, clear_message = NULL, clear_sent_at = NULL,
           attempts = 0, next_attempt_at = excluded.next_attempt_at, sending_until = NULL,
           last_error = NULL
         WHERE alerts.cleared_at IS NOT NULL`,
        { ...input },
      );
      return changed > 0;
    },
    async clearAlert(key, message, now) {
      const changed = await db.run(
        `UPDATE alerts SET cleared_at = @now, clear_message = @message, attempts = 0,
           next_attempt_at = @now, last_error = NULL
         WHERE key = @key AND cleared_at IS NULL`,
        { key, message, now },
      );
      return changed > 0;
    },
    async openAlerts() {
      const rows = await db.all<AlertRow>(
        'SELECT * FROM alerts WHERE cleared_at IS NULL ORDER BY opened_at DESC',
      );
      return rows.map(alertFromRow);
    },
    async jobsNeedingAlert(limit) {
      const rows = await db.all<JobRow>(
        `SELECT * FROM jobs WHERE state IN ('failed', 'dead') AND NOT EXISTS (
           SELECT 1 FROM alerts WHERE alerts.key = 'job:' || jobs.session_id AND alerts.cleared_at IS NULL)
         ORDER BY updated_at LIMIT @limit`,
        { limit },
      );
      return rows.map(jobFromRow);
    },
    async resolvedJobAlerts() {
      return db.all<{ key: string; sessionId: string; state: JobState }>(
        `SELECT alerts.key AS "key", jobs.session_id AS "sessionId", jobs.state AS "state"
         FROM alerts JOIN jobs ON jobs.session_id = alerts.session_id
         WHERE alerts.kind = 'job' AND alerts.cleared_at IS NULL AND jobs.state IN ('done', 'cancelled')`,
      );
    },
    claimAlertDeliveries: (now, until, limit) => claimAlertDeliveries(db, now, until, limit),
    async alertDelivered(key, phase, now) {
      // An alert cleared before its opening went out is told in one message: the clearing.
      await db.run(
        phase === 'open'
          ? `UPDATE alerts SET open_sent_at = @now, sending_until = NULL, attempts = 0 WHERE key = @key`
          : `UPDATE alerts SET open_sent_at = COALESCE(open_sent_at, @now), clear_sent_at = @now,
               sending_until = NULL, attempts = 0 WHERE key = @key`,
        { key, now },
      );
    },
    async alertDeliveryFailed(key, error, nextAttemptAt) {
      await db.run(
        `UPDATE alerts SET attempts = attempts + 1, last_error = @error,
           next_attempt_at = @nextAttemptAt, sending_until = NULL WHERE key = @key`,
        { key, error, nextAttemptAt },
      );
    },
  };
}

/** Due messages, each taken for sending until `until` unless another process took it first. */
async function claimAlertDeliveries(
  db: SqlPort,
  now: number,
  until: number,
  limit: number,
): Promise<AlertDelivery[]> {
  const rows = await db.all<AlertRow & { sending_until: number | string | null }>(
    `SELECT * FROM alerts WHERE (${UNSENT}) AND next_attempt_at <= @now
     ORDER BY next_attempt_at LIMIT @limit`,
    { now, limit },
  );
  const claimed: AlertDelivery[] = [];
  for (const row of rows) {
    const taken = await db.run(
      `UPDATE alerts SET sending_until = @until
       WHERE key = @key AND (sending_until IS NULL OR sending_until < @now) AND (${UNSENT})`,
      { key: row.key, until, now },
    );
    if (taken === 0) continue;
    const alert = alertFromRow(row);
    claimed.push({ alert, phase: alert.clearedAt === null ? 'open' : 'clear' });
  }
  return claimed;
}
