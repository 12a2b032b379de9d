import type { Pool } from 'pg';
import { mergeFact, noFacts, type PaymentFacts } from '../../domain/paymentFacts';
import { INSERT_EVENT_SQL, jobFromRow, type JobRow, OWNED_JOB, RENEW_LEASE } from '../jobRow';
import type { PermitLifeLedger } from '../ledger';
import type { JobState, PaymentEventInput, PaymentEventOutcome } from '../ledgerRecords';
import { inTransaction, postgresStoreError, type TransactionRun } from './postgresDatabase';
import type { OwnerSession } from './postgresOwnerSession';
import { POSTGRES_PATHS } from '../sqlPort';
import type { PgQuery } from './pgQuery';

const OWNED = OWNED_JOB;
const RENEW = RENEW_LEASE.postgres;
// The expression jobs_payment_intent indexes (migrations/postgres/005_permit_life.sql).
const PAYMENT_INTENT = POSTGRES_PATHS.paymentIntent;

/**
 * The PostgreSQL ledger's part for a permit's life after payment: refund and dispute events,
 * the payment's facts, and changes of a live permit (see store/ledger.ts for each method).
 */
export function postgresPermitLife(
  pool: Pool,
  ownerSession: OwnerSession,
  query: PgQuery,
  channel: string,
): PermitLifeLedger {
  return {
    async recordPaymentEvent(input) {
      try {
        return await inTransaction(pool, (run) => recordPaymentEvent(run, input, channel));
      } catch (err) {
        throw postgresStoreError(err);
      }
    },
    async getPaymentFacts(pi) {
      const [row] = await query<{ facts_json: string }>(
        'SELECT facts_json FROM payment_facts WHERE payment_intent_id = @pi',
        { pi },
      );
      return row ? (JSON.parse(row.facts_json) as PaymentFacts) : undefined;
    },
    jobsOfPaymentIntent: async (pi) =>
      (
        await query<JobRow>(
          `SELECT * FROM jobs WHERE ${PAYMENT_INTENT} = @pi ORDER BY created_at`,
          { pi },
        )
      ).map(jobFromRow),
    startPermitChange: (lease) =>
      ownerSession.startAttempt(
        lease.sessionId,
        `UPDATE jobs SET opscom_started_at = @now, ${RENEW} ${OWNED} AND opscom_reference_id IS NOT NULL`,
        { ...lease },
      ),
    recordPermitChange: async (lease, change) =>
      (
        await ownerSession.query(
          `UPDATE jobs SET live_json = @live, opscom_reference_id = @referenceId, opscom_ends_at = @endsAt,
             opscom_internal_reference_id = CASE WHEN @referenceId::text IS NULL THEN NULL ELSE opscom_internal_reference_id END,
             permit_json = CASE WHEN @referenceId::text IS NULL THEN NULL ELSE permit_json END,
             opscom_started_at = NULL, session_written_at = NULL, payment_intent_written_at = NULL,
             write_back_round = write_back_round + 1, attempts = 0, last_error = NULL, ${RENEW} ${OWNED}
           RETURNING session_id`,
          {
            ...lease,
            live: change.live === null ? null : JSON.stringify(change.live),
            referenceId: change.referenceId,
            endsAt: change.endsAt,
          },
          true,
        )
      ).length > 0,
  };
}

/** The event, the payment's facts merged with it, and its jobs woken, in `run`'s transaction. */
async function recordPaymentEvent(
  run: TransactionRun,
  input: PaymentEventInput,
  channel: string,
): Promise<PaymentEventOutcome> {
  const pi = input.paymentIntentId;
  const jobs = await run<{ session_id: string; state: JobState }>(
    `SELECT session_id, state FROM jobs WHERE ${PAYMENT_INTENT} = @pi ORDER BY created_at`,
    { pi },
  );
  const inserted = await run(`${INSERT_EVENT_SQL} RETURNING event_id`, {
    eventId: input.eventId,
    eventType: input.eventType,
    sessionId: jobs[0]?.session_id ?? null,
    eventCreated: input.eventCreated,
    livemode: input.livemode,
    outcome: input.fact.kind,
    detail: JSON.stringify({ paymentIntentId: pi, ...input.fact }),
    receivedAt: input.receivedAt,
  });
  // A duplicate: nothing was written, so the transaction commits nothing.
  if (inserted.length === 0) return { event: 'duplicate' };
  // The facts row locked, so that two events of one payment merge one after the other.
  await run(
    `INSERT INTO payment_facts (payment_intent_id, facts_json, updated_at) VALUES (@pi, @empty, @now)
     ON CONFLICT (payment_intent_id) DO NOTHING`,
    { pi, empty: JSON.stringify(noFacts(pi)), now: input.receivedAt },
  );
  const [row] = await run<{ facts_json: string }>(
    'SELECT facts_json FROM payment_facts WHERE payment_intent_id = @pi FOR UPDATE',
    { pi },
  );
  const before = row ? (JSON.parse(row.facts_json) as PaymentFacts) : noFacts(pi);
  await run(
    'UPDATE payment_facts SET facts_json = @facts, updated_at = @now WHERE payment_intent_id = @pi',
    { pi, facts: JSON.stringify(mergeFact(before, input.fact)), now: input.receivedAt },
  );
  // A done job goes back to pending for another round; a pending one learns its revision moved.
  const woken = await run<{ session_id: string; state: JobState }>(
    `UPDATE jobs SET revision = revision + 1, updated_at = @now,
       trace_context = COALESCE(@traceContext::text, trace_context),
       next_run_at = CASE WHEN state = 'done' THEN @now ELSE next_run_at END,
       state = CASE WHEN state = 'done' THEN 'pending' ELSE state END
     WHERE ${PAYMENT_INTENT} = @pi AND state IN ('done', 'pending')
     RETURNING session_id, state`,
    { pi, now: input.receivedAt, traceContext: input.traceContext ?? null },
  );
  if (woken.length > 0) await run(`SELECT pg_notify('${channel}', '')`);
  const after = new Map(woken.map((w) => [w.session_id, w.state]));
  return {
    event: 'recorded',
    sessions: jobs.map((j) => ({
      sessionId: j.session_id,
      state: after.get(j.session_id) ?? j.state,
    })),
  };
}
