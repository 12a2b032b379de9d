import { Client, type Pool, type PoolClient } from 'pg';
import { SchemaError } from '../errors';
import type { Logger } from '../logger';
import { eventFromRow, jobFromRow, type EventRow, type JobRow } from './jobRow';
import type { Job, JobState, Ledger, LeaseRef, RecordOutcome } from './ledger';
import { listenForJobs } from './postgresListener';
import {
  assertPostgresSchema,
  createPool,
  named,
  postgresStoreError,
  type PostgresOptions,
} from './postgresDatabase';

export const JOBS_CHANNEL = 'adapter_jobs';

const OWNED = `WHERE session_id = @sessionId AND lease_owner = @owner AND state = 'pending'`;
const RENEW = `lease_expires_at = @now::bigint + @leaseMs::bigint, updated_at = @now`;

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

  async function inTransaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient | undefined;
    try {
      client = await pool.connect();
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client?.query('ROLLBACK').catch(() => undefined);
      throw postgresStoreError(err, 'ledger write failed');
    } finally {
      client?.release();
    }
  }
  const on = async <R extends object>(
    client: PoolClient,
    sql: string,
    params: Record<string, unknown>,
  ) => {
    const { text, values } = named(sql, params);
    return (await client.query<R>(text, values)).rows;
  };

  return {
    recordSessionEvent: (input) =>
      inTransaction(async (client): Promise<RecordOutcome> => {
        const inserted = await on(
          client,
          `
          INSERT INTO events (event_id, event_type, session_id, event_created, livemode, outcome, detail, received_at)
          VALUES (@eventId, @eventType, @sessionId, @eventCreated, @livemode, @outcome, NULL, @receivedAt)
          ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
          {
            eventId: input.eventId,
            eventType: input.eventType,
            sessionId: input.session.id,
            eventCreated: input.eventCreated,
            livemode: input.session.livemode,
            outcome: input.action,
            receivedAt: input.receivedAt,
          },
        );
        if (inserted.length === 0) return { event: 'duplicate' };
        const state: JobState = input.action === 'paid' ? 'pending' : input.action;
        const paid = input.action === 'paid';
        const params = {
          sessionId: input.session.id,
          state,
          livemode: input.session.livemode,
          sessionJson: JSON.stringify(input.session),
          paidEventId: paid ? input.eventId : null,
          paidAt: paid ? input.eventCreated : null,
          now: input.receivedAt,
        };
        let outcome: RecordOutcome;
        const created = await on(
          client,
          `
          INSERT INTO jobs (session_id, state, livemode, session_json, paid_event_id, paid_at, next_run_at, created_at, updated_at)
          VALUES (@sessionId, @state, @livemode, @sessionJson, @paidEventId, @paidAt, @now, @now, @now)
          ON CONFLICT (session_id) DO NOTHING RETURNING state`,
          params,
        );
        if (created.length > 0) {
          outcome = { event: 'recorded', job: 'created', state };
        } else {
          // Only a session still waiting for its delayed payment moves on (as in SQLite).
          const advanced =
            state === 'awaiting_payment'
              ? []
              : await on(
                  client,
                  `
                UPDATE jobs SET state = @state, session_json = @sessionJson, paid_event_id = @paidEventId,
                  paid_at = @paidAt, next_run_at = @now, updated_at = @now
                WHERE session_id = @sessionId AND state = 'awaiting_payment' RETURNING state`,
                  params,
                );
          if (advanced.length > 0) {
            outcome = { event: 'recorded', job: 'updated', state };
          } else {
            const [row] = await on<{ state: JobState }>(
              client,
              'SELECT state FROM jobs WHERE session_id = @sessionId',
              params,
            );
            outcome = { event: 'recorded', job: 'unchanged', state: row?.state ?? state };
          }
        }
        if (outcome.job !== 'unchanged' && outcome.state === 'pending') {
          // Delivered to every listening process when this transaction commits.
          await client.query(`SELECT pg_notify('${JOBS_CHANNEL}', '')`);
        }
        return outcome;
      }),
    recordIgnoredEvent: async (input) =>
      (
        await query(
          `
          INSERT INTO events (event_id, event_type, session_id, event_created, livemode, outcome, detail, received_at)
          VALUES (@eventId, @eventType, @sessionId, @eventCreated, @livemode, @reason, @detail, @receivedAt)
          ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
          { ...input },
        )
      ).length > 0,
    claimNextJob: async (owner, now, leaseMs) => {
      const [row] = await query<JobRow>(
        `
        UPDATE jobs SET lease_owner = @owner, lease_expires_at = @now::bigint + @leaseMs::bigint, updated_at = @now
        WHERE session_id = (
          SELECT session_id FROM jobs
          WHERE state = 'pending' AND next_run_at <= @now
            AND (lease_expires_at IS NULL OR lease_expires_at <= @now)
          ORDER BY next_run_at LIMIT 1
          FOR UPDATE SKIP LOCKED)
        RETURNING *`,
        { owner, now, leaseMs },
      );
      return row ? jobFromRow(row) : undefined;
    },
    startOpscomAttempt: (lease, permit) =>
      owned(
        `UPDATE jobs SET permit_json = @permit, opscom_attempts = opscom_attempts + 1, ${RENEW}`,
        lease,
        { permit: JSON.stringify(permit) },
        'AND opscom_reference_id IS NULL',
      ),
    recordOpscomResult: async (lease, attempt, result) =>
      (
        await query(
          `
          UPDATE jobs SET opscom_reference_id = @referenceId, opscom_internal_reference_id = @internalReferenceId,
            opscom_ends_at = @endsAt, opscom_at = @now, attempts = 0, last_error = NULL,
            lease_owner = @owner, ${RENEW}
          WHERE session_id = @sessionId AND state = 'pending' AND opscom_reference_id IS NULL
            AND opscom_attempts = @attempt
          RETURNING session_id`,
          {
            ...lease,
            attempt,
            referenceId: result.referenceId,
            internalReferenceId: result.internalReferenceId ?? null,
            endsAt: result.endsAt,
          },
        )
      ).length > 0,
    recordWriteBack: (lease, target, finished) =>
      owned(
        `
        UPDATE jobs SET ${target === 'session' ? 'session_written_at' : 'payment_intent_written_at'} = @now,
          attempts = 0, last_error = NULL, updated_at = @now,
          state = CASE WHEN @finished::boolean THEN 'done' ELSE state END,
          lease_owner = CASE WHEN @finished::boolean THEN NULL ELSE lease_owner END,
          lease_expires_at = CASE WHEN @finished::boolean THEN NULL ELSE @now::bigint + @leaseMs::bigint END`,
        lease,
        { finished },
      ),
    scheduleRetry: (lease, error, runAt) =>
      owned(
        `
        UPDATE jobs SET attempts = attempts + 1, last_error = @error, next_run_at = @runAt,
          lease_owner = NULL, lease_expires_at = NULL, updated_at = @now`,
        lease,
        { error, runAt },
      ),
    giveUp: (lease, state, reason) =>
      owned(
        `
        UPDATE jobs SET state = @state, last_error = @reason, lease_owner = NULL, lease_expires_at = NULL,
          updated_at = @now`,
        lease,
        { state, reason },
      ),
    findKnownEnd: async (referenceId) => {
      const [row] = await query<{ opscom_ends_at: string }>(
        `
        SELECT opscom_ends_at FROM jobs WHERE opscom_reference_id = @referenceId AND opscom_ends_at IS NOT NULL
        ORDER BY opscom_at DESC LIMIT 1`,
        { referenceId },
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
    ping: async () => {
      await query('SELECT 1');
    },
    onJobAvailable(fn) {
      listeners.push(fn);
      listener ??= listenForJobs(
        () => new Client({ connectionString: options.url, ssl: options.ssl }),
        JOBS_CHANNEL,
        () => {
          for (const l of listeners) l();
        },
        logger,
      );
    },
    close: async () => {
      await listener?.close();
      await pool.end();
    },
  };
}
