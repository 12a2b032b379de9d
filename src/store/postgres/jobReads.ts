import { eventFromRow, jobFromRow, type EventRow, type JobRow } from '../jobRow';
import type { JobReadLedger } from '../ledger';
import type { Job } from '../ledgerRecords';
import type { PgQuery } from './pgQuery';

/** The PostgreSQL ledger's reads of jobs and events, over the pool. */
export function postgresJobReads(query: PgQuery): JobReadLedger {
  return {
    getJob: async (sessionId) => {
      const [row] = await query<JobRow>('SELECT * FROM jobs WHERE session_id = @sessionId', {
        sessionId,
      });
      return row ? jobFromRow(row) : undefined;
    },
    listJobs: async (states): Promise<Job[]> => {
      const rows =
        states && states.length > 0
          ? await query<JobRow>(
              'SELECT * FROM jobs WHERE state = ANY(@states::text[]) ORDER BY created_at',
              { states },
            )
          : await query<JobRow>('SELECT * FROM jobs ORDER BY created_at');
      return rows.map(jobFromRow);
    },
    listEvents: async (sessionId) => {
      const rows =
        sessionId === undefined
          ? await query<EventRow>('SELECT * FROM events ORDER BY received_at')
          : await query<EventRow>(
              'SELECT * FROM events WHERE session_id = @sessionId ORDER BY received_at',
              { sessionId },
            );
      return rows.map(eventFromRow);
    },
    countJobs: async () => {
      // Folds the deltas the triggers appended into job_counts (migrations/postgres/006), then
      // reads both in one statement: exact, and a few rows whatever the ledger's size.
      await query(`
        WITH moved AS (DELETE FROM job_count_deltas RETURNING state, n)
        INSERT INTO job_counts (state, n) SELECT state, SUM(n) FROM moved GROUP BY state
        ON CONFLICT (state) DO UPDATE SET n = job_counts.n + excluded.n`);
      const rows = await query<{ state: string; n: string }>(`
        SELECT state, SUM(n) AS n FROM (
          SELECT state, n FROM job_counts UNION ALL SELECT state, n FROM job_count_deltas
        ) AS counted GROUP BY state HAVING SUM(n) <> 0`);
      return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)] as const));
    },
    oldestDuePending: async (now) => {
      const [row] = await query<{ at: string | null }>(
        "SELECT MIN(next_run_at) AS at FROM jobs WHERE state = 'pending' AND next_run_at <= @now",
        { now },
      );
      return row?.at == null ? undefined : Number(row.at);
    },
  };
}
