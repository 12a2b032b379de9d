import { Client, type Pool } from 'pg';
import { SchemaError, StoreError } from '../errors';
import type { Logger } from '../logger';
import {
  eventFromRow,
  insertJobSql,
  INSERT_EVENT_SQL,
  jobFromRow,
  jobToParams,
  REPLACE_JOB_SQL,
  type EventRow,
  type JobRow,
  WRITTEN_COLUMNS,
  OWNED_JOB,
  RENEW_LEASE,
  STILL_PENDING,
  opscomResultParams,
} from './jobRow';
import type {
  Job,
  JobChange,
  JobContext,
  JobState,
  Ledger,
  LeaseRef,
  RecordOutcome,
  SessionEventInput,
} from './ledger';
import { listenForJobs } from './postgresListener';
import {
  ATTEMPT_LOCK_SEED,
  attemptLockKey,
  createOwnerSession,
  shardedOwnerSession,
} from './postgresOwnerSession';

import { postgresPermitLife } from './postgresPermitLife';
import { operatorQueries, POSTGRES_PATHS, type SqlPort } from './operatorQueries';
import { verificationQueries } from './verificationQueries';
import {
  assertPostgresSchema,
  createPool,
  inTransaction,
  named,
  postgresStoreError,
  type PostgresOptions,
} from './postgresDatabase';

export const JOBS_CHANNEL = 'adapter_jobs';

/** changeJob's insert found the row created meanwhile by another process: decide again. */
class InsertLost extends Error {}

const OWNED = OWNED_JOB;
const RENEW = RENEW_LEASE.postgres;

/** Connections that carry OPSCOM attempts' locks and writes (postgresOwnerSession.ts). */
const OWNER_CONNECTIONS = 2;

/**
 * The PostgreSQL ledger: the same semantics as SQLite (store/ledger.ts), for several processes
 * and hosts whose disks do not persist. One job per session is a primary key (INSERT … ON
 * CONFLICT), claims use FOR UPDATE SKIP LOCKED, and a job that becomes due is announced with
 * NOTIFY so that any process's worker starts it at once. Commits are durable
 * (synchronous_commit on, PostgreSQL's default).
 */
export async function openPostgresLedger(
  options: PostgresOptions,
  logger: Logger,
): Promise<Ledger> {
  const pool: Pool = createPool(options);
  // An idle connection dropped by the server (a restart, a failover) must not crash the process.
  pool.on('error', (err) => logger.warn('idle ledger connection lost', { error: err.message }));
  try {
    await assertPostgresSchema(pool);
  } catch (err) {
    await pool.end();
    throw err instanceof SchemaError
      ? err
      : postgresStoreError(err, 'cannot open the PostgreSQL ledger');
  }
  const clientFor = (purpose: string) =>
    new Client({
      connectionString: options.url,
      ssl: options.ssl,
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      application_name: `stripe-opscom-adapter ${purpose}`,
    });
  // Two owner connections: a worker's attempts (start, answer) need not queue on one socket.
  const ownerSession = shardedOwnerSession(
    Array.from({ length: OWNER_CONNECTIONS }, () =>
      createOwnerSession(() => clientFor('owner'), logger),
    ),
  );
  const listeners: Array<() => void> = [];
  let listener: { close(): Promise<void> } | undefined;

  const query = async <R extends object>(sql: string, params: Record<string, unknown> = {}) => {
    try {
      const { text, values } = named(sql, params);
      return (await pool.query<R>(text, values)).rows;
    } catch (err) {
      throw postgresStoreError(err);
    }
  };
  const port: SqlPort = {
    all: query,
    run: async (sql, params = {}) => {
      try {
        const { text, values } = named(sql, params);
        return (await pool.query(text, values)).rowCount ?? 0;
      } catch (err) {
        throw postgresStoreError(err);
      }
    },
  };
  const owned = async (
    sql: string,
    lease: LeaseRef,
    params: Record<string, unknown>,
    andWhere = '',
  ) =>
    (
      await query<{ session_id: string }>(`${sql} ${OWNED} ${andWhere} RETURNING session_id`, {
        ...lease,
        ...params,
      })
    ).length > 0;

  // Group commit, as in SQLite: the events of one turn of the event loop go to PostgreSQL in
  // one call of record_session_events (migrations/postgres/002), one round trip and one
  // commit; every caller's promise settles after that commit.
  let batch: Array<{
    input: SessionEventInput;
    resolve: (outcome: RecordOutcome) => void;
    reject: (err: unknown) => void;
  }> = [];
  const flush = async () => {
    const current = batch;
    batch = [];
    try {
      const rows = await query<{ outcome: string }>(
        'SELECT record_session_events(@batch::jsonb) AS outcome',
        { batch: JSON.stringify(current.map((b) => toBatchItem(b.input))) },
      );
      current.forEach((b, i) => b.resolve(parseOutcome(rows[i]?.outcome)));
    } catch (err) {
      for (const b of current) b.reject(err);
    }
  };
  const recordSessionEvent = (input: SessionEventInput) =>
    new Promise<RecordOutcome>((resolve, reject) => {
      batch.push({ input, resolve, reject });
      if (batch.length === 1) setImmediate(() => void flush());
    });

  // Read, decide and write in one transaction with the row locked (FOR UPDATE). A row that does
  // not exist yet cannot be locked: when another process inserts it first, the insert does
  // nothing and the whole change is decided again on the row it wrote.
  async function changeJob<T>(
    sessionId: string,
    decide: (job: Job | undefined, context: JobContext) => JobChange<T>,
  ): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await inTransaction(pool, async (run) => {
          const [row] = await run<JobRow>(
            'SELECT * FROM jobs WHERE session_id = @sessionId FOR UPDATE',
            { sessionId },
          );
          // An attempt in flight whose lock is free has lost its owner (the lock, taken here
          // until COMMIT, also keeps that owner's successor out meanwhile).
          const ownerAlive =
            row?.opscom_started_at != null &&
            !(
              await run<{ free: boolean }>(
                `SELECT pg_try_advisory_xact_lock(${attemptLockKey('@sessionId')}) AS free`,
                { sessionId },
              )
            )[0]?.free;
          const change = decide(row ? jobFromRow(row) : undefined, {
            attemptOwnerAlive: ownerAlive,
          });
          if (change.write) {
            const params = jobToParams(change.write, 'boolean');
            const written = row
              ? await run(REPLACE_JOB_SQL, params)
              : await run(
                  insertJobSql('ON CONFLICT (session_id) DO NOTHING RETURNING session_id'),
                  params,
                );
            if (!row && written.length === 0) throw new InsertLost();
          }
          if (change.note) await run(INSERT_EVENT_SQL, { ...change.note });
          return change.result;
        });
      } catch (err) {
        if (!(err instanceof InsertLost)) throw postgresStoreError(err);
        if (tries < 5) continue;
        throw new StoreError(
          `job ${sessionId} was created by another process five times while this one tried to write it`,
        );
      }
    }
  }

  const permitLife = postgresPermitLife(pool, ownerSession, query, JOBS_CHANNEL);
  return {
    recordSessionEvent,
    changeJob,
    recordNote: async (note) => {
      await query(INSERT_EVENT_SQL, { ...note });
    },
    recordIgnoredEvent: async (input) =>
      (
        await query(
          `
${INSERT_EVENT_SQL} RETURNING event_id`,
          { ...input, outcome: input.reason },
        )
      ).length > 0,
    claimNextJob: async (owner, now, leaseMs) => {
      // In a function for its planner setting (migrations/postgres/008_claim.sql).
      const [row] = await query<JobRow>(
        'SELECT * FROM claim_next_job(@owner, @now, @leaseMs, @seed)',
        { owner, now, leaseMs, seed: ATTEMPT_LOCK_SEED },
      );
      if (!row) return undefined;
      // The payment's facts read after the claim, not joined to it: a statement reads with the
      // snapshot it started with, while the function's update takes a new one, so a join could
      // pair a job a refund or dispute had just made pending with the facts from before that
      // refund, and the worker would finish the job at the new revision without acting on it
      // (seen once in CI: a dispute's permit not deleted). Read now, the facts hold at least
      // everything recorded up to the claimed revision.
      const job = jobFromRow(row);
      const pi = job.session.paymentIntentId;
      return {
        ...job,
        paymentFacts: pi === null ? undefined : await permitLife.getPaymentFacts(pi),
      };
    },
    startOpscomAttempt: (lease, permit) =>
      ownerSession.startAttempt(
        lease.sessionId,
        `UPDATE jobs SET permit_json = @permit, opscom_attempts = opscom_attempts + 1,
           opscom_started_at = @now, ${RENEW} ${OWNED} AND opscom_reference_id IS NULL`,
        { ...lease, permit: JSON.stringify(permit) },
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
    ...permitLife,
    ...operatorQueries(port, POSTGRES_PATHS),
    ...verificationQueries(port, 'FOR UPDATE SKIP LOCKED'),
    scheduleRetry: (lease, error, runAt) =>
      owned(
        `
        UPDATE jobs SET attempts = attempts + 1, last_error = @error, next_run_at = @runAt,
          opscom_started_at = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = @now`,
        lease,
        { error, runAt },
      ),
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
    ping: async () => {
      await query('SELECT 1');
    },
    onJobAvailable(fn) {
      listeners.push(fn);
      listener ??= listenForJobs(
        () => clientFor('listener'),
        JOBS_CHANNEL,
        () => {
          for (const l of listeners) l();
        },
        logger,
      );
    },
    close: async () => {
      await listener?.close();
      await ownerSession.close();
      await pool.end();
    },
  };
}

function toBatchItem(input: SessionEventInput): Record<string, unknown> {
  const paid = input.action === 'paid';
  return {
    eventId: input.eventId,
    eventType: input.eventType,
    sessionId: input.session.id,
    eventCreated: input.eventCreated,
    livemode: input.session.livemode,
    outcome: input.action,
    state: paid ? 'pending' : input.action,
    sessionJson: JSON.stringify(input.session),
    paidEventId: paid ? input.eventId : null,
    paidAt: paid ? input.eventCreated : null,
    now: input.receivedAt,
    traceContext: input.traceContext ?? null,
  };
}

function parseOutcome(text: string | undefined): RecordOutcome {
  if (text === 'duplicate') return { event: 'duplicate' };
  const [job, state] = (text ?? '').split(':');
  if ((job === 'created' || job === 'updated' || job === 'unchanged') && state) {
    return { event: 'recorded', job, state: state as JobState };
  }
  throw new StoreError(`record_session_events answered ${String(text)}`);
}
