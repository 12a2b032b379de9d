import type { StoreConfig } from '../config';
import type { Logger } from '../logger';
import type { Ledger } from './ledger';
import { migratePostgres } from './postgres/postgresMigrate';
import { openPostgresLedger } from './postgres/postgresLedger';
import { migrateSqlite } from './sqlite/sqliteDatabase';
import { openSqliteLedger } from './sqlite/sqliteLedger';

/** The one way to open the ledger: PostgreSQL when DATABASE_URL is set, else the SQLite file. */
export async function openLedger(store: StoreConfig, logger: Logger): Promise<Ledger> {
  return store.kind === 'postgres'
    ? openPostgresLedger(store, logger)
    : openSqliteLedger(store.sqlitePath, logger);
}

/** Brings the ledger's schema up to this build's (npm run migrate). */
export async function migrateLedger(store: StoreConfig): Promise<{ from: number; to: number }> {
  return store.kind === 'postgres' ? migratePostgres(store) : migrateSqlite(store.sqlitePath);
}

/** Where the ledger is, for logs (never the password). */
export function describeStore(store: StoreConfig): string {
  if (store.kind === 'sqlite') return `sqlite ${store.sqlitePath}`;
  const url = new URL(store.url);
  return `postgres ${url.hostname}:${url.port || '5432'}${url.pathname}`;
}
