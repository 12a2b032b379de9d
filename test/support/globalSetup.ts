import {
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../../tools/devtools/throwawayPostgres';

declare global {
  var __adapterPostgres: ThrowawayPostgres | undefined;
}

/**
 * One PostgreSQL server for the whole test run: TEST_DATABASE_URL when given (an admin URL of
 * an existing server), else a throwaway one started here and removed in globalTeardown. Each
 * test file creates its own database on it.
 */
async function globalSetup(): Promise<void> {
  if (process.env['TEST_DATABASE_URL']) return;
  const pg = await startThrowawayPostgres({ fsync: false });
  globalThis.__adapterPostgres = pg;
  process.env['TEST_DATABASE_URL'] = pg.url;
}

// Jest takes the module's export itself (no default exports in this codebase).
export = globalSetup;
