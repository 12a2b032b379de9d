import {
  claimedJobFromRow,
  INSERT_EVENT_SQL,
  insertJobSql,
  jobFromRow,
  jobToParams,
  REPLACE_JOB_SQL,
  type JobRow,
} from '../jobRow';
import type { ClaimLedger } from '../ledger';
import type { Job, JobChange, JobContext } from '../ledgerRecords';
import {
  CLAIM_SQL,
  HEAD_CANDIDATE_SQL,
  SITE_CANDIDATE_SQL,
  TAKE_SQL,
  type ClaimParams,
} from './claimSql';
import type { SqliteDatabase } from './sqliteDatabase';
import { attemptOwnerAlive } from './sqliteLiveness';
import type { SqliteWritePolicy } from './writePolicy';

/**
 * The SQLite ledger's claims: the worker's (in the group commit), replay's changeJob (one
 * IMMEDIATE transaction of its own), and no signal of new work (other processes' jobs are
 * found by polling).
 */
export function sqliteClaim(
  db: SqliteDatabase,
  { grouped, durably, run }: SqliteWritePolicy,
): ClaimLedger {
  const claimNext = db.prepare<ClaimParams, JobRow>(CLAIM_SQL);
  const claimSkipping = skippingClaim(db);
  // The claimed job's payment facts, read in the claim's transaction.
  const claimedFacts = db.prepare<[string], { facts_json: string }>(
    `SELECT facts_json FROM payment_facts
     WHERE payment_intent_id = json_extract(?, '$.paymentIntentId')`,
  );
  const changeJobTx = changeJobTransaction(db);
  return {
    claimNextJob: async (owner, now, leaseMs, skipSites = []) => {
      const skip = JSON.stringify(skipSites);
      const row = await grouped(() => {
        const params = { owner, now, until: now + leaseMs, skip };
        const claimed = skipSites.length > 0 ? claimSkipping(params) : claimNext.get(params);
        if (!claimed) return undefined;
        const facts = claimedFacts.get(claimed.session_json);
        return { ...claimed, claimed_facts_json: facts?.facts_json ?? null };
      }, false);
      return row ? claimedJobFromRow(row) : undefined;
    },
    changeJob: <T>(
      sessionId: string,
      decide: (job: Job | undefined, context: JobContext) => JobChange<T>,
    ) =>
      // better-sqlite3's transaction type does not carry the generic through.
      run(() => durably(() => changeJobTx.immediate(sessionId, decide) as T)),
    onJobAvailable: () => undefined,
  };
}

/**
 * A claim that skips sites (claimSql.ts): the job due first among the head of the queue, else
 * site by site; taken in the same transaction.
 */
function skippingClaim(db: SqliteDatabase): (params: ClaimParams) => JobRow | undefined {
  type Probe = Pick<ClaimParams, 'now' | 'skip'>;
  const atHead = db.prepare<Probe, { session_id: string }>(HEAD_CANDIDATE_SQL);
  const bySite = db.prepare<Probe, { session_id: string }>(SITE_CANDIDATE_SQL);
  const take = db.prepare<ClaimParams & { sessionId: string }, JobRow>(TAKE_SQL);
  return (params) => {
    const probe = { now: params.now, skip: params.skip };
    const found = atHead.get(probe) ?? bySite.get(probe);
    return found ? take.get({ ...params, sessionId: found.session_id }) : undefined;
  };
}

/**
 * Read and write in one transaction (run IMMEDIATE): SQLite's write lock keeps every other
 * writer (this process's or another's) out between the read and the write.
 */
function changeJobTransaction(db: SqliteDatabase) {
  const getJob = db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE session_id = ?');
  const insertWholeJob = db.prepare(insertJobSql(''));
  const replaceJob = db.prepare(REPLACE_JOB_SQL);
  const insertEvent = db.prepare(INSERT_EVENT_SQL);
  return db.transaction(
    <T>(
      sessionId: string,
      decide: (job: Job | undefined, context: JobContext) => JobChange<T>,
    ): T => {
      const row = getJob.get(sessionId);
      const inFlight = row !== undefined && row.opscom_started_at !== null;
      const change = decide(row ? jobFromRow(row) : undefined, {
        attemptOwnerAlive: inFlight && attemptOwnerAlive(row.lease_owner, sessionId) === 1,
      });
      if (change.write) {
        const params = jobToParams(change.write, 'integer');
        (row ? replaceJob : insertWholeJob).run(params);
      }
      if (change.note) {
        insertEvent.run({ ...change.note, livemode: change.note.livemode ? 1 : 0 });
      }
      return change.result;
    },
  );
}
