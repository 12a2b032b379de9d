import type { LivePermit, PermitStep } from '../domain/permitLife';
import type { Job } from '../store/ledger';
import { LeaseLost, note, type JobRun } from './jobContext';
import { callOpscom, holdUntilRecorded } from './opscomCall';

/**
 * One change of a live permit (domain/permitLife.ts): an update of its plate or end, or its
 * delete (revoked, or to be replaced in another zone). The call is marked in flight like a
 * create and its outcome recorded before the next step. Both are safe to repeat (an update
 * sets the same values again; a delete of a permit already gone is OPSCOM's 9009, taken as
 * done), so a retry after a lost answer changes nothing twice. Resolves the job as it now
 * stands.
 */
export async function changeStep(
  run: JobRun,
  live: LivePermit,
  step: Extract<PermitStep, { kind: 'update' | 'delete' }>,
): Promise<Job> {
  const { job, deps, log } = run;
  if (!(await deps.ledger.startPermitChange(run.lease()))) throw new LeaseLost();
  const key = `${live.referenceId}:${job.revision}:${step.kind}:${step.status}`;
  try {
    let next: LivePermit | null;
    let referenceId: string | null = live.referenceId;
    if (step.kind === 'update') {
      const request = {
        action: 'update' as const,
        referenceId: live.referenceId,
        plate: step.plate,
        endTime: step.endTime,
        endsAt: step.endsAt,
        amount: step.amount,
        currency: live.currency,
      };
      await callOpscom(run, 'update', key, (o) => deps.opscom.updatePermit(request, o));
      next = {
        ...live,
        plate: step.plate,
        endTime: step.endTime,
        endsAt: step.endsAt,
        amount: step.amount ?? live.amount,
        status: step.status,
      };
    } else {
      const { answer } = await callOpscom(run, 'delete', key, (o) =>
        deps.opscom.deletePermit(live.referenceId, o),
      );
      if (answer.alreadyGone) log.warn('OPSCOM had no such permit to delete (9009): taken as gone');
      next = { ...live, status: step.status };
      // A replacement is created next: the job has no live reference until then.
      if (step.status === 'replaced') referenceId = null;
    }
    const change = { live: next, referenceId, endsAt: referenceId === null ? null : next.endsAt };
    const recorded = await holdUntilRecorded(
      run,
      () => deps.ledger.recordPermitChange(run.lease(), change),
      live.referenceId,
    );
    if (!recorded) throw new LeaseLost();
    const detail = {
      referenceId: live.referenceId,
      change: step.kind,
      status: step.status,
      why: step.why,
      ...(step.kind === 'update'
        ? {
            plate: step.plate,
            endTime: step.endTime,
            was: { plate: live.plate, endTime: live.endTime },
          }
        : {}),
    };
    log.info(
      step.kind === 'update' ? 'permit updated in OPSCOM' : 'permit deleted in OPSCOM',
      detail,
    );
    await note(run, 'permit.changed', key, detail);
    run.attempts = 0;
    return {
      ...job,
      live: next,
      opscom: referenceId === null || !job.opscom ? null : { ...job.opscom, endsAt: next.endsAt },
      permit: referenceId === null ? null : job.permit,
      opscomStartedAt: null,
      sessionWrittenAt: null,
      paymentIntentWrittenAt: null,
      writeBackRound: job.writeBackRound + 1,
      attempts: 0,
      lastError: null,
    };
  } finally {
    await deps.ledger.endOpscomAttempt(job.sessionId, deps.owner);
  }
}
