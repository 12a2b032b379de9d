import { loadConfig } from '../config';
import { JOB_STATES, type JobState } from '../domain/intakeRule';
import { createLogger } from '../logger';
import { openLedger } from '../store/openLedger';

const STATES = JOB_STATES;

/**
 * `npm run jobs [-- failed dead …]`: one line per job in the ledger (default: every state but
 * done), with its last error. Reads the same ledger as the server; safe while it runs.
 */
export async function listJobs(argv: readonly string[]): Promise<number> {
  const wanted = argv.filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((s) => !STATES.includes(s as JobState));
  if (unknown.length > 0) {
    process.stderr.write(`unknown state(s) ${unknown.join(', ')}; states: ${STATES.join(', ')}\n`);
    return 2;
  }
  const config = loadConfig(process.env);
  const ledger = await openLedger(config.store, createLogger({ level: 'warn', pretty: false }));
  const states = wanted.length > 0 ? (wanted as JobState[]) : STATES.filter((s) => s !== 'done');
  const jobs = await ledger.listJobs(states);
  const now = Date.now();
  let inDoubt = 0;
  for (const job of jobs) {
    // An OPSCOM call past its timeout is in doubt: OPSCOM may have made the permit, and the
    // adapter is still waiting for its answer (OPSCOM_GRACE_MS) before it retries.
    const waitedMs = job.opscomStartedAt === null ? undefined : now - job.opscomStartedAt;
    const doubtful = waitedMs !== undefined && waitedMs > config.opscom.timeoutMs;
    if (doubtful) inDoubt++;
    const fields = [
      new Date(job.createdAt).toISOString(),
      job.state.padEnd(16),
      job.sessionId,
      job.opscom?.referenceId ?? '-',
      waitedMs === undefined
        ? ''
        : `[OPSCOM attempt ${job.opscomAttempts} ${doubtful ? 'in doubt' : 'in flight'} for ${(waitedMs / 1000).toFixed(1)} s]`,
      job.lastError ?? '',
    ].filter((f) => f !== '');
    process.stdout.write(`${fields.join('  ')}\n`);
  }
  process.stdout.write(
    `${jobs.length} job(s) in ${states.join(', ')}${inDoubt > 0 ? `; ${inDoubt} OPSCOM call(s) in doubt` : ''}\n`,
  );
  await ledger.close();
  return 0;
}
