import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { StoreConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { toolArgs } from '../devtools/cliArgs';
import { measureBurst } from './burst';

/**
 * `npm run bench:retention [-- --count 4000]`: the SQLite ledger's bytes per payment after a
 * burst of paid sessions (each made into a permit and written back), then after a retention
 * pass that finds every job finished and old enough (RETENTION_DAYS), and a VACUUM.
 */
export async function runRetentionBench(argv: readonly string[]): Promise<void> {
  const { count } = toolArgs(argv, { count: { kind: 'number', default: 4000, min: 1 } });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-retention-'));
  try {
    const store: StoreConfig = { kind: 'sqlite', sqlitePath: join(dir, 'ledger.sqlite') };
    await migrateLedger(store);
    await measureBurst({ count, connections: 32, store });
    const size = () => {
      const db = new Database(store.sqlitePath);
      db.pragma('wal_checkpoint(TRUNCATE)');
      const rows = (table: string) =>
        (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      const counts = `${rows('jobs')} jobs, ${rows('events')} events`;
      db.close();
      return { bytes: statSync(store.sqlitePath).size, counts };
    };
    const before = size();
    say(
      `after ${count} payments: ${(before.bytes / count).toFixed(0)} bytes a payment (${before.counts})`,
    );
    const ledger = await openLedger(store, createLogger({ level: 'error', pretty: false }));
    let deleted = 0;
    for (let n = -1; n !== 0; deleted += n) n = await ledger.pruneBefore(Date.now() + 1, 500);
    await ledger.close();
    const db = new Database(store.sqlitePath);
    db.exec('VACUUM');
    db.close();
    const after = size();
    say(
      `after retention (${deleted} rows deleted) and VACUUM: ${(after.bytes / count).toFixed(0)} bytes a payment (${after.counts})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
