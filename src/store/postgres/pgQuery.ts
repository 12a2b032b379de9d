import type { Pool } from 'pg';
import { named, postgresStoreError } from './postgresDatabase';
import type { SqlPort } from '../sqlPort';

/** A statement on the pool, `@name` placeholders, its rows; any failure a StoreError. */
export type PgQuery = <R extends object>(
  sql: string,
  params?: Record<string, unknown>,
) => Promise<R[]>;

/** The pool's statements, for the PostgreSQL groups (`query`) and the shared SQL (`port`). */
export function pgQueries(pool: Pool): { query: PgQuery; port: SqlPort } {
  const query: PgQuery = async <R extends object>(
    sql: string,
    params: Record<string, unknown> = {},
  ) => {
    try {
      const { text, values } = named(sql, params);
      return (await pool.query<R>(text, values)).rows;
    } catch (err) {
      throw postgresStoreError(err);
    }
  };
  const port: SqlPort = {
    all: query,
    run: async (sql, params = {}) => {
      try {
        const { text, values } = named(sql, params);
        return (await pool.query(text, values)).rowCount ?? 0;
      } catch (err) {
        throw postgresStoreError(err);
      }
    },
  };
  return { query, port };
}
