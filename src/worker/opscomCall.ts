import { setTimeout as sleep } from 'node:timers/promises';
import { OpscomInDoubtError, StoreError } from '../errors';
import type { CallOptions } from '../opscom/opscomClient';
import { note, type JobRun } from './jobContext';

/**
 * Makes one OPSCOM call of a job (its start already marked in flight in the ledger): a slow
 * answer is waited for (OPSCOM_GRACE_MS) and the worker told, so it can start other jobs; an
 * answer that is lost is logged and noted, since the retry that follows may repeat the call.
 * Resolves the answer and whether it came late (ms after sending) for the record.
 */
export async function callOpscom<T>(
  run: JobRun,
  what: string,
  key: string | number,
  call: (options: CallOptions) => Promise<T>,
): Promise<{ answer: T; lateAfterMs: number | undefined; at: number }> {
  const { deps, log } = run;
  const sentAt = deps.now();
  let slow = false;
  const onSlow = () => {
    slow = true;
    log.warn('OPSCOM has not answered yet: the attempt is in doubt, not failed; still listening', {
      call: what,
      opscomAttempt: key,
      waitedMs: deps.now() - sentAt,
    });
    run.hooks.onInDoubt?.();
  };
  try {
    const answer = await call({ onSlow });
    const at = deps.now();
    if (slow) deps.metrics?.opscomInDoubt('late_answer');
    return { answer, lateAfterMs: slow ? at - sentAt : undefined, at };
  } catch (err) {
    if (err instanceof OpscomInDoubtError) {
      deps.metrics?.opscomInDoubt('answer_lost');
      log.error(
        what === 'create'
          ? 'OPSCOM answer lost: the retry may make a second permit; check OPSCOM'
          : 'OPSCOM answer lost: the call is retried (it changes nothing twice)',
        { call: what, opscomAttempt: key, error: err.message },
      );
      await note(run, 'opscom.answer_lost', key, { call: what, error: err.message });
    }
    throw err;
  }
}

/** The attempt before this one was in flight when its owner went away: say so, for the record. */
export async function noteTakeover(run: JobRun): Promise<void> {
  const { job, log } = run;
  log.error(
    'taking over a job whose OPSCOM attempt was in flight when its owner went away: if OPSCOM made that permit, the next attempt makes a second; check OPSCOM',
    { opscomAttempt: job.opscomAttempts, startedAt: job.opscomStartedAt },
  );
  await note(run, 'opscom.taken_over', job.opscomAttempts, {
    attempt: job.opscomAttempts,
    startedAt: job.opscomStartedAt,
  });
}

/**
 * OPSCOM has acted; its answer must reach the ledger, or a retry repeats the call (for a
 * create: a second permit). While the ledger is unreachable (a database restart), keep the
 * answer and keep trying, for as long as this process lives; no other process can take the
 * job meanwhile (its call is in flight, and this process lives).
 */
export async function holdUntilRecorded(
  run: JobRun,
  write: () => Promise<boolean>,
  referenceId: string,
): Promise<boolean> {
  const { log } = run;
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
