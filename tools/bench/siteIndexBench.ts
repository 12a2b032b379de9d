import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import type { JobQuery } from '../../src/store/ledgerRecords';
import { migrateLedger } from '../../src/store/openLedger';
import { operatorQueries } from '../../src/store/operatorQueries';
import { ATTEMPT_LOCK_SEED } from '../../src/store/postgres/attemptLock';
import { migratePostgres } from '../../src/store/postgres/postgresMigrate';
import { CLAIM_SQL, HEAD_CANDIDATE_SQL, SITE_CANDIDATE_SQL } from '../../src/store/sqlite/claimSql';
import { migrateSqlite } from '../../src/store/sqlite/sqliteDatabase';
import { POSTGRES_PATHS, SQLITE_PATHS, type SqlPort } from '../../src/store/sqlPort';
import { toolArgs } from '../devtools/cliArgs';
import { createDatabaseOn, startThrowawayPostgres } from '../devtools/throwawayPostgres';
import { fillDoneJobs } from './fillLedger';
import { openProbe, type BenchQuery, type Probe } from './siteIndexProbes';

/** The schema before the site indexes (SQLite 011, PostgreSQL 015–016). */
const BEFORE = { sqlite: 10, postgres: 14 } as const;

type Kind = 'sqlite' | 'postgres';

/**
 * `npm run bench:site-index [-- --store sqlite|postgres|both --jobs 200000 --backlog 18000
 * --runs 30]`: a ledger of `jobs` jobs of three sites (north and south about half each, rare
 * one in a thousand), 20,000 of them pending and due, the oldest `backlog` of those north's (a
 * paused site's queue). At the schema before the site indexes, then after migrating: the plans
 * and median times of the console's list and count of the rare site, its pending jobs, and a
 * claim skipping north (and one skipping nothing), and how long the migration took.
 */
export async function runSiteIndexBench(argv: readonly string[]): Promise<void> {
  const args = toolArgs(argv, {
    store: { kind: 'choice', default: 'both', choices: ['both', 'sqlite', 'postgres'] },
    jobs: { kind: 'number', default: 200_000, min: 30_000 },
    backlog: { kind: 'number', default: 18_000, min: 0 },
    runs: { kind: 'number', default: 30, min: 1 },
  });
  const kinds: Kind[] = args.store === 'both' ? ['sqlite', 'postgres'] : [args.store as Kind];
  for (const kind of kinds) await benchOne(kind, args);
}

async function benchOne(
  kind: Kind,
  args: { jobs: number; backlog: number; runs: number },
): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const { store, close } = await emptyLedger(kind);
  try {
    const pending = 20_000;
    await fillDoneJobs(store, args.jobs - pending, { pending, failed: 0 });
    const probe = await openProbe(store);
    await assignSites(probe, kind, args.backlog);
    await probe.close();
    say(`\n== ${kind}: ${args.jobs} jobs (${pending} pending, north's oldest ${args.backlog})`);
    await measure(store, 'before', args.runs, say);
    const start = performance.now();
    const { from, to } = await migrateLedger(store);
    say(`\n-- migrated ${from} → ${to} in ${(performance.now() - start).toFixed(0)} ms`);
    await measure(store, 'after', args.runs, say);
  } finally {
    await close();
  }
}

async function emptyLedger(
  kind: Kind,
): Promise<{ store: StoreConfig; close: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bench-site-index-'));
    const store: StoreConfig = { kind: 'sqlite', sqlitePath: join(dir, 'ledger.sqlite') };
    migrateSqlite(store.sqlitePath, BEFORE.sqlite);
    return { store, close: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })) };
  }
  const pg = await startThrowawayPostgres();
  const url = await createDatabaseOn(pg.url, 'bench_site_index');
  const store: StoreConfig = { kind: 'postgres', url, ssl: false, poolSize: 2 };
  await migratePostgres(store, BEFORE.postgres);
  return { store, close: () => Promise.resolve(pg.destroy()) };
}

/** north/south by parity, rare one in a thousand; the pending: north's first, then the rest. */
async function assignSites(probe: Probe, kind: Kind, backlog: number): Promise<void> {
  const n =
    kind === 'sqlite' ? 'CAST(substr(session_id, 11) AS INTEGER)' : 'substr(session_id, 11)::int';
  await probe.exec(`UPDATE jobs SET site = CASE WHEN created_at % 1000 = 0 THEN 'rare'
    WHEN created_at % 2 = 0 THEN 'north' ELSE 'south' END WHERE session_id NOT LIKE 'cs_bench_p%'`);
  await probe.exec(`UPDATE jobs SET site = CASE WHEN ${n} <= ${backlog} THEN 'north'
    WHEN ${n} % 100 = 0 THEN 'rare' ELSE 'south' END WHERE session_id LIKE 'cs_bench_p%'`);
  // PostgreSQL's autovacuum would analyze after so many updates; SQLite never analyzes.
  if (kind === 'postgres') await probe.exec('VACUUM ANALYZE jobs');
}

/** The statements measured: the console's, as operatorQueries writes them, and the claims. */
async function queries(kind: Kind, when: 'before' | 'after'): Promise<BenchQuery[]> {
  const captured: Array<{ sql: string; params: Record<string, unknown> }> = [];
  const port: SqlPort = {
    all: <R extends object>(sql: string, params: Record<string, unknown> = {}) => {
      captured.push({ sql, params });
      return Promise.resolve([] as R[]);
    },
    run: () => Promise.resolve(0),
  };
  const ops = operatorQueries(port, kind === 'sqlite' ? SQLITE_PATHS : POSTGRES_PATHS);
  const rare: JobQuery = { sites: ['rare'], limit: 50, offset: 0 };
  await ops.findJobs(rare);
  await ops.countJobsMatching(rare, 500);
  await ops.findJobs({ ...rare, states: ['pending'] });
  const names = [
    'console: rare site, newest 50',
    'console: rare site, count (≤ 500)',
    'console: rare site, pending',
  ];
  const console = captured.map((c, i) => ({ name: names[i] ?? c.sql, ...c }));
  const now = Date.now();
  const claim = (skip: string[]): BenchQuery[] => {
    const name = `claim skipping [${skip.join(', ')}]`;
    if (kind === 'postgres') {
      const params = { owner: 'bench', now, leaseMs: 30_000, seed: ATTEMPT_LOCK_SEED, skip };
      const sql = 'SELECT * FROM claim_next_job(@owner, @now, @leaseMs, @seed, @skip::text[])';
      return [{ name, sql, params, rollback: true }];
    }
    const params = { owner: 'bench', now, until: now + 30_000, skip: JSON.stringify(skip) };
    // Before, every claim walked; after, one that skips a site looks at the head of the queue,
    // then (finding none there, as here) site by site, then takes the job found by its key.
    if (when === 'before' || skip.length === 0) {
      return [{ name, sql: CLAIM_SQL, params, rollback: true }];
    }
    const probe = { now, skip: params.skip };
    return [
      { name: `${name}, 1: the head`, sql: HEAD_CANDIDATE_SQL, params: probe },
      { name: `${name}, 2: site by site`, sql: SITE_CANDIDATE_SQL, params: probe },
    ];
  };
  return [...console, ...claim(['north']), ...claim([])];
}

async function measure(
  store: StoreConfig,
  when: 'before' | 'after',
  runs: number,
  say: (line: string) => void,
): Promise<void> {
  const probe = await openProbe(store);
  try {
    for (const query of await queries(store.kind, when)) {
      const plan = await probe.explain(query);
      const ms = await probe.time(query, runs);
      say(`\n-- ${when}: ${query.name}: median ${ms.toFixed(3)} ms of ${runs}\n${plan}`);
    }
  } finally {
    await probe.close();
  }
}
