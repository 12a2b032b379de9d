import { setTimeout as sleep } from 'node:timers/promises';
import { OpscomInDoubtError, StoreError } from '../errors';
import type { CallOptions } from '../opscom/opscomClient';
import { addToTimeline, type HeldJob } from './jobContext';

/**
 * Makes one OPSCOM call already marked in flight. A slow answer is waited for and the worker
 * told (it may start other jobs); a lost one is put on the record, as the retry may repeat it.
 */
export async function callOpscom<T>(
  held: HeldJob,
  what: string,
  key: string | number,
  call: (options: CallOptions) => Promise<T>,
): Promise<{ answer: T; lateAfterMs: number | undefined; at: number }> {
  const { deps, log } = held;
  const sentAt = deps.now();
  let slow = false;
  const onSlow = () => {
    slow = true;
    log.warn('OPSCOM has not answered yet: the attempt is in doubt, not failed; still listening', {
      call: what,
      opscomAttempt: key,
      waitedMs: deps.now() - sentAt,
    });
    held.hooks.onInDoubt?.();
  };
  try {
    const answer = await call({ onSlow });
    const at = deps.now();
    if (slow) deps.metrics?.opscomInDoubt('late_answer', held.job.site);
    return { answer, lateAfterMs: slow ? at - sentAt : undefined, at };
  } catch (err) {
    if (err instanceof OpscomInDoubtError) {
      deps.metrics?.opscomInDoubt('answer_lost', held.job.site);
      log.error(
        what === 'create'
          ? 'OPSCOM answer lost: the retry may make a second permit; check OPSCOM'
          : 'OPSCOM answer lost: the call is retried (it changes nothing twice)',
        { call: what, opscomAttempt: key, error: err.message },
      );
      await addToTimeline(held, 'opscom.answer_lost', key, { call: what, error: err.message });
    }
    throw err;
  }
}

/** The attempt before this one was in flight when its owner went away: say so, for the record. */
export async function reportTakeover(held: HeldJob): Promise<void> {
  const { job, log } = held;
  log.error(
    'taking over a job whose OPSCOM attempt was in flight when its owner went away: if OPSCOM made that permit, the next attempt makes a second; check OPSCOM',
    { opscomAttempt: job.opscomAttempts, startedAt: job.opscomStartedAt },
  );
  await addToTimeline(held, 'opscom.taken_over', job.opscomAttempts, {
    attempt: job.opscomAttempts,
    startedAt: job.opscomStartedAt,
  });
}

/**
 * Records OPSCOM's answer, retrying while the ledger is unreachable (a lost answer means a repeated
 * call: a second permit). No one takes the job meanwhile: its call is in flight, its process alive.
 */
export async function holdUntilRecorded(
  held: HeldJob,
  write: () => Promise<boolean>,
  referenceId: string,
): Promise<boolean> {
  const { log } = held;
  let delay = 100;
  for (let tries = 1; ; tries++) {
    try {
      const ok = await write();
      if (!ok) {
        log.error(
          'OPSCOM answered, but another attempt had started meanwhile: check OPSCOM for a second permit',
          { referenceId },
        );
      } else if (tries > 1) {
        log.info('OPSCOM answer recorded after the ledger returned', { referenceId, tries });
      }
      return ok;
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      if (tries === 1) {
        log.error(
          'OPSCOM answered but the ledger is unreachable; holding the answer until it returns',
          { referenceId, error: err.message },
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }
}
