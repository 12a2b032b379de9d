import type { Pool } from 'pg';
import type { MaintenanceLedger } from '../ledger';
import { retentionQueries } from '../retentionQueries';
import type { SqlPort } from '../sqlPort';
import type { PgQuery } from './pgQuery';

/**
 * Retention (shared SQL), readiness, and closing: the LISTEN connection, then the owner
 * connections, then the pool.
 */
export function postgresMaintenance(
  pool: Pool,
  query: PgQuery,
  port: SqlPort,
  connections: ReadonlyArray<{ close(): Promise<void> }>,
): MaintenanceLedger {
  return {
    ...retentionQueries(port),
    ping: async () => {
      await query('SELECT 1');
    },
    close: async () => {
      for (const connection of connections) await connection.close();
      await pool.end();
    },
  };
}
