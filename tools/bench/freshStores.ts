import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import { migrateLedger } from '../../src/store/openLedger';
import {
  createDatabaseOn,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../devtools/throwawayPostgres';

export interface FreshStores {
  /** A new, migrated, empty ledger: a SQLite file in a temporary folder, or a new database on
   * one throwaway PostgreSQL server started at the first call. */
  fresh(): Promise<StoreConfig>;
  /** Stops the server and deletes the folder. */
  close(): void;
}

/** Empty ledgers for benches that compare runs, each on a store of its own. */
export function freshStores(kind: 'sqlite' | 'postgres', label: string): FreshStores {
  const dir = mkdtempSync(join(tmpdir(), `bench-${label}-`));
  let pg: ThrowawayPostgres | undefined;
  let n = 0;
  return {
    async fresh() {
      const store: StoreConfig =
        kind === 'postgres'
          ? {
              kind: 'postgres',
              url: await createDatabaseOn((pg ??= await startThrowawayPostgres()).url, label),
              ssl: false,
              poolSize: 10,
            }
          : { kind: 'sqlite', sqlitePath: join(dir, `${label}-${n++}.sqlite`) };
      await migrateLedger(store);
      return store;
    },
    close() {
      pg?.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
