import { setTimeout as sleep } from 'node:timers/promises';
import type { Job, Ledger } from '../../src/store/ledger';

/**
 * How long one settle phase may take, counted from when that phase starts: 15 minutes for the
 * jobs in backoff (a job that met k faults in a row waits 2^k s: minutes at most), plus 50 ms a
 * payment for a backlog the fleet has not worked through yet on a busy machine (8 more minutes
 * at 10,000 payments). Each phase gets its own: at full size, corrections and replay --since
 * alone take longer than the 15 minutes the whole run once had.
 */
export function settleLimitMs(payments: number): number {
  return 15 * 60_000 + payments * 50;
}

/**
 * The jobs of the plan's sessions that are not at their final state yet: pending (a step to do
 * or retry, a refund or correction to apply), or, for a session owed a permit, still awaiting
 * its payment. Every other state is final for the audit: done and cancelled are what it expects,
 * failed, dead and payment_failed wait for a person and are reported by it. A session owed a
 * permit with no job at all is not waited for either: every delivery was acknowledged and replay
 * has ended, so nothing would bring it; the audit calls it lost.
 */
export function unsettledJobs(
  open: readonly Job[],
  owed: ReadonlySet<string>,
  planned: ReadonlySet<string>,
): Job[] {
  return open.filter(
    (j) =>
      planned.has(j.sessionId) &&
      (j.state === 'pending' || (j.state === 'awaiting_payment' && owed.has(j.sessionId))),
  );
}

export type Settled =
  | { settled: true; startedAt: number; at: number }
  | { settled: false; startedAt: number; limitMs: number; unsettled: Job[] };

/** Waits until every session of the plan is at its final state, or `limitMs` has passed. */
export async function settle(
  ledger: Pick<Ledger, 'listJobs'>,
  owed: ReadonlySet<string>,
  planned: ReadonlySet<string>,
  limitMs: number,
): Promise<Settled> {
  const startedAt = Date.now();
  for (;;) {
    // Only the states that can still move are read: cheap however big the run.
    const open = await ledger.listJobs(['pending', 'awaiting_payment']);
    const unsettled = unsettledJobs(open, owed, planned);
    if (unsettled.length === 0) return { settled: true, startedAt, at: Date.now() };
    if (Date.now() - startedAt >= limitMs) return { settled: false, startedAt, limitMs, unsettled };
    await sleep(500);
  }
}

/** "12.3 s", or why it never settled. */
export function describeSettle(s: Settled, from = s.startedAt): string {
  if (s.settled) return `${((s.at - from) / 1000).toFixed(1)} s`;
  return `never: ${s.unsettled.length} session(s) still waiting ${Math.round(s.limitMs / 60_000)} min into the phase`;
}
