import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../../errors';
import { assertSchemaCurrent, loadMigrations } from '../migrations';

export type SqliteDatabase = Database.Database;

/** Opens the ledger file with the settings every connection needs (see sqliteLedger.ts). */
export function openSqliteDatabase(path: string): SqliteDatabase {
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (err) {
    throw sqliteStoreError(err, `cannot open ledger ${path}`);
  }
}

function appliedVersion(db: SqliteDatabase): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (!table) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
    v: number | null;
  };
  return row.v ?? 0;
}

export function assertSqliteSchema(db: SqliteDatabase, path: string): void {
  assertSchemaCurrent(appliedVersion(db), loadMigrations('sqlite'), `ledger ${path}`);
}

/**
 * Applies every migration not yet applied (up to `upTo`: a bench's older schema), each in its
 * own transaction.
 */
export function migrateSqlite(path: string, upTo = Infinity): { from: number; to: number } {
  const db = openSqliteDatabase(path);
  try {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    const from = appliedVersion(db);
    const migrations = loadMigrations('sqlite');
    for (const m of migrations.filter((m) => m.version > from && m.version <= upTo)) {
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare(
          'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
        ).run(m.version, m.name, Date.now());
      }).immediate();
    }
    return { from, to: appliedVersion(db) };
  } finally {
    db.close();
  }
}

/** Turns a driver error into a StoreError that says what to do. */
export function sqliteStoreError(err: unknown, what = 'ledger write failed'): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new StoreError(
      `ledger disk is full (${message}): free space on the SQLITE_PATH volume`,
      {
        cause: err,
      },
    );
  }
  if (code === 'SQLITE_BUSY') {
    return new StoreError(`ledger is locked by another process for too long (${message})`, {
      cause: err,
    });
  }
  return new StoreError(`${what}: ${message}`, { cause: err });
}
