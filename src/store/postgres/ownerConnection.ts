import type { Client } from 'pg';
import type { Logger } from '../../logger';
import { attemptLockKey } from './attemptLock';

/** The owner session's one connection: (re)opened on demand, one statement at a time. */
export interface OwnerConnection {
  /** Runs `fn` on the connection once the statements queued before it are done. */
  run<T>(urgent: boolean, fn: (client: Client) => Promise<T>): Promise<T>;
  /** The connection open now, if any (a lock taken on an older one is gone with it). */
  current(): Client | undefined;
  close(): Promise<void>;
}

/**
 * Opens the connection when first needed and again after it drops, taking back the locks of
 * the attempts still in flight (`held`: those it cannot have are dropped from it).
 */
export function ownerConnection(
  connect: () => Client,
  logger: Logger,
  held: Set<string>,
): OwnerConnection {
  let current: Client | undefined;
  let opening: Promise<Client> | undefined;

  const open = (): Promise<Client> => {
    if (current) return Promise.resolve(current);
    opening ??= (async () => {
      const client = connect();
      const drop = () => {
        if (current === client) current = undefined;
      };
      client.on('error', (err) => {
        logger.warn('ledger owner connection lost', { error: err.message, inFlight: held.size });
        drop();
      });
      client.on('end', drop);
      await client.connect();
      await relock(client, held, logger);
      current = client;
      return client;
    })().finally(() => {
      opening = undefined;
    });
    return opening;
  };

  // One statement at a time on the connection (pg allows no more), the answers of OPSCOM first:
  // every ms an answer waits here is part of the window in which a kill makes a second permit.
  const lanes: { urgent: Array<() => Promise<void>>; normal: Array<() => Promise<void>> } = {
    urgent: [],
    normal: [],
  };
  let pumping = false;
  const pump = async () => {
    if (pumping) return;
    pumping = true;
    try {
      for (let next; (next = lanes.urgent.shift() ?? lanes.normal.shift());) await next();
    } finally {
      pumping = false;
    }
  };

  return {
    run: <T>(urgent: boolean, fn: (client: Client) => Promise<T>): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        (urgent ? lanes.urgent : lanes.normal).push(async () => {
          try {
            resolve(await fn(await open()));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
        void pump();
      }),
    current: () => current,
    async close() {
      const client = current ?? (opening ? await opening.catch(() => undefined) : undefined);
      current = undefined;
      await client?.end().catch(() => undefined);
    },
  };
}

/**
 * The locks of attempts still in flight ended with the old connection: take them back. One
 * that cannot be had was taken over meanwhile (the residual case the README names).
 */
async function relock(client: Client, held: Set<string>, logger: Logger): Promise<void> {
  for (const sessionId of [...held]) {
    const { rows } = await client.query<{ ok: boolean }>(
      `SELECT pg_try_advisory_lock(${attemptLockKey('$1')}) AS ok`,
      [sessionId],
    );
    if (!rows[0]?.ok) {
      held.delete(sessionId);
      logger.error(
        'an OPSCOM attempt in flight lost its owner lock while PostgreSQL was unreachable; another process may have taken the job over: check OPSCOM for a second permit',
        { sessionId },
      );
    }
  }
}
