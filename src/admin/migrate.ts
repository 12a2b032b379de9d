import { loadConfig } from '../config';
import { ConfigError, describeError } from '../errors';
import { describeStore, migrateLedger } from '../store/openLedger';

/**
 * `npm run migrate` (the Procfile's release phase): applies pending migrations to the ledger
 * the environment points at. Needs only DATABASE_URL or SQLITE_PATH (and the usual variables,
 * which a release phase has).
 */
export async function runMigrate(): Promise<number> {
  try {
    const config = loadConfig(process.env);
    const { from, to } = await migrateLedger(config.store);
    process.stdout.write(
      from === to
        ? `${describeStore(config.store)}: schema already at version ${to}\n`
        : `${describeStore(config.store)}: migrated from version ${from} to ${to}\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(
      `migration failed: ${err instanceof ConfigError ? err.message : describeError(err)}\n`,
    );
    return 1;
  }
}
