import Database from 'better-sqlite3';
import type { DateTime } from 'luxon';
import { Client } from 'pg';
import type { StoreConfig } from '../../src/config';
import type { Job } from '../../src/store/ledger';
import { emptyJob, JOB_COLUMNS, jobToParams } from '../../src/store/jobRow';

/**
 * One job as the worker leaves it: done, permit made and written back. Its permit ended on
 * 2026-11-28, or stands until `end` (site-local, in the bench's OPSCOM_TIMEZONE) when given.
 */
function template(end?: DateTime): Job {
  const at = Date.now() - 86_400_000;
  const endTime = end?.toFormat("yyyy-MM-dd'T'HH:mm:ss") ?? '2026-11-28T12:00:00';
  const endsAt = end?.toISO({ suppressMilliseconds: true }) ?? '2026-11-28T12:00:00-05:00';
  const startTime =
    end?.minus({ hours: 2 }).toFormat("yyyy-MM-dd'T'HH:mm:ss") ?? '2026-11-28T10:00:00';
  return {
    ...emptyJob('cs_bench_0', at),
    state: 'done',
    session: {
      id: 'cs_bench_0',
      livemode: false,
      paymentStatus: 'paid',
      amountTotal: 1450,
      currency: 'cad',
      metadata: { plate: 'B0', duration: '120', zone: 'Z1' },
      customFields: {},
      paymentIntentId: 'pi_bench_0',
    },
    paidEventId: 'evt_bench_0',
    paidAt: Math.floor(at / 1000),
    permit: {
      action: 'create',
      plate: 'B0',
      zone: 'Z1',
      startTime,
      endTime,
      endsAt,
      amount: '14.50',
      currency: 'CAD',
    },
    opscomAttempts: 1,
    opscom: {
      referenceId: 'OC-B0',
      internalReferenceId: '1',
      endsAt,
      at,
    },
    sessionWrittenAt: at,
    paymentIntentWrittenAt: at,
    live: {
      referenceId: 'OC-B0',
      internalReferenceId: '1',
      plate: 'B0',
      zone: 'Z1',
      startTime,
      endTime,
      endsAt,
      amount: '14.50',
      currency: 'CAD',
      status: 'active',
      replaced: null,
    },
  };
}

/**
 * Copies the template row `count` times in one statement: each copy's session id, PaymentIntent,
 * plate and reference made unique by replacing the template's `_0`/`B0` markers with its number,
 * and its times spread over the last day; then `extras.pending` due pending jobs and
 * `extras.failed` failed ones (for the console's lists; none for a bench that runs a worker).
 * It ends as a ledger that grew slowly would be: checkpointed (PostgreSQL: vacuumed, analyzed).
 * `standingUntil`: every permit (plates B0…B<count-1>) stands until then, so each is due a
 * check (the migration's trigger gives each copy its verification row, due since it was made).
 */
export async function fillDoneJobs(
  store: StoreConfig,
  count: number,
  extras = { pending: 1000, failed: 100 },
  standingUntil?: DateTime,
): Promise<void> {
  const row = jobToParams(template(standingUntil), store.kind === 'sqlite' ? 'integer' : 'boolean');
  const columns = JOB_COLUMNS.join(', ');
  const placeholders = (n: (i: number) => string) => JOB_COLUMNS.map((_c, i) => n(i)).join(', ');
  const mark = (c: string) =>
    c.endsWith('_json') ||
    c === 'session_id' ||
    c === 'opscom_reference_id' ||
    c === 'paid_event_id'
      ? `replace(replace(t.${c}, '_0', '_' || g.i), 'B0', 'B' || g.i)`
      : c === 'updated_at' || c === 'created_at' || c === 'next_run_at'
        ? `t.${c} + g.i`
        : `t.${c}`;
  /** Copies of the template, one per number of `series`; `prefix` names them cs_bench_<prefix>N. */
  const copies = (series: string, prefix?: string) =>
    `INSERT INTO jobs (${columns}) SELECT ${JOB_COLUMNS.map((c) =>
      prefix !== undefined && c === 'session_id' ? `'cs_bench_${prefix}' || g.i` : mark(c),
    ).join(', ')} FROM jobs t, ${series} WHERE t.session_id = 'cs_bench_0'`;
  const special = `
    UPDATE jobs SET state = CASE WHEN session_id LIKE 'cs_bench_p%' THEN 'pending' ELSE 'failed' END,
      last_error = CASE WHEN session_id LIKE 'cs_bench_f%' THEN 'cannot map session to a permit: bench' END,
      opscom_reference_id = NULL, live_json = NULL
    WHERE session_id LIKE 'cs_bench_p%' OR session_id LIKE 'cs_bench_f%'`;
  /** The fill after the template row, whatever runs the SQL and spells a series of numbers. */
  const fillWith = async (exec: (sql: string) => unknown, series: (n: number) => string) => {
    await exec(copies(series(count - 1)));
    if (extras.pending > 0) await exec(copies(series(extras.pending), 'p'));
    if (extras.failed > 0) await exec(copies(series(extras.failed), 'f'));
    await exec(special);
  };

  if (store.kind === 'sqlite') {
    const db = new Database(store.sqlitePath);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.prepare(
      `INSERT INTO jobs (${columns}) VALUES (${placeholders((i) => `@${JOB_COLUMNS[i]}`)})`,
    ).run(row);
    const series = (n: number) =>
      `(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n}) SELECT i FROM s) AS g`;
    await fillWith((sql) => db.exec(sql), series);
    // No ANALYZE: the service never runs it, so a ledger that grew has no statistics. With
    // them (better-sqlite3 builds SQLite with STAT4) SQLite plans the claim again each time
    // its time parameter changes: 36 µs a claim became 88 µs on a million jobs.
    // Into the database file now: a ledger that grew over months holds no gigabyte of WAL for
    // the service's checkpointer to copy during the measure.
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    return;
  }
  const client = new Client({ connectionString: store.url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO jobs (${columns}) VALUES (${placeholders((i) => `$${i + 1}`)})`,
      JOB_COLUMNS.map((c) => row[c]),
    );
    const series = (n: number) => `generate_series(1, ${n}) AS g(i)`;
    await fillWith((sql) => client.query(sql), series);
    await client.query('VACUUM ANALYZE jobs');
    await client.query('VACUUM ANALYZE verifications');
    // Likewise: the fill's dirty pages written out now, not by a checkpoint during the measure
    // (which would also make every first write to a page after it log the whole page).
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}
