import type { Pool } from 'pg';
import { StoreError } from '../../errors';
import {
  INSERT_EVENT_SQL,
  insertJobSql,
  jobFromRow,
  jobToParams,
  REPLACE_JOB_SQL,
  type JobRow,
} from '../jobRow';
import type { ClaimLedger, PermitLifeLedger } from '../ledger';
import type { Job, JobChange, JobContext } from '../ledgerRecords';
import { inTransaction, postgresStoreError } from './postgresDatabase';
import { ATTEMPT_LOCK_SEED, attemptLockKey } from './attemptLock';
import type { PgQuery } from './pgQuery';

/** changeJob's insert found the row created meanwhile by another process: decide again. */
class InsertLost extends Error {}

/**
 * The PostgreSQL ledger's claims: the worker's (one call of claim_next_job), replay's
 * changeJob (one transaction, the row locked), and the signal of new work (jobSignal.ts).
 */
export function postgresClaim(
  pool: Pool,
  query: PgQuery,
  facts: Pick<PermitLifeLedger, 'getPaymentFacts'>,
  onJobAvailable: ClaimLedger['onJobAvailable'],
): ClaimLedger {
  return {
    claimNextJob: async (owner, now, leaseMs, skipSites = []) => {
      // In a function for its planner setting (migrations/postgres/008_claim.sql, 014, 016).
      const [row] = await query<JobRow>(
        'SELECT * FROM claim_next_job(@owner, @now, @leaseMs, @seed, @skip::text[])',
        { owner, now, leaseMs, seed: ATTEMPT_LOCK_SEED, skip: [...skipSites] },
      );
      if (!row) return undefined;
      // The payment's facts read after the claim, not joined to it: a statement reads with the
      // snapshot it started with, while the function's update takes a new one, so a join could
      // pair a job a refund or dispute had just made pending with the facts from before that
      // refund, and the worker would finish the job at the new revision without acting on it
      // (seen once in CI: a dispute's permit not deleted). Read now, the facts hold at least
      // everything recorded up to the claimed revision.
      const job = jobFromRow(row);
      const pi = job.session.paymentIntentId;
      return {
        ...job,
        paymentFacts: pi === null ? undefined : await facts.getPaymentFacts(pi),
      };
    },
    changeJob: (sessionId, decide) => changeJob(pool, sessionId, decide),
    onJobAvailable,
  };
}

// Read, decide and write in one transaction with the row locked (FOR UPDATE). A row that does
// not exist yet cannot be locked: when another process inserts it first, the insert does
// nothing and the whole change is decided again on the row it wrote.
async function changeJob<T>(
  pool: Pool,
  sessionId: string,
  decide: (job: Job | undefined, context: JobContext) => JobChange<T>,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await inTransaction(pool, async (run) => {
        const [row] = await run<JobRow>(
          'SELECT * FROM jobs WHERE session_id = @sessionId FOR UPDATE',
          { sessionId },
        );
        // An attempt in flight whose lock is free has lost its owner (the lock, taken here
        // until COMMIT, also keeps that owner's successor out meanwhile).
        const ownerAlive =
          row?.opscom_started_at != null &&
          !(
            await run<{ free: boolean }>(
              `SELECT pg_try_advisory_xact_lock(${attemptLockKey('@sessionId')}) AS free`,
              { sessionId },
            )
          )[0]?.free;
        const change = decide(row ? jobFromRow(row) : undefined, {
          attemptOwnerAlive: ownerAlive,
        });
        if (change.write) {
          const params = jobToParams(change.write, 'boolean');
          const written = row
            ? await run(REPLACE_JOB_SQL, params)
            : await run(
                insertJobSql('ON CONFLICT (session_id) DO NOTHING RETURNING session_id'),
                params,
              );
          if (!row && written.length === 0) throw new InsertLost();
        }
        if (change.note) await run(INSERT_EVENT_SQL, { ...change.note });
        return change.result;
      });
    } catch (err) {
      if (!(err instanceof InsertLost)) throw postgresStoreError(err);
      if (tries < 5) continue;
      throw new StoreError(
        `job ${sessionId} was created by another process five times while this one tried to write it`,
      );
    }
  }
}
