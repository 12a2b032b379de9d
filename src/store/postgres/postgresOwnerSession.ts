import type { Client } from 'pg';
import type { Logger } from '../../logger';
import { attemptLockKey } from './attemptLock';
import { ownerConnection, type OwnerConnection } from './ownerConnection';
import { named, postgresStoreError } from './postgresDatabase';

/**
 * One connection per ledger that proves this process alive to the others while its OPSCOM
 * attempts are in flight: it holds a session-level advisory lock per attempt, which PostgreSQL
 * frees the moment the connection ends (a killed process, a closed socket), and never because
 * the process is slow. It also carries the writes that start an attempt and record its answer,
 * so that an answer is written at once rather than queued behind intake and claims in the pool.
 */
export interface OwnerSession {
  /** `urgent`: ahead of every statement not yet sent (an OPSCOM answer to record). */
  query<R extends object>(
    sql: string,
    params: Record<string, unknown>,
    urgent?: boolean,
  ): Promise<R[]>;
  /**
   * Takes the attempt's lock, then runs `update` (an UPDATE … WHERE … without RETURNING) in the
   * same statement, only if the lock was free. True when both happened; the lock is then held
   * until release(sessionId).
   */
  startAttempt(
    sessionId: string,
    update: string,
    params: Record<string, unknown>,
  ): Promise<boolean>;
  /**
   * Runs `update` (an UPDATE … WHERE … without RETURNING: an attempt's answer recorded), urgent,
   * and when it changed the row frees the attempt's lock in the same statement: the attempt is
   * over, and one round trip fewer than recording, then release(). True when it changed the row.
   */
  finishAttempt(
    sessionId: string,
    update: string,
    params: Record<string, unknown>,
  ): Promise<boolean>;
  release(sessionId: string): Promise<void>;
  close(): Promise<void>;
}

/** What startAttempt and finishAttempt work with: statements, the locks held, and unlock. */
interface Locks {
  query: OwnerSession['query'];
  held: Set<string>;
  unlock: (sessionId: string) => Promise<void>;
}

export function createOwnerSession(connect: () => Client, logger: Logger): OwnerSession {
  const held = new Set<string>();
  const connection = ownerConnection(connect, logger, held);
  let closed = false;

  const query = async <R extends object>(
    sql: string,
    params: Record<string, unknown>,
    urgent = false,
  ) => {
    if (closed) throw postgresStoreError(new Error('the ledger is closed'));
    try {
      const { text, values } = named(sql, params);
      return await connection.run(
        urgent,
        async (client) => (await client.query<R>(text, values)).rows,
      );
    } catch (err) {
      throw postgresStoreError(err);
    }
  };
  const locks: Locks = { query, held, unlock: (id) => unlock(connection, id, logger) };

  return {
    query,
    startAttempt: (sessionId, update, params) => startAttempt(locks, sessionId, update, params),
    finishAttempt: (sessionId, update, params) => finishAttempt(locks, sessionId, update, params),
    async release(sessionId) {
      if (!held.delete(sessionId)) return;
      await locks.unlock(sessionId);
    },
    async close() {
      closed = true;
      await connection.close();
    },
  };
}

async function startAttempt(
  { query, held, unlock }: Locks,
  sessionId: string,
  update: string,
  params: Record<string, unknown>,
): Promise<boolean> {
  // Held already (never expected): do not stack a second count of the same lock.
  const lock = held.has(sessionId)
    ? 'SELECT true AS ok'
    : `SELECT pg_try_advisory_lock(${attemptLockKey('@sessionId')}) AS ok`;
  let row: { locked: boolean; started: number } | undefined;
  try {
    [row] = await query<{ locked: boolean; started: number }>(
      `WITH lock AS MATERIALIZED (${lock}),
            started AS (${update} AND (SELECT ok FROM lock) RETURNING 1)
       SELECT (SELECT ok FROM lock) AS locked, (SELECT count(*) FROM started)::int AS started`,
      { ...params, sessionId },
    );
  } catch (err) {
    // A session-level lock outlives the failed statement that took it.
    if (!held.has(sessionId)) await unlock(sessionId);
    throw err;
  }
  if (row?.locked && row.started > 0) {
    held.add(sessionId);
    return true;
  }
  if (row?.locked && !held.has(sessionId)) await unlock(sessionId);
  return false;
}

async function finishAttempt(
  { query, held }: Locks,
  sessionId: string,
  update: string,
  params: Record<string, unknown>,
): Promise<boolean> {
  if (!held.has(sessionId)) {
    return (await query(`${update} RETURNING 1`, { ...params, sessionId }, true)).length > 0;
  }
  // The lock is freed only once the answer is in the row: a statement that fails frees
  // nothing, and the attempt stays this process's until it is recorded.
  const [row] = await query<{ recorded: number; freed: boolean | null }>(
    `WITH recorded AS (${update} RETURNING 1),
          counted AS (SELECT count(*)::int AS n FROM recorded)
     SELECT n AS recorded,
            CASE WHEN n > 0 THEN pg_advisory_unlock(${attemptLockKey('@sessionId')}) END AS freed
     FROM counted`,
    { ...params, sessionId },
    true,
  );
  if ((row?.recorded ?? 0) === 0) return false;
  if (row?.freed) held.delete(sessionId);
  return true;
}

async function unlock(connection: OwnerConnection, sessionId: string, logger: Logger) {
  try {
    await connection.run(false, async (client) => {
      // A new connection holds no lock of the old one: nothing to free.
      if (client !== connection.current()) return;
      await client.query(`SELECT pg_advisory_unlock(${attemptLockKey('$1')})`, [sessionId]);
    });
  } catch (err) {
    logger.warn('could not free an OPSCOM attempt lock; it ends with the connection', {
      sessionId,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

/**
 * Several owner connections acting as one: each session's attempts always go to the same one
 * (by a hash of its id), so its lock is taken, freed and tested on one connection, while the
 * attempts of different sessions no longer queue behind each other on a single socket.
 */
export function shardedOwnerSession(shards: readonly OwnerSession[]): OwnerSession {
  const of = (sessionId: unknown): OwnerSession => {
    const text = typeof sessionId === 'string' ? sessionId : '';
    let hash = 2166136261;
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
    return shards[(hash >>> 0) % shards.length]!;
  };
  return {
    query: (sql, params, urgent) => of(params['sessionId']).query(sql, params, urgent),
    startAttempt: (sessionId, update, params) =>
      of(sessionId).startAttempt(sessionId, update, params),
    finishAttempt: (sessionId, update, params) =>
      of(sessionId).finishAttempt(sessionId, update, params),
    release: (sessionId) => of(sessionId).release(sessionId),
    close: async () => {
      await Promise.all(shards.map((s) => s.close()));
    },
  };
}
