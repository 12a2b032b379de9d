import { intakeTransition } from '../../domain/intakeRule';
import { INSERT_EVENT_SQL, siteParam } from '../jobRow';
import type { IntakeLedger } from '../ledger';
import type { JobState, RecordOutcome, SessionEventInput } from '../ledgerRecords';
import type { SessionSnapshot } from '../../domain/sessionSnapshot';
import { keepStoredAccount } from '../sessionAccount';
import type { SqliteDatabase } from './sqliteDatabase';
import type { SqliteWritePolicy } from './writePolicy';

/** The SQLite ledger's intake: the intake rule applied in TypeScript, in the group commit. */
export function sqliteIntake(db: SqliteDatabase, { grouped }: SqliteWritePolicy): IntakeLedger {
  const insertEvent = db.prepare(INSERT_EVENT_SQL);
  const recordOne = sessionEventRecorder(db, insertEvent);
  return {
    // Durable (webhooks are answered 200 after it) and atomic: the event and its job stand
    // or fall together.
    recordSessionEvent: (input) => grouped(() => recordOne(input), true, true),
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
  };
}

/** The event, then its effect on the session's job (domain/intakeRule.ts), as statements. */
function sessionEventRecorder(
  db: SqliteDatabase,
  insertEvent: ReturnType<SqliteDatabase['prepare']>,
): (input: SessionEventInput) => RecordOutcome {
  const selectState = db.prepare<[string], { state: string; session_json: string }>(
    'SELECT state, session_json FROM jobs WHERE session_id = ?',
  );
  const noteEvent = db.prepare('UPDATE events SET detail = ? WHERE event_id = ?');
  const insertJob = db.prepare(`
    INSERT INTO jobs (session_id, state, livemode, session_json, paid_event_id, paid_at, next_run_at, created_at, updated_at, trace_context, site)
    VALUES (@sessionId, @state, @livemode, @sessionJson, @paidEventId, @paidAt, @now, @now, @now, @traceContext, @site)`);
  // The site is the creating event's alone: advancing a waiting job leaves it as it is.
  const advanceWaitingJob = db.prepare(`
    UPDATE jobs SET state = @state, session_json = @sessionJson, paid_event_id = @paidEventId,
      paid_at = @paidAt, next_run_at = @now, updated_at = @now,
      trace_context = COALESCE(@traceContext, trace_context)
    WHERE session_id = @sessionId AND state = 'awaiting_payment'`);

  return (input) => {
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
    // An advanced job keeps its stored account (sessionAccount.ts); created, the event's.
    const kept =
      effect.job === 'updated' && existing
        ? keepStoredAccount(JSON.parse(existing.session_json) as SessionSnapshot, input.session)
        : { session: input.session, note: null };
    if (kept.note !== null) noteEvent.run(kept.note, input.eventId);
    const params = {
      sessionId: input.session.id,
      state: effect.state,
      livemode: input.session.livemode ? 1 : 0,
      sessionJson: JSON.stringify(kept.session),
      paidEventId: paid ? input.eventId : null,
      paidAt: paid ? input.eventCreated : null,
      now: input.receivedAt,
      traceContext: input.traceContext ?? null,
      site: siteParam(input),
    };
    if (effect.job === 'created') insertJob.run(params);
    if (effect.job === 'updated') advanceWaitingJob.run(params);
    return { event: 'recorded', ...effect };
  };
}
