import { isThisProcess, ownerProcessMayBeAlive, parseOwnerId } from '../owner';

/**
 * Which OPSCOM attempts are in flight in this process, for every SQLite ledger it opened: an
 * attempt is added before its start is written and removed once its outcome is (or once the
 * call is over and nothing could be written). Another process cannot see this set; it sees
 * whether this process lives (owner.ts).
 */
const inFlight = new Set<string>();
const key = (owner: string, sessionId: string) => `${owner}\u0000${sessionId}`;

export const sqliteAttempts = {
  /**
   * Runs `start` (the write that marks an attempt in flight) with the attempt already in the
   * set, so that no claim ever sees it unowned; takes it out again if it did not start.
   */
  start(owner: string, sessionId: string, start: () => boolean): boolean {
    inFlight.add(key(owner, sessionId));
    let started = false;
    try {
      started = start();
    } finally {
      if (!started) inFlight.delete(key(owner, sessionId));
    }
    return started;
  },
  delete: (owner: string, sessionId: string) => inFlight.delete(key(owner, sessionId)),
};

/**
 * `owner_alive(owner, session_id)` for SQL: whether the owner of an OPSCOM attempt in flight
 * may still get its answer. In this process, only while the attempt is in the set above; in
 * another, while that process runs. SQLite ledgers are shared by processes of one host only.
 */
export function attemptOwnerAlive(owner: string | null, sessionId: string): number {
  if (owner === null) return 0;
  const id = parseOwnerId(owner);
  if (id && isThisProcess(id)) return inFlight.has(key(owner, sessionId)) ? 1 : 0;
  return ownerProcessMayBeAlive(owner) ? 1 : 0;
}
