import { intakeTransition } from '../domain/intakeRule';
import type { Logger } from '../logger';
import {
  eventFromRow,
  insertJobSql,
  INSERT_EVENT_SQL,
  claimedJobFromRow,
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
  WriteBackTarget,
  JobContext,
  JobState,
  Ledger,
  RecordOutcome,
  SessionEventInput,
} from './ledger';
import { startCheckpointer } from './sqliteCheckpointer';
import {
  assertSqliteSchema,
  openSqliteDatabase,
  sqliteStoreError,
  type SqliteDatabase,
} from './sqliteDatabase';
import { attemptOwnerAlive, sqliteAttempts } from './sqliteLiveness';
import { sqliteGroupCommit } from './sqliteGroupCommit';
import { sqlitePermitLife } from './sqlitePermitLife';
import { operatorQueries, SQLITE_PATHS } from './operatorQueries';
import { verificationQueries } from './verificationQueries';

/**
 * The embedded ledger: one SQLite file in WAL mode. Several processes may share the file:
 * writes take SQLite's write lock (BEGIN IMMEDIATE) and wait up to 5 s for it.
 *
 * Durability is chosen per write. Every commit reaches the operating system before the call
 * returns, so a killed process (even kill -9) loses nothing. The two writes whose loss on a
 * power cut would break a promise are also fsync'd (synchronous=FULL) before returning:
 * - the received event and its job, before the webhook is answered 200 (Stripe will not
 *   redeliver), and
 * - OPSCOM's answer, before anything else happens (losing it means a second permit).
 * The others (lease, attempt count, write-back flags, retry schedule) are not fsync'd: after a
 * power cut they are at worst redone, and the next durable write makes them durable too, since
 * the WAL is written in order. Events are committed in batches (group commit, below), so under
 * load one fsync covers many webhooks.
 */
export function openSqliteLedger(path: string, logger?: Logger): Ledger {
  const db = openSqliteDatabase(path);
  try {
    assertSqliteSchema(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  db.function('owner_alive', { deterministic: false, directOnly: true }, (owner, sessionId) =>
    attemptOwnerAlive(owner as string | null, sessionId as string),
  );
  // Checkpoints happen in a worker thread (see sqliteCheckpointer.ts), never in a commit.
  db.pragma('wal_autocheckpoint = 0');
  const checkpointer =
    path === ':memory:'
      ? undefined
      : startCheckpointer(path, (message) =>
          logger?.warn('ledger checkpoint failed', { error: message }),
        );

  const insertEvent = db.prepare(INSERT_EVENT_SQL);
  const selectState = db.prepare<[string], { state: string }>(
    'SELECT state FROM jobs WHERE session_id = ?',
  );
  const insertJob = db.prepare(`
    INSERT INTO jobs (session_id, state, livemode, session_json, paid_event_id, paid_at, next_run_at, created_at, updated_at, trace_context)
    VALUES (@sessionId, @state, @livemode, @sessionJson, @paidEventId, @paidAt, @now, @now, @now, @traceContext)`);
  const advanceWaitingJob = db.prepare(`
    UPDATE jobs SET state = @state, session_json = @sessionJson, paid_event_id = @paidEventId,
      paid_at = @paidAt, next_run_at = @now, updated_at = @now,
      trace_context = COALESCE(@traceContext, trace_context)
    WHERE session_id = @sessionId AND state = 'awaiting_payment'`);

  const recordOne = (input: SessionEventInput): RecordOutcome => {
    const inserted = insertEvent.run({
      eventId: input.eventId,
      eventType: input.eventType,
      sessionId: input.session.id,
      eventCreated: input.eventCreated,
      livemode: input.session.livemode ? 1 : 0,
      outcome: input.action,
      detail: null,
      receivedAt: input.receivedAt,
    });
    if (inserted.changes === 0) return { event: 'duplicate' };

    const existing = selectState.get(input.session.id);
    const effect = intakeTransition(existing?.state as JobState | undefined, input.action);
    const paid = input.action === 'paid';
    const params = {
      sessionId: input.session.id,
      state: effect.state,
      livemode: input.session.livemode ? 1 : 0,
      sessionJson: JSON.stringify(input.session),
      paidEventId: paid ? input.eventId : null,
      paidAt: paid ? input.eventCreated : null,
      now: input.receivedAt,
      traceContext: input.traceContext ?? null,
    };
    if (effect.job === 'created') insertJob.run(params);
    if (effect.job === 'updated') advanceWaitingJob.run(params);
    return { event: 'recorded', ...effect };
  };
  // Every write below joins the group commit (sqliteGroupCommit.ts): one transaction and one
  // commit per turn of the event loop, fsync'd when any write in it must be durable.
  const grouped = sqliteGroupCommit(db);
  const recordSessionEvent = (input: SessionEventInput) =>
    grouped(() => recordOne(input), true, true);

  const claim = db.prepare<{ owner: string; now: number; until: number }, JobRow>(`
    UPDATE jobs SET lease_owner = @owner, lease_expires_at = @until, updated_at = @now
    WHERE session_id = (
      SELECT session_id FROM jobs
      WHERE state = 'pending' AND next_run_at <= @now
        AND (lease_expires_at IS NULL OR lease_expires_at <= @now)
        AND (opscom_started_at IS NULL OR NOT owner_alive(lease_owner, session_id))
      ORDER BY next_run_at LIMIT 1)
    RETURNING *`);
  // The claimed job's payment facts, read in the claim's transaction.
  const claimedFacts = db.prepare<[string], { facts_json: string }>(
    `SELECT facts_json FROM payment_facts
     WHERE payment_intent_id = json_extract(?, '$.paymentIntentId')`,
  );
  const OWNED = OWNED_JOB;
  const RENEW = RENEW_LEASE.sqlite;
  // The last write finishes the job only at the revision its worker saw (store/ledger.ts).
  const FINISHING = `(@finished AND (@revision IS NULL OR revision = @revision))`;
  const startAttempt = db.prepare(`
    UPDATE jobs SET permit_json = @permit, opscom_attempts = opscom_attempts + 1,
      opscom_started_at = @now, ${RENEW} ${OWNED}
      AND opscom_reference_id IS NULL`);
  const opscomResult = db.prepare(`
    UPDATE jobs SET opscom_reference_id = @referenceId, opscom_internal_reference_id = @internalReferenceId,
      opscom_ends_at = @endsAt, opscom_at = @now, opscom_started_at = NULL, attempts = 0, last_error = NULL,
      live_json = COALESCE(@live, live_json), lease_owner = @owner, ${RENEW}
    WHERE session_id = @sessionId AND ${STILL_PENDING} AND opscom_reference_id IS NULL
      AND opscom_attempts = @attempt`);
  const writeBackStatement = (target: WriteBackTarget) =>
    db.prepare<Record<string, unknown>, { state: string }>(`
      UPDATE jobs SET ${WRITTEN_COLUMNS[target]}, attempts = 0, last_error = NULL, updated_at = @now,
        state = CASE WHEN ${FINISHING} THEN 'done' ELSE state END,
        lease_owner = CASE WHEN ${FINISHING} THEN NULL ELSE lease_owner END,
        lease_expires_at = CASE WHEN ${FINISHING} THEN NULL ELSE @now + @leaseMs END
      ${OWNED} RETURNING state`);
  const writeBack = {
    session: writeBackStatement('session'),
    payment_intent: writeBackStatement('payment_intent'),
    both: writeBackStatement('both'),
  };
  const retry = db.prepare(`
    UPDATE jobs SET attempts = attempts + 1, last_error = @error, next_run_at = @runAt,
      opscom_started_at = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = @now ${OWNED}`);
  // Ends the job only at the revision its worker saw (store/ledger.ts).
  const giveUp = db.prepare<Record<string, unknown>, { state: JobState }>(`
    UPDATE jobs SET state = CASE WHEN revision = @revision THEN @state ELSE state END,
      next_run_at = CASE WHEN revision = @revision THEN next_run_at ELSE @now END,
      last_error = @reason, opscom_started_at = NULL,
      lease_owner = NULL, lease_expires_at = NULL, updated_at = @now ${OWNED} RETURNING state`);
  const knownEnd = db.prepare<[string, string], { opscom_ends_at: string }>(`
    SELECT opscom_ends_at FROM jobs WHERE opscom_reference_id = ? AND opscom_ends_at IS NOT NULL
      AND session_id <> ?
    ORDER BY opscom_at DESC LIMIT 1`);
  const getJob = db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE session_id = ?');
  // Kept by triggers (migrations/sqlite/005_operators.sql): a few rows, whatever the size.
  const countByState = db.prepare<[], { state: string; n: number }>(
    'SELECT state, n FROM job_counts WHERE n <> 0',
  );
  // jobs_due (state, next_run_at): the first due pending job, by the index.
  const oldestDue = db.prepare<[number], { at: number | null }>(
    "SELECT MIN(next_run_at) AS at FROM jobs WHERE state = 'pending' AND next_run_at <= ?",
  );
  const insertWholeJob = db.prepare(insertJobSql(''));
  const replaceJob = db.prepare(REPLACE_JOB_SQL);
  // Read and write in one IMMEDIATE transaction: SQLite's write lock keeps every other writer
  // (this process's or another's) out between the read and the write.
  const changeJobTx = db.transaction(
    <T>(
      sessionId: string,
      decide: (job: Job | undefined, context: JobContext) => JobChange<T>,
    ): T => {
      const row = getJob.get(sessionId);
      const inFlight = row !== undefined && row.opscom_started_at !== null;
      const change = decide(row ? jobFromRow(row) : undefined, {
        attemptOwnerAlive: inFlight && attemptOwnerAlive(row.lease_owner, sessionId) === 1,
      });
      if (change.write) {
        const params = jobToParams(change.write, 'integer');
        (row ? replaceJob : insertWholeJob).run(params);
      }
      if (change.note) {
        insertEvent.run({ ...change.note, livemode: change.note.livemode ? 1 : 0 });
      }
      return change.result;
    },
  );

  // A durable write: fsync'd before it returns (synchronous=FULL for this commit only).
  // (Tried: committing with NORMAL and fsyncing the WAL file in libuv's thread pool, to keep
  // the event loop free during the disk wait; `npm run bench:intake` showed no gain here.)
  const durably = <T>(fn: () => T): T => {
    db.pragma('synchronous = FULL');
    try {
      return fn();
    } finally {
      db.pragma('synchronous = NORMAL');
    }
  };

  // better-sqlite3 is synchronous; each method runs to completion before it returns, and any
  // driver error becomes a StoreError (a rejected promise, never a throw past the caller).
  const run = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(sqliteStoreError(err));
    }
  };

  const port = sqlitePort(db, run);
  return {
    recordSessionEvent,
    recordIgnoredEvent: (input) =>
      grouped(
        () =>
          insertEvent.run({
            eventId: input.eventId,
            eventType: input.eventType,
            sessionId: input.sessionId,
            eventCreated: input.eventCreated,
            livemode: input.livemode ? 1 : 0,
            outcome: input.reason,
            detail: input.detail,
            receivedAt: input.receivedAt,
          }).changes > 0,
        true,
      ),
    claimNextJob: async (owner, now, leaseMs) => {
      const row = await grouped(() => {
        const claimed = claim.get({ owner, now, until: now + leaseMs });
        if (!claimed) return undefined;
        const facts = claimedFacts.get(claimed.session_json);
        return { ...claimed, claimed_facts_json: facts?.facts_json ?? null };
      }, false);
      return row ? claimedJobFromRow(row) : undefined;
    },
    startOpscomAttempt: (lease, permit) =>
      grouped(
        () =>
          sqliteAttempts.start(
            lease.owner,
            lease.sessionId,
            () => startAttempt.run({ ...lease, permit: JSON.stringify(permit) }).changes > 0,
          ),
        false,
      ),
    endOpscomAttempt: (sessionId, owner) => {
      sqliteAttempts.delete(owner, sessionId);
      return Promise.resolve();
    },
    recordOpscomResult: (lease, attempt, result) =>
      grouped(() => opscomResult.run(opscomResultParams(lease, attempt, result)).changes > 0, true),
    recordWriteBack: (lease, target, finished, revision) =>
      grouped(() => {
        const row = writeBack[target].get({
          ...lease,
          finished: finished ? 1 : 0,
          revision: revision ?? null,
        });
        return row ? (row.state as JobState) : false;
      }, false),
    ...sqlitePermitLife(db, run, durably),
    ...operatorQueries(port, SQLITE_PATHS),
    ...verificationQueries(port, ''),
    scheduleRetry: (lease, error, runAt) =>
      grouped(() => retry.run({ ...lease, error, runAt }).changes > 0, false),
    giveUp: (lease, state, reason, revision) =>
      grouped(() => giveUp.get({ ...lease, state, reason, revision })?.state ?? false, false),
    recordNote: (note) =>
      grouped(() => void insertEvent.run({ ...note, livemode: note.livemode ? 1 : 0 }), false),
    changeJob: <T>(
      sessionId: string,
      decide: (job: Job | undefined, context: JobContext) => JobChange<T>,
    ) =>
      // better-sqlite3's transaction type does not carry the generic through.
      run(() => durably(() => changeJobTx.immediate(sessionId, decide) as T)),
    findKnownEnd: (referenceId, exceptSessionId = '') =>
      run(() => knownEnd.get(referenceId, exceptSessionId)?.opscom_ends_at),
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
    ping: () => run(() => void db.prepare('SELECT 1').get()),
    onJobAvailable: () => undefined,
    close: async () => {
      await checkpointer?.stop();
      return run(() => void db.close());
    },
  };
}

/** The operator queries' way into SQLite: statements prepared once per text. */
function sqlitePort(
  db: SqliteDatabase,
  run: <T>(fn: () => T) => Promise<T>,
): Parameters<typeof operatorQueries>[0] {
  const statements = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
  return {
    all: <R extends object>(sql: string, params: Record<string, unknown> = {}) =>
      run(() => prepared(sql).all(params) as R[]),
    run: (sql, params = {}) => run(() => prepared(sql).run(params).changes),
  };
}
