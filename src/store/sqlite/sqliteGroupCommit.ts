import type { SqliteDatabase } from './sqliteDatabase';
import { sqliteStoreError } from './sqliteDatabase';

interface Pending {
  write: () => unknown;
  durable: boolean;
  /** Several statements that stand or fall together: run inside a savepoint. */
  atomic: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: the writes asked for in one turn of the event loop (webhooks recorded,
 * OPSCOM answers stored, claims, write-backs of many jobs) run in one transaction, in the order
 * asked, with one commit: fsync'd (synchronous=FULL) when any of them must be durable. A write
 * that fails is undone alone and rejects alone: a single statement by SQLite itself, a write of
 * several statements (`atomic`) by its own savepoint. Every caller's
 * promise settles only after that commit. Under load this turns one commit (and fsync) per
 * write into one per turn; alone, a write waits one setImmediate.
 */
export function sqliteGroupCommit(
  db: SqliteDatabase,
): <T>(write: () => T, durable: boolean, atomic?: boolean) => Promise<T> {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT one_write');
  const release = db.prepare('RELEASE one_write');
  const undo = db.prepare('ROLLBACK TO one_write');
  let queue: Pending[] = [];

  const flush = () => {
    const items = queue;
    queue = [];
    const durable = items.some((i) => i.durable);
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      // db.pragma() compiles the statement each time, on purpose: SQLite applies
      // `PRAGMA synchronous` while preparing it, so a statement prepared once and run again
      // does not reliably switch the level (tried with better-sqlite3 12: the first run of a
      // prepared FULL left NORMAL in force).
      if (durable) db.pragma('synchronous = FULL');
      begin.run();
      for (const item of items) {
        if (item.atomic) savepoint.run();
        try {
          outcomes.push({ ok: true, value: item.write() });
          if (item.atomic) release.run();
        } catch (error) {
          if (item.atomic) {
            undo.run();
            release.run();
          }
          outcomes.push({ ok: false, error });
        }
      }
      commit.run();
    } catch (err) {
      if (db.inTransaction) rollback.run();
      const error = sqliteStoreError(err);
      for (const item of items) item.reject(error);
      return;
    } finally {
      if (durable && db.open) db.pragma('synchronous = NORMAL');
    }
    items.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(sqliteStoreError(outcome.error));
    });
  };

  return <T>(write: () => T, durable: boolean, atomic = false) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ write, durable, atomic, resolve: resolve as (value: unknown) => void, reject });
      if (queue.length === 1) setImmediate(flush);
    });
}
