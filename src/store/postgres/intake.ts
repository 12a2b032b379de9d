import { StoreError } from '../../errors';
import { INSERT_EVENT_SQL, siteParam } from '../jobRow';
import type { IntakeLedger } from '../ledger';
import type { JobState, RecordOutcome, SessionEventInput } from '../ledgerRecords';
import type { PgQuery } from './pgQuery';

/**
 * The PostgreSQL ledger's intake. Group commit, as in SQLite: the events of one turn of the
 * event loop go to PostgreSQL in one call of record_session_events (migrations/postgres/002),
 * which applies the intake rule in plpgsql: one round trip and one commit; every caller's
 * promise settles after that commit.
 */
export function postgresIntake(query: PgQuery): IntakeLedger {
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
  return {
    recordSessionEvent: (input) =>
      new Promise<RecordOutcome>((resolve, reject) => {
        batch.push({ input, resolve, reject });
        if (batch.length === 1) setImmediate(() => void flush());
      }),
    recordIgnoredEvent: async (input) =>
      (
        await query(
          `
${INSERT_EVENT_SQL} RETURNING event_id`,
          { ...input, outcome: input.reason },
        )
      ).length > 0,
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
    // Stored only by the item that creates the job (migrations/postgres/013_site.sql).
    site: siteParam(input),
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
