import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { StoreConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics/metrics';
import type { Job, Ledger } from '../../src/store/ledger';
import { JOB_COLUMNS, jobToParams } from '../../src/store/jobRow';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { toolArgs } from '../devtools/cliArgs';
import {
  createDatabaseOn,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../devtools/throwawayPostgres';
import { percentile } from './stats';

/**
 * `npm run bench:scrape [-- --store sqlite|postgres --jobs 1000000 --rounds 20]`: what a
 * Prometheus scrape of /metrics and the console's queries cost with a big ledger. The ledger is
 * filled in SQL from one real job row (done, with its permit) copied `--jobs` times with its
 * own session, PaymentIntent, plate and reference, plus 1,000 pending and 100 failed jobs.
 * Prints p50/p99/max per query over `--rounds` rounds.
 */
export async function runScrapeBench(argv: readonly string[]): Promise<void> {
  const args = toolArgs(argv, {
    store: { kind: 'choice', default: 'sqlite', choices: ['sqlite', 'postgres'] },
    jobs: { kind: 'number', default: 1_000_000, min: 1 },
    rounds: { kind: 'number', default: 20, min: 1 },
  });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-scrape-'));
  let pg: ThrowawayPostgres | undefined;
  let ledger: Ledger | undefined;
  try {
    const store: StoreConfig =
      args.store === 'postgres'
        ? {
            kind: 'postgres',
            url: await createDatabaseOn((pg = await startThrowawayPostgres()).url, 'scrape'),
            ssl: false,
            poolSize: 4,
          }
        : { kind: 'sqlite', sqlitePath: join(dir, 'ledger.sqlite') };
    await migrateLedger(store);
    const filling = Date.now();
    say(`Filling a ${args.store} ledger with ${args.jobs.toLocaleString('en')} done jobs…`);
    await fill(store, args.jobs);
    say(`  filled in ${((Date.now() - filling) / 1000).toFixed(1)} s`);
    if (store.kind === 'sqlite') {
      const bytes = statSync(store.sqlitePath).size;
      say(
        `  ledger file ${(bytes / 1e6).toFixed(0)} MB (${Math.round(bytes / args.jobs)} bytes a job)`,
      );
    }

    ledger = await openLedger(store, createLogger({ level: 'error', pretty: false }));
    const l = ledger;
    const metrics = createMetrics(l, Date.now);
    const probes: Array<[string, () => Promise<unknown>]> = [
      ['GET /metrics (whole scrape)', () => metrics.registry.metrics()],
      ['jobs by state (job_counts)', () => l.countJobs()],
      ['oldest waiting job', () => l.oldestDuePending(Date.now())],
      ['console: last permit made', () => l.findJobs({ states: ['done'], limit: 1, offset: 0 })],
      [
        'console: recent failures',
        () => l.findJobs({ states: ['failed', 'dead'], limit: 10, offset: 0 }),
      ],
      ['console: all jobs, page 1', () => l.findJobs({ limit: 51, offset: 0 })],
      [
        'console: done jobs, page 100',
        () => l.findJobs({ states: ['done'], limit: 51, offset: 4950 }),
      ],
      ['console: search by plate', () => l.findJobs({ search: 'B123456', limit: 51, offset: 0 })],
      [
        'console: search by PaymentIntent',
        () => l.findJobs({ search: 'pi_bench_123456', limit: 51, offset: 0 }),
      ],
      [
        'console: search by reference',
        () => l.findJobs({ search: 'OC-B123456', limit: 51, offset: 0 }),
      ],
      [
        'console: count for "retry all"',
        () => l.countJobsMatching({ states: ['failed', 'dead'] }, 500),
      ],
    ];
    say('');
    say(`| ${args.jobs.toLocaleString('en')} jobs, ${args.store} | p50 ms | p99 ms | max ms |`);
    say('|---|---|---|---|');
    for (const [name, probe] of probes) {
      await probe(); // warm: the first scrape also reads pages into the cache
      const times: number[] = [];
      for (let i = 0; i < args.rounds; i++) {
        const started = performance.now();
        await probe();
        times.push(performance.now() - started);
      }
      const f = (n: number) => n.toFixed(1);
      say(
        `| ${name} | ${f(percentile(times, 50))} | ${f(percentile(times, 99))} | ${f(Math.max(...times))} |`,
      );
    }
  } finally {
    await ledger?.close();
    pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One job as the worker leaves it: done, permit made and written back. */
function template(): Job {
  const at = Date.now() - 86_400_000;
  return {
    sessionId: 'cs_bench_0',
    state: 'done',
    livemode: false,
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
      startTime: '2026-11-28T10:00:00',
      endTime: '2026-11-28T12:00:00',
      endsAt: '2026-11-28T12:00:00-05:00',
      amount: '14.50',
      currency: 'CAD',
    },
    opscomAttempts: 1,
    opscomStartedAt: null,
    opscom: {
      referenceId: 'OC-B0',
      internalReferenceId: '1',
      endsAt: '2026-11-28T12:00:00-05:00',
      at,
    },
    sessionWrittenAt: at,
    paymentIntentWrittenAt: at,
    attempts: 0,
    nextRunAt: at,
    leaseOwner: null,
    leaseExpiresAt: null,
    lastError: null,
    updateOf: null,
    corrections: null,
    writeBackRound: 0,
    live: {
      referenceId: 'OC-B0',
      internalReferenceId: '1',
      plate: 'B0',
      zone: 'Z1',
      startTime: '2026-11-28T10:00:00',
      endTime: '2026-11-28T12:00:00',
      endsAt: '2026-11-28T12:00:00-05:00',
      amount: '14.50',
      currency: 'CAD',
      status: 'active',
      replaced: null,
    },
    revision: 0,
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * Copies the template row `count` times in one statement: each copy's session id, PaymentIntent,
 * plate and reference made unique by replacing the template's `_0`/`B0` markers with its number,
 * and its times spread over the last day. Then 1,000 due pending and 100 failed jobs.
 */
async function fill(store: StoreConfig, count: number): Promise<void> {
  const row = jobToParams(template(), store.kind === 'sqlite' ? 'integer' : 'boolean');
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
  const copies = (series: string, extra = '') =>
    `INSERT INTO jobs (${columns}) SELECT ${JOB_COLUMNS.map(mark).join(', ')}
     FROM jobs t, ${series} WHERE t.session_id = 'cs_bench_0' ${extra}`;
  const special = `
    UPDATE jobs SET state = CASE WHEN session_id LIKE 'cs_bench_p%' THEN 'pending' ELSE 'failed' END,
      last_error = CASE WHEN session_id LIKE 'cs_bench_f%' THEN 'cannot map session to a permit: bench' END,
      opscom_reference_id = NULL, live_json = NULL
    WHERE session_id LIKE 'cs_bench_p%' OR session_id LIKE 'cs_bench_f%'`;
  const specials = (prefix: string, n: number, series: (n: number) => string) =>
    `INSERT INTO jobs (${columns}) SELECT ${JOB_COLUMNS.map((c) =>
      c === 'session_id' ? `'cs_bench_${prefix}' || g.i` : mark(c),
    ).join(', ')} FROM jobs t, ${series(n)} WHERE t.session_id = 'cs_bench_0'`;

  if (store.kind === 'sqlite') {
    const db = new Database(store.sqlitePath);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.prepare(
      `INSERT INTO jobs (${columns}) VALUES (${placeholders((i) => `@${JOB_COLUMNS[i]}`)})`,
    ).run(row);
    const series = (n: number) =>
      `(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n}) SELECT i FROM s) AS g`;
    db.exec(copies(series(count - 1)));
    db.exec(specials('p', 1000, series));
    db.exec(specials('f', 100, series));
    db.exec(special);
    db.exec('ANALYZE');
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
    await client.query(copies(series(count - 1)));
    await client.query(specials('p', 1000, series));
    await client.query(specials('f', 100, series));
    await client.query(special);
    await client.query('VACUUM ANALYZE jobs');
  } finally {
    await client.end();
  }
}
