import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import type { PermitRequest } from '../../src/domain/permit';

const dist = (file: string) => JSON.stringify(join(__dirname, '..', '..', 'dist', file));

/**
 * Claims the session's job and starts its OPSCOM attempt in another process (the built code,
 * `dist/`), which then SIGKILLs itself: an owner that is provably gone, as after `kill -9`.
 * Returns that owner's id.
 */
export function startAttemptThenDie(
  store: StoreConfig,
  sessionId: string,
  now: number,
  permit: PermitRequest,
): string {
  const script = `
    const { openLedger } = require(${dist('store/openLedger.js')});
    const { newOwnerId } = require(${dist('store/owner.js')});
    const { createLogger } = require(${dist('logger.js')});
    (async () => {
      const [store, sessionId, now, permit] = JSON.parse(process.argv[1]);
      const ledger = await openLedger(store, createLogger({ level: 'error', pretty: false, silent: true }));
      const owner = newOwnerId('worker');
      const claimed = await ledger.claimNextJob(owner, now, 1000);
      const lease = { sessionId, owner, now, leaseMs: 1000 };
      const started = claimed !== undefined && (await ledger.startOpscomAttempt(lease, permit));
      process.stdout.write(JSON.stringify({ owner, started }), () => process.kill(process.pid, 'SIGKILL'));
    })();`;
  const result = spawnSync(
    process.execPath,
    ['-e', script, JSON.stringify([store, sessionId, now, permit])],
    { encoding: 'utf8', timeout: 15_000 },
  );
  const out = JSON.parse(result.stdout || '{}') as { owner?: string; started?: boolean };
  if (!out.owner || !out.started) {
    throw new Error(
      `the other process did not start the attempt: ${result.stdout} ${result.stderr}`,
    );
  }
  if (result.signal !== 'SIGKILL') throw new Error(`the other process ended with ${result.signal}`);
  return out.owner;
}
