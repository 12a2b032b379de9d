import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import { freshDatabase } from './postgres';

/**
 * The ledgers a store test runs against, as `describe.each` rows: a fresh SQLite file always,
 * and a fresh PostgreSQL database when the run has a server (`npm test` always does; `npm run
 * test:unit` has none). Files are removed after the test file.
 */
export function ledgerStores(
  prefix: string,
  poolSize: number,
): Array<[string, () => Promise<StoreConfig>]> {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const stores: Array<[string, () => Promise<StoreConfig>]> = [
    [
      'sqlite',
      () => {
        const dir = mkdtempSync(join(tmpdir(), prefix));
        dirs.push(dir);
        return Promise.resolve({ kind: 'sqlite', sqlitePath: join(dir, 'ledger.sqlite') });
      },
    ],
  ];
  if (process.env['TEST_DATABASE_URL'] !== undefined) {
    stores.push([
      'postgres',
      async () => ({ kind: 'postgres', url: await freshDatabase(), ssl: false, poolSize }),
    ]);
  }
  return stores;
}

/**
 * The ledgers a harness test (startHarness) runs against, as `describe.each` rows of the
 * environment each adds: the harness's own SQLite file, and a fresh PostgreSQL database.
 */
export const harnessStores: Array<[string, () => Promise<Record<string, string>>]> = [
  ['sqlite', () => Promise.resolve({})],
  ['postgres', async () => ({ DATABASE_URL: await freshDatabase(), DATABASE_SSL: 'off' })],
];
