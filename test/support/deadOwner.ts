import { spawnSync } from 'node:child_process';
import type { StoreConfig } from '../../src/config';
import type { PermitRequest } from '../../src/domain/permit';
import { createLogger } from '../../src/logger';
import type { Ledger } from '../../src/store/ledger';
import { openLedger } from '../../src/store/openLedger';
import { newOwnerId } from '../../src/store/owner';

/**
 * Claims the session's job and starts its OPSCOM attempt as an owner that is then provably
 * gone, the way each ledger sees a dead owner:
 * - SQLite: the owner's process no longer exists (the pid of a process that has exited);
 * - PostgreSQL: the owner's connection has closed (a ledger of its own, closed).
 * Returns the owner's id.
 */
export async function startAttemptThenDie(
  store: StoreConfig,
  ledger: Ledger,
  sessionId: string,
  now: number,
  permit: PermitRequest,
): Promise<string> {
  const logger = createLogger({ level: 'error', pretty: false, silent: true });
  let owner = newOwnerId('worker');
  let via = ledger;
  if (store.kind === 'sqlite') {
    const exited = spawnSync(process.execPath, ['-e', '']);
    const parts = owner.split(':');
    parts[2] = String(exited.pid);
    owner = parts.join(':');
  } else {
    via = await openLedger(store, logger);
  }
  const claimed = await via.claimNextJob(owner, now, 1000);
  const started =
    claimed !== undefined &&
    (await via.startOpscomAttempt({ sessionId, owner, now, leaseMs: 1000 }, permit));
  if (via !== ledger) await via.close();
  if (!started) throw new Error(`the owner to be gone did not start the attempt on ${sessionId}`);
  return owner;
}
