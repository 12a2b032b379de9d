import { Pool, type PoolClient } from 'pg';
import { loadMigrations, type Migration } from '../migrations';
import { appliedVersion, poolConfig, type PostgresOptions } from './postgresDatabase';

// Any fixed number: release phases of two deploys must not migrate at the same time.
const MIGRATION_LOCK = 7_311_001;

/**
 * Applies every pending migration (up to `upTo`, a bench's older schema) under an advisory
 * lock held by the session, so it spans transactions. Consecutive migrations share one
 * transaction; one whose first line is `-- migrate: outside a transaction` (CREATE INDEX
 * CONCURRENTLY) runs alone, outside any, and its version is recorded once it succeeded. No
 * client-side query timeout: building an index on a large table takes longer than a request.
 */
export async function migratePostgres(
  options: PostgresOptions,
  upTo = Infinity,
): Promise<{ from: number; to: number }> {
  const pool = new Pool({ ...poolConfig({ ...options, poolSize: 1 }), query_timeout: undefined });
  const client = await pool.connect();
  try {
    await takeMigrationLock(client);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const from = await appliedVersion(client);
    const pending = loadMigrations('postgres').filter((m) => m.version > from && m.version <= upTo);
    for (const group of migrationGroups(pending)) await applyGroup(client, group);
    return { from, to: await appliedVersion(client) };
  } finally {
    // Ending the session frees the lock too; unlocking first keeps a pooled server tidy.
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
    await pool.end();
  }
}

/** Between two tries of the migration lock while another process migrates. */
const LOCK_POLL_MS = 250;

/**
 * The migration lock, waited for by polling: a statement blocked in pg_advisory_lock would
 * hold a snapshot, and the other process's CREATE INDEX CONCURRENTLY waits for every older
 * snapshot — each would wait for the other (PostgreSQL reports a deadlock and one release
 * fails). Between tries no statement is open.
 */
async function takeMigrationLock(client: PoolClient): Promise<void> {
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1) AS locked',
      [MIGRATION_LOCK],
    );
    if (rows[0]?.locked) return;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

const OUTSIDE_TRANSACTION = /^-- migrate: outside a transaction\s*\n/;

/** Runs of migrations that share a transaction; a migration outside a transaction is alone. */
function migrationGroups(migrations: readonly Migration[]): Migration[][] {
  const groups: Migration[][] = [];
  for (const m of migrations) {
    const last = groups.at(-1);
    const alone = OUTSIDE_TRANSACTION.test(m.sql);
    if (!alone && last && !OUTSIDE_TRANSACTION.test(last[0]?.sql ?? '')) last.push(m);
    else groups.push([m]);
  }
  return groups;
}

async function applyGroup(client: PoolClient, group: readonly Migration[]): Promise<void> {
  const record = (m: Migration) =>
    client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
      m.version,
      m.name,
    ]);
  const [only] = group;
  if (only && OUTSIDE_TRANSACTION.test(only.sql)) {
    // One statement per query: a query of several runs them in one implicit transaction.
    for (const statement of statementsOf(only.sql)) await client.query(statement);
    await record(only);
    return;
  }
  try {
    await client.query('BEGIN');
    for (const m of group) {
      await client.query(m.sql);
      await record(m);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * The statements of a migration run outside a transaction: split at each `;` that ends a line
 * (such a file holds plain statements, no function bodies), comments dropped.
 */
export function statementsOf(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((part) =>
      part
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((statement) => statement.length > 0);
}
