import type { SessionEventAction } from './classifyEvent';

/**
 * A job's state (one job per Checkout Session):
 *
 * | state              | meaning                                          | next                        |
 * | ------------------ | ------------------------------------------------ | --------------------------- |
 * | `awaiting_payment` | completed, paid by a delayed method not yet paid | `pending`, `payment_failed` |
 * | `payment_failed`   | the delayed payment failed: no permit            | (final)                     |
 * | `pending`          | paid: the worker makes the permit                | `done`, `failed`, `dead`    |
 * | `done`             | OPSCOM answered and both write-backs landed      | `pending` (a change)        |
 * | `failed`           | permanent: bad metadata, OPSCOM refused it       | `pending` (replay)          |
 * | `dead`             | transient failures for JOB_MAX_AGE_HOURS         | `pending` (replay)          |
 * | `cancelled`        | refunded or disputed before any permit was made  | (final)                     |
 *
 * A `done` job goes back to `pending` when something that changes its permit is recorded (a
 * refund, a dispute, a correction), and is done again once its permit matches.
 */
export type JobState =
  'awaiting_payment' | 'payment_failed' | 'pending' | 'done' | 'failed' | 'dead' | 'cancelled';

export const JOB_STATES: readonly JobState[] = [
  'awaiting_payment',
  'payment_failed',
  'pending',
  'done',
  'failed',
  'dead',
  'cancelled',
];

export type IntakeEffect = { job: 'created' | 'updated' | 'unchanged'; state: JobState };

/**
 * The intake rule: what one new event (not a duplicate) does to its session's job. Only a job
 * still waiting for its delayed payment moves on; every other state is final for intake, so
 * duplicates, late and out-of-order events change nothing.
 *
 * The SQLite ledger applies this function; PostgreSQL's `record_session_events`
 * (migrations/postgres/002_record_session_events.sql) applies the same rule in plpgsql, in one
 * round trip per batch, and test/store/intakeRule.test.ts holds both ledgers to this function
 * for every state × event kind.
 */
export function intakeTransition(
  current: JobState | undefined,
  action: SessionEventAction,
): IntakeEffect {
  const target: JobState = action === 'paid' ? 'pending' : action;
  if (current === undefined) return { job: 'created', state: target };
  if (current === 'awaiting_payment' && target !== 'awaiting_payment') {
    return { job: 'updated', state: target };
  }
  return { job: 'unchanged', state: current };
}
