import { createDatabaseOn } from '../../tools/devtools/throwawayPostgres';

/** A fresh, empty database on the test run's PostgreSQL server (see globalSetup.ts). */
export function freshDatabase(): Promise<string> {
  const admin = process.env['TEST_DATABASE_URL'];
  if (!admin) throw new Error('TEST_DATABASE_URL is not set: the jest globalSetup did not run');
  return createDatabaseOn(admin);
}
