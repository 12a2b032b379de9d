import type { Logger } from '../../logger';
import type { Ledger } from '../ledger';
import { operatorQueries } from '../operatorQueries';
import { sqliteClaim } from './claim';
import { sqliteIntake } from './intake';
import { sqliteJobReads } from './jobReads';
import { sqliteJobSteps } from './jobSteps';
import { sqliteMaintenance, sqliteSqlPort } from './maintenance';
import { sqlitePermitLife } from './permitLife';
import { sqliteWritePolicy } from './writePolicy';
import { startCheckpointer } from './sqliteCheckpointer';
import { assertSqliteSchema, openSqliteDatabase } from './sqliteDatabase';
import { attemptOwnerAlive } from './sqliteLiveness';
import { SQLITE_PATHS } from '../sqlPort';
import { verificationQueries } from '../verificationQueries';

/**
 * The embedded ledger: one SQLite file in WAL mode. Several processes may share the file:
 * writes take SQLite's write lock (BEGIN IMMEDIATE) and wait up to 5 s for it.
 *
 * Durability is chosen per write. Every commit reaches the operating system before the call
 * returns, so a killed process (even kill -9) loses nothing. The two writes whose loss on a
 * power cut would break a promise are also fsync'd (synchronous=FULL) before returning:
 * - the received event and its job, before the webhook is answered 200 (Stripe will not
 *   redeliver), and
 * - OPSCOM's answer, before anything else happens (losing it means a second permit).
 * The others (lease, attempt count, write-back flags, retry schedule) are not fsync'd: after a
 * power cut they are at worst redone, and the next durable write makes them durable too, since
 * the WAL is written in order. Events are committed in batches (group commit, decided once in
 * sqlite/writePolicy.ts for every group), so under load one fsync covers many webhooks.
 */
export function openSqliteLedger(path: string, logger?: Logger): Ledger {
  const db = openSqliteDatabase(path);
  try {
    assertSqliteSchema(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  db.function('owner_alive', { deterministic: false, directOnly: true }, (owner, sessionId) =>
    attemptOwnerAlive(owner as string | null, sessionId as string),
  );
  // Checkpoints happen in a worker thread (see sqliteCheckpointer.ts), never in a commit.
  db.pragma('wal_autocheckpoint = 0');
  const checkpointer =
    path === ':memory:'
      ? undefined
      : startCheckpointer(path, (message) =>
          logger?.warn('ledger checkpoint failed', { error: message }),
        );

  const policy = sqliteWritePolicy(db);
  const port = sqliteSqlPort(db, policy);
  return {
    ...sqliteIntake(db, policy),
    ...sqliteClaim(db, policy),
    ...sqliteJobSteps(db, policy),
    ...sqlitePermitLife(db, policy),
    ...sqliteJobReads(db, policy),
    ...operatorQueries(port, SQLITE_PATHS),
    ...verificationQueries(port, ''),
    ...sqliteMaintenance(db, policy, port, checkpointer),
  };
}
