import { jobFromRow, type JobRow } from './jobRow';
import type { Alert, AlertDelivery, AlertKind, JobQuery, JobState, OperatorLedger } from './ledger';

/**
 * How the operator queries reach either database: `@name` placeholders (better-sqlite3 reads
 * them as they are; PostgreSQL's through `named`), the rows read, or the number changed.
 */
export interface SqlPort {
  all<R extends object>(sql: string, params?: Record<string, unknown>): Promise<R[]>;
  run(sql: string, params?: Record<string, unknown>): Promise<number>;
}

/** The JSON expressions the migrations index, spelled per database. */
export interface JsonPaths {
  livePlate: string;
  metadataPlate: string;
  paymentIntent: string;
}

export const SQLITE_PATHS: JsonPaths = {
  livePlate: `json_extract(live_json, '$.plate')`,
  metadataPlate: `json_extract(session_json, '$.metadata.plate')`,
  paymentIntent: `json_extract(session_json, '$.paymentIntentId')`,
};

export const POSTGRES_PATHS: JsonPaths = {
  livePlate: `((live_json::jsonb) ->> 'plate')`,
  metadataPlate: `((session_json::jsonb) -> 'metadata' ->> 'plate')`,
  paymentIntent: `((session_json::jsonb) ->> 'paymentIntentId')`,
};

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

/** The WHERE clause and its parameters for a console query; every branch uses an index. */
function whereOf(
  query: Omit<JobQuery, 'limit' | 'offset'>,
  paths: JsonPaths,
): { where: string; params: Record<string, unknown> } {
  const terms: string[] = [];
  const params: Record<string, unknown> = {};
  if (query.states && query.states.length > 0) {
    const names = query.states.map((state, i) => {
      params[`state${i}`] = state;
      return `@state${i}`;
    });
    terms.push(`state IN (${names.join(', ')})`);
  }
  if (query.failing) terms.push('last_error IS NOT NULL');
  if (query.unseen) {
    // By the small index of unseen verifications (verifications_unseen), then the job's key.
    terms.push(
      `session_id IN (SELECT session_id FROM verifications WHERE state IN ('not_visible', 'still_visible'))`,
    );
  }
  const search = query.search?.trim();
  if (search) {
    params['search'] = search;
    if (/^cs_\w+$/.test(search)) terms.push('session_id = @search');
    else if (/^pi_\w+$/.test(search)) terms.push(`${paths.paymentIntent} = @search`);
    else {
      // A plate is stored normalised (upper case, no spaces, "-" or "."); as typed, it is not.
      params['plate'] = search.toUpperCase().replace(/[\s.-]/g, '');
      terms.push(
        `(opscom_reference_id = @search OR ${paths.livePlate} = @plate OR (state IN ('failed', 'dead') AND ${paths.metadataPlate} IN (@search, @plate)))`,
      );
    }
  }
  return { where: terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '', params };
}

const UNSENT = 'open_sent_at IS NULL OR (cleared_at IS NOT NULL AND clear_sent_at IS NULL)';

/** The console's lists and the alerts' outbox, in SQL both databases read the same way. */
export function operatorQueries(db: SqlPort, paths: JsonPaths): OperatorLedger {
  return {
    async findJobs(query) {
      const { where, params } = whereOf(query, paths);
      // Newest first, by an index that ordinary writes leave alone (migrations 005/006).
      const order = query.states?.length ? 'next_run_at DESC' : 'created_at DESC';
      const rows = await db.all<JobRow>(
        `SELECT * FROM jobs ${where} ORDER BY ${order}, session_id LIMIT @limit OFFSET @offset`,
        { ...params, limit: query.limit, offset: query.offset },
      );
      return rows.map(jobFromRow);
    },
    async countJobsMatching(query, max) {
      const { where, params } = whereOf(query, paths);
      const [row] = await db.all<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM (SELECT 1 FROM jobs ${where} LIMIT @max) AS matching`,
        { ...params, max },
      );
      return Number(row?.n ?? 0);
    },
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
    async claimAlertDeliveries(now, until, limit) {
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
    },
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
    async pruneBefore(cutoff, limit) {
      const events = await db.run(
        `DELETE FROM events WHERE event_id IN (
           SELECT events.event_id FROM events LEFT JOIN jobs ON jobs.session_id = events.session_id
           WHERE events.received_at < @cutoff
             AND (jobs.session_id IS NULL OR jobs.state IN ('done', 'cancelled', 'payment_failed'))
           ORDER BY events.received_at LIMIT @limit)`,
        { cutoff, limit },
      );
      const alerts = await db.run(
        `DELETE FROM alerts WHERE cleared_at < @cutoff AND clear_sent_at IS NOT NULL`,
        { cutoff },
      );
      return events + alerts;
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
