import { eventFromRow, jobFromRow, type EventRow, type JobRow } from '../jobRow';
import type { JobReadLedger } from '../ledger';
import type { SqliteDatabase } from './sqliteDatabase';
import type { SqliteWritePolicy } from './writePolicy';

/** The SQLite ledger's reads of jobs and events: at once, outside the group commit. */
export function sqliteJobReads(db: SqliteDatabase, { run }: SqliteWritePolicy): JobReadLedger {
  const getJob = db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE session_id = ?');
  // Kept by triggers (migrations/sqlite/005_operators.sql): a few rows, whatever the size.
  const countByState = db.prepare<[], { state: string; n: number }>(
    'SELECT state, n FROM job_counts WHERE n <> 0',
  );
  // jobs_due (state, next_run_at): the first due pending job, by the index.
  const oldestDue = db.prepare<[number], { at: number | null }>(
    "SELECT MIN(next_run_at) AS at FROM jobs WHERE state = 'pending' AND next_run_at <= ?",
  );
  return {
    getJob: (sessionId) =>
      run(() => {
        const row = getJob.get(sessionId);
        return row ? jobFromRow(row) : undefined;
      }),
    listJobs: (states) =>
      run(() => {
        const rows =
          states && states.length > 0
            ? db
                .prepare<string[], JobRow>(
                  `SELECT * FROM jobs WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY created_at`,
                )
                .all(...states)
            : db.prepare<[], JobRow>('SELECT * FROM jobs ORDER BY created_at').all();
        return rows.map(jobFromRow);
      }),
    listEvents: (sessionId) =>
      run(() => {
        const rows =
          sessionId === undefined
            ? db.prepare<[], EventRow>('SELECT * FROM events ORDER BY received_at').all()
            : db
                .prepare<[string], EventRow>(
                  'SELECT * FROM events WHERE session_id = ? ORDER BY received_at',
                )
                .all(sessionId);
        return rows.map(eventFromRow);
      }),
    countJobs: () =>
      run(() => Object.fromEntries(countByState.all().map((r) => [r.state, r.n] as const))),
    oldestDuePending: (now) => run(() => oldestDue.get(now)?.at ?? undefined),
  };
}
