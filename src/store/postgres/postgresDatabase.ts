import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { StoreError } from '../../errors';
import { assertSchemaCurrent, loadMigrations } from '../migrations';

export interface PostgresOptions {
  url: string;
  /** false: no TLS; otherwise TLS, verifying the server's certificate or not (Heroku: not). */
  ssl: false | { rejectUnauthorized: boolean };
  poolSize: number;
}

/**
 * A pool that fails fast when the database is away: a webhook must be answered 500 well within
 * Stripe's 10 s so that it redelivers, not hang. `sslmode` in the URL takes precedence over `ssl`.
 */
export function createPool(options: PostgresOptions): Pool {
  return new Pool(poolConfig(options));
}

export function poolConfig(options: PostgresOptions): PoolConfig {
  return {
    connectionString: options.url,
    ssl: options.ssl,
    max: options.poolSize,
    connectionTimeoutMillis: 5000,
    query_timeout: 5000,
    idleTimeoutMillis: 30_000,
    application_name: 'stripe-opscom-adapter',
  };
}

/**
 * `@name` placeholders → `$n`, so statements read like the SQLite ones. The same name reuses
 * its number.
 */
export function named(
  sql: string,
  params: Record<string, unknown>,
): { text: string; values: unknown[] } {
  const order: string[] = [];
  const text = sql.replace(/@(\w+)/g, (_m, name: string) => {
    if (!(name in params)) throw new Error(`missing SQL parameter @${name}`);
    let index = order.indexOf(name);
    if (index < 0) index = order.push(name) - 1;
    return `$${index + 1}`;
  });
  return { text, values: order.map((n) => params[n]) };
}

/** A statement run inside inTransaction's transaction, with `@name` placeholders. */
export type TransactionRun = <R extends object>(
  sql: string,
  params?: Record<string, unknown>,
) => Promise<R[]>;

/**
 * Runs `work` in one transaction on a connection of the pool: COMMIT when it resolves,
 * ROLLBACK when it throws (the error is passed on as thrown; a refused connection is a
 * StoreError).
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (run: TransactionRun) => Promise<T>,
): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw postgresStoreError(err);
  }
  const run: TransactionRun = async <R extends object>(
    sql: string,
    params: Record<string, unknown> = {},
  ) => {
    const { text, values } = named(sql, params);
    return (await client.query<R>(text, values)).rows;
  };
  try {
    await run('BEGIN');
    const result = await work(run);
    await run('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export function postgresStoreError(err: unknown, what = 'ledger query failed'): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  const hint =
    code === 'ECONNREFUSED' || code === '57P01' || code === '57P03'
      ? ': PostgreSQL is not accepting connections'
      : code === '53100'
        ? ': the database disk is full'
        : '';
  return new StoreError(`${what}: ${message}${hint}`, { cause: err });
}

export async function appliedVersion(client: PoolClient): Promise<number> {
  const exists = await client.query<{ t: string | null }>(
    "SELECT to_regclass('schema_migrations')::text AS t",
  );
  if (!exists.rows[0]?.t) return 0;
  const row = await client.query<{ v: number | null }>(
    'SELECT MAX(version) AS v FROM schema_migrations',
  );
  return row.rows[0]?.v ?? 0;
}

export async function assertPostgresSchema(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    assertSchemaCurrent(await appliedVersion(client), loadMigrations('postgres'), 'the database');
  } finally {
    client.release();
  }
}
