import type { SqliteDatabase } from './sqliteDatabase';
import { sqliteStoreError } from './sqliteDatabase';
import { sqliteGroupCommit } from './sqliteGroupCommit';

/**
 * How the SQLite ledger's methods reach the database, decided once for all of its groups
 * (see openSqliteLedger for which writes are durable and why).
 */
export interface SqliteWritePolicy {
  /**
   * Joins the group commit (sqliteGroupCommit.ts): one transaction and one commit per turn of
   * the event loop, fsync'd when any write in it is `durable`.
   */
  grouped: <T>(write: () => T, durable: boolean, atomic?: boolean) => Promise<T>;
  /** A durable write on its own: fsync'd before it returns (synchronous=FULL for it only). */
  durably: <T>(fn: () => T) => T;
  /**
   * Runs a read or a write of its own at once; a driver error becomes a StoreError (a rejected
   * promise, never a throw past the caller).
   */
  run: <T>(fn: () => T) => Promise<T>;
}

export function sqliteWritePolicy(db: SqliteDatabase): SqliteWritePolicy {
  // (Tried for durably: committing with NORMAL and fsyncing the WAL file in libuv's thread
  // pool, to keep the event loop free during the disk wait; `npm run bench:intake` showed no
  // gain here.)
  const durably = <T>(fn: () => T): T => {
    db.pragma('synchronous = FULL');
    try {
      return fn();
    } finally {
      db.pragma('synchronous = NORMAL');
    }
  };
  // better-sqlite3 is synchronous; each method runs to completion before it returns.
  const run = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(sqliteStoreError(err));
    }
  };
  return { grouped: sqliteGroupCommit(db), durably, run };
}
