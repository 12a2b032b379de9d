import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { StoreConfig } from '../../src/config';
import { named } from '../../src/store/postgres/postgresDatabase';
import { median } from './stats';

/** One statement to plan and time; `rollback`: it writes, so each run is rolled back. */
export interface BenchQuery {
  name: string;
  sql: string;
  params: Record<string, unknown>;
  rollback?: boolean;
}

/** Plans and times statements on one ledger, as its own connection. */
export interface Probe {
  /** EXPLAIN QUERY PLAN (SQLite); EXPLAIN ANALYZE, or auto_explain's nested plans (PostgreSQL). */
  explain(query: BenchQuery): Promise<string>;
  /** The median of `runs` runs of the statement alone, in ms. */
  time(query: BenchQuery, runs: number): Promise<number>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export function openProbe(store: StoreConfig): Promise<Probe> {
  return store.kind === 'sqlite'
    ? Promise.resolve(sqliteProbe(store.sqlitePath))
    : postgresProbe(store.url);
}

function sqliteProbe(path: string): Probe {
  const db = new Database(path);
  // The claim asks whether an attempt's owner lives; the bench's jobs have no attempt in flight.
  db.function('owner_alive', { deterministic: false, directOnly: true, varargs: true }, () => 0);
  const once = (query: BenchQuery): number => {
    const statement = db.prepare(query.sql);
    if (query.rollback) db.exec('BEGIN IMMEDIATE');
    const start = performance.now();
    if (statement.reader) statement.all(query.params);
    else statement.run(query.params);
    const ms = performance.now() - start;
    if (query.rollback) db.exec('ROLLBACK');
    return ms;
  };
  return {
    explain: (query) => {
      const rows = db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(query.params) as Array<{
        id: number;
        parent: number;
        detail: string;
      }>;
      const depth = new Map<number, number>([[0, 0]]);
      const lines = rows.map((r) => {
        const d = (depth.get(r.parent) ?? 0) + 1;
        depth.set(r.id, d);
        return `${'  '.repeat(d)}${r.detail}`;
      });
      return Promise.resolve(lines.join('\n'));
    },
    time: (query, runs) => Promise.resolve(median(Array.from({ length: runs }, () => once(query)))),
    exec: (sql) => Promise.resolve(void db.exec(sql)),
    close: () => Promise.resolve(void db.close()),
  };
}

async function postgresProbe(url: string): Promise<Probe> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const notices: string[] = [];
  client.on('notice', (msg) => notices.push(msg.message ?? ''));
  const once = async (query: BenchQuery): Promise<number> => {
    const { text, values } = named(query.sql, query.params);
    if (query.rollback) await client.query('BEGIN');
    const start = performance.now();
    await client.query(text, values);
    const ms = performance.now() - start;
    if (query.rollback) await client.query('ROLLBACK');
    return ms;
  };
  return {
    async explain(query) {
      if (!query.rollback) {
        const { text, values } = named(query.sql, query.params);
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ${text}`,
          values,
        );
        return rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n');
      }
      // A function's statements are planned inside it: auto_explain shows them as they ran.
      await client.query(`LOAD 'auto_explain'`);
      await client.query(`SET auto_explain.log_min_duration = 0`);
      await client.query(`SET auto_explain.log_nested_statements = on`);
      await client.query(`SET auto_explain.log_analyze = on`);
      await client.query(`SET auto_explain.log_buffers = on`);
      await client.query(`SET auto_explain.log_timing = off`);
      await client.query(`SET client_min_messages = log`);
      notices.length = 0;
      await once(query);
      await client.query(`SET auto_explain.log_min_duration = -1`);
      await client.query(`SET client_min_messages = notice`);
      // The nested statements (the claim's own); the outer call's plan says nothing more.
      return notices
        .filter((n) => !n.includes('Function Scan on claim_next_job'))
        .map((n) => n.replace(/^duration: [\d.]+ ms {2}/, '').replace(/^/gm, '  '))
        .join('\n');
    },
    async time(query, runs) {
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) samples.push(await once(query));
      return median(samples);
    },
    exec: async (sql) => void (await client.query(sql)),
    close: () => client.end(),
  };
}
