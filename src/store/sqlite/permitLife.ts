import { mergeFact, noFacts, type PaymentFacts } from '../../domain/paymentFacts';
import { INSERT_EVENT_SQL, jobFromRow, type JobRow, OWNED_JOB, RENEW_LEASE } from '../jobRow';
import type { PermitLifeLedger } from '../ledger';
import type { JobState, PaymentEventInput, PaymentEventOutcome } from '../ledgerRecords';
import { SQLITE_PATHS } from '../sqlPort';
import type { SqliteDatabase } from './sqliteDatabase';
import { sqliteAttempts } from './sqliteLiveness';
import type { SqliteWritePolicy } from './writePolicy';

const OWNED = OWNED_JOB;
const RENEW = RENEW_LEASE.sqlite;
// The expression jobs_payment_intent indexes (migrations/sqlite/004_permit_life.sql).
const PAYMENT_INTENT = SQLITE_PATHS.paymentIntent;

/**
 * The SQLite ledger's part for a permit's life after payment: refund and dispute events, the
 * payment's facts, and changes of a live permit (see store/ledger.ts for each method). Each
 * write is a transaction of its own, not in the group commit.
 */
export function sqlitePermitLife(
  db: SqliteDatabase,
  { run, durably }: SqliteWritePolicy,
): PermitLifeLedger {
  const readFacts = db.prepare<[string], { facts_json: string }>(
    'SELECT facts_json FROM payment_facts WHERE payment_intent_id = ?',
  );
  const wholeJobsOf = db.prepare<[string], JobRow>(
    `SELECT * FROM jobs WHERE ${PAYMENT_INTENT} = ? ORDER BY created_at`,
  );
  const startChange = db.prepare(`
    UPDATE jobs SET opscom_started_at = @now, ${RENEW} ${OWNED} AND opscom_reference_id IS NOT NULL`);
  const recordChange = db.prepare(`
    UPDATE jobs SET live_json = @live, opscom_reference_id = @referenceId, opscom_ends_at = @endsAt,
      opscom_internal_reference_id = CASE WHEN @referenceId IS NULL THEN NULL ELSE opscom_internal_reference_id END,
      permit_json = CASE WHEN @referenceId IS NULL THEN NULL ELSE permit_json END,
      opscom_started_at = NULL, session_written_at = NULL, payment_intent_written_at = NULL,
      write_back_round = write_back_round + 1, attempts = 0, last_error = NULL, ${RENEW} ${OWNED}`);
  const recordTx = paymentEventTransaction(db);

  return {
    recordPaymentEvent: (input) => run(() => durably(() => recordTx.immediate(input))),
    getPaymentFacts: (pi) =>
      run(() => {
        const row = readFacts.get(pi);
        return row ? (JSON.parse(row.facts_json) as PaymentFacts) : undefined;
      }),
    jobsOfPaymentIntent: (pi) => run(() => wholeJobsOf.all(pi).map(jobFromRow)),
    startPermitChange: (lease) =>
      run(() =>
        sqliteAttempts.start(
          lease.owner,
          lease.sessionId,
          () => startChange.run({ ...lease }).changes > 0,
        ),
      ),
    recordPermitChange: (lease, change) =>
      run(() =>
        durably(
          () =>
            recordChange.run({
              ...lease,
              live: change.live === null ? null : JSON.stringify(change.live),
              referenceId: change.referenceId,
              endsAt: change.endsAt,
            }).changes > 0,
        ),
      ),
  };
}

/** The event, the payment's facts merged with it, and its jobs woken, in one transaction. */
function paymentEventTransaction(db: SqliteDatabase) {
  const insertEvent = db.prepare(INSERT_EVENT_SQL);
  const readFacts = db.prepare<[string], { facts_json: string }>(
    'SELECT facts_json FROM payment_facts WHERE payment_intent_id = ?',
  );
  const writeFacts = db.prepare(`
    INSERT INTO payment_facts (payment_intent_id, facts_json, updated_at) VALUES (@pi, @facts, @now)
    ON CONFLICT (payment_intent_id) DO UPDATE SET facts_json = excluded.facts_json, updated_at = excluded.updated_at`);
  const jobsOf = db.prepare<[string], { session_id: string; state: string }>(
    `SELECT session_id, state FROM jobs WHERE ${PAYMENT_INTENT} = ? ORDER BY created_at`,
  );
  // A done job goes back to pending for another round; a pending one (in progress, or waiting
  // for a retry) learns that its revision moved. Other states keep the fact for the record.
  const wake = db.prepare(`
    UPDATE jobs SET revision = revision + 1, updated_at = @now,
      trace_context = COALESCE(@traceContext, trace_context),
      next_run_at = CASE WHEN state = 'done' THEN @now ELSE next_run_at END,
      state = CASE WHEN state = 'done' THEN 'pending' ELSE state END
    WHERE ${PAYMENT_INTENT} = @pi AND state IN ('done', 'pending')`);

  return db.transaction((input: PaymentEventInput): PaymentEventOutcome => {
    const jobs = jobsOf.all(input.paymentIntentId);
    const inserted = insertEvent.run({
      eventId: input.eventId,
      eventType: input.eventType,
      sessionId: jobs[0]?.session_id ?? null,
      eventCreated: input.eventCreated,
      livemode: input.livemode ? 1 : 0,
      outcome: input.fact.kind,
      detail: JSON.stringify({ paymentIntentId: input.paymentIntentId, ...input.fact }),
      receivedAt: input.receivedAt,
    });
    if (inserted.changes === 0) return { event: 'duplicate' };
    const row = readFacts.get(input.paymentIntentId);
    const before = row
      ? (JSON.parse(row.facts_json) as PaymentFacts)
      : noFacts(input.paymentIntentId);
    writeFacts.run({
      pi: input.paymentIntentId,
      facts: JSON.stringify(mergeFact(before, input.fact)),
      now: input.receivedAt,
    });
    wake.run({
      pi: input.paymentIntentId,
      now: input.receivedAt,
      traceContext: input.traceContext ?? null,
    });
    return {
      event: 'recorded',
      sessions: jobsOf.all(input.paymentIntentId).map((j) => ({
        sessionId: j.session_id,
        state: j.state as JobState,
      })),
    };
  });
}
