import type { MaintenanceLedger } from '../ledger';
import { retentionQueries } from '../retentionQueries';
import type { SqliteDatabase } from './sqliteDatabase';
import type { SqlPort } from '../sqlPort';
import type { SqliteWritePolicy } from './writePolicy';

/** Retention (shared SQL), readiness, and closing: the checkpointer stops before the file. */
export function sqliteMaintenance(
  db: SqliteDatabase,
  { run }: SqliteWritePolicy,
  port: SqlPort,
  checkpointer: { stop(): Promise<void> } | undefined,
): MaintenanceLedger {
  return {
    ...retentionQueries(port),
    ping: () => run(() => void db.prepare('SELECT 1').get()),
    close: async () => {
      await checkpointer?.stop();
      return run(() => void db.close());
    },
  };
}

/** The shared SQL's way into SQLite: statements prepared once per text. */
export function sqliteSqlPort(db: SqliteDatabase, { run }: SqliteWritePolicy): SqlPort {
  const statements = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
  return {
    all: <R extends object>(sql: string, params: Record<string, unknown> = {}) =>
      run(() => prepared(sql).all(params) as R[]),
    run: (sql, params = {}) => run(() => prepared(sql).run(params).changes),
  };
}
