import { Client, type Pool } from 'pg';
import { SchemaError } from '../../errors';
import type { Logger } from '../../logger';
import type { Ledger } from '../ledger';
import { operatorQueries } from '../operatorQueries';
import { postgresClaim } from './claim';
import { postgresIntake } from './intake';
import { jobSignal } from './jobSignal';
import { postgresJobReads } from './jobReads';
import { postgresJobSteps } from './jobSteps';
import { postgresMaintenance } from './maintenance';
import { postgresPermitLife } from './permitLife';
import { pgQueries } from './pgQuery';
import {
  assertPostgresSchema,
  createPool,
  postgresStoreError,
  type PostgresOptions,
} from './postgresDatabase';
import { createOwnerSession, shardedOwnerSession } from './postgresOwnerSession';
import { POSTGRES_PATHS } from '../sqlPort';
import { verificationQueries } from '../verificationQueries';

export const JOBS_CHANNEL = 'adapter_jobs';

/** Connections that carry OPSCOM attempts' locks and writes (postgresOwnerSession.ts). */
const OWNER_CONNECTIONS = 2;

/**
 * The PostgreSQL ledger: the same semantics as SQLite (store/ledger.ts), for several processes
 * and hosts whose disks do not persist. One job per session is a primary key (INSERT … ON
 * CONFLICT), claims use FOR UPDATE SKIP LOCKED, and a job that becomes due is announced with
 * NOTIFY so that any process's worker starts it at once. Commits are durable
 * (synchronous_commit on, PostgreSQL's default). Where a step would take several round trips,
 * it is one call of a function (record_session_events, claim_next_job) or one statement on the
 * owner's connection (postgresOwnerSession.ts).
 */
export async function openPostgresLedger(
  options: PostgresOptions,
  logger: Logger,
): Promise<Ledger> {
  const pool: Pool = createPool(options);
  // An idle connection dropped by the server (a restart, a failover) must not crash the process.
  pool.on('error', (err) => logger.warn('idle ledger connection lost', { error: err.message }));
  try {
    await assertPostgresSchema(pool);
  } catch (err) {
    await pool.end();
    throw err instanceof SchemaError
      ? err
      : postgresStoreError(err, 'cannot open the PostgreSQL ledger');
  }
  const clientFor = (purpose: string) =>
    new Client({
      connectionString: options.url,
      ssl: options.ssl,
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      application_name: `stripe-opscom-adapter ${purpose}`,
    });
  // Two owner connections: a worker's attempts (start, answer) need not queue on one socket.
  const ownerSession = shardedOwnerSession(
    Array.from({ length: OWNER_CONNECTIONS }, () =>
      createOwnerSession(() => clientFor('owner'), logger),
    ),
  );
  const signal = jobSignal(() => clientFor('listener'), JOBS_CHANNEL, logger);
  const { query, port } = pgQueries(pool);
  const permitLife = postgresPermitLife(pool, ownerSession, query, JOBS_CHANNEL);
  return {
    ...postgresIntake(query),
    ...postgresClaim(pool, query, permitLife, signal.onJobAvailable),
    ...postgresJobSteps(query, ownerSession),
    ...permitLife,
    ...postgresJobReads(query),
    ...operatorQueries(port, POSTGRES_PATHS),
    ...verificationQueries(port, 'FOR UPDATE SKIP LOCKED'),
    ...postgresMaintenance(pool, query, port, [signal, ownerSession]),
  };
}
