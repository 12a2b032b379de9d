import type { MappingResult } from '../domain/mapSession';
import type { LivePermit, PermitStep } from '../domain/permitLife';
import type { Job } from '../store/ledger';
import { addToTimeline, LeaseLost, type HeldJob, type MappedJob } from './jobContext';
import { callOpscom, holdUntilRecorded } from './opscomCall';

/** A change of a live permit (domain/permitLife.ts): its update, or its delete. */
export type PermitChange = Extract<PermitStep, { kind: 'update' | 'delete' }>;

/**
 * Updates the live permit's plate or end, or deletes it (revoked, or replaced in another zone).
 * Both are safe to repeat (a delete of a permit gone is OPSCOM's 9009, taken as done), so a
 * retry after a lost answer changes nothing twice. Resolves the job as it then stands.
 */
export async function pushPermitChange(
  held: HeldJob,
  desired: MappingResult,
  live: LivePermit,
  change: PermitChange,
): Promise<MappedJob> {
  const { job, deps } = held;
  if (!(await deps.ledger.startPermitChange(held.lease()))) throw new LeaseLost();
  const key = `${live.referenceId}:${job.revision}:${change.kind}:${change.status}`;
  try {
    const next =
      change.kind === 'update'
        ? await updateInOpscom(held, live, change, key)
        : await deleteInOpscom(held, live, change, key);
    // A replacement is created next: the job has no live reference until then.
    const referenceId =
      change.kind === 'delete' && change.status === 'replaced' ? null : live.referenceId;
    const recorded = await holdUntilRecorded(
      held,
      () =>
        deps.ledger.recordPermitChange(held.lease(), {
          live: next,
          referenceId,
          endsAt: referenceId === null ? null : next.endsAt,
        }),
      live.referenceId,
    );
    if (!recorded) throw new LeaseLost();
    await reportChanged(held, live, change, key);
    held.attempts = 0;
    const changed: Job = {
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
    // The mapping stands: a change keeps the live zone, or (a replacement) leaves none, and the
    // mapping had not taken the old one (it chose another zone: domain/mapSession.ts).
    return { job: changed, desired };
  } finally {
    await deps.ledger.endOpscomAttempt(job.sessionId, deps.owner);
  }
}

async function updateInOpscom(
  held: HeldJob,
  live: LivePermit,
  change: Extract<PermitChange, { kind: 'update' }>,
  key: string,
): Promise<LivePermit> {
  const request = {
    action: 'update' as const,
    referenceId: live.referenceId,
    plate: change.plate,
    endTime: change.endTime,
    endsAt: change.endsAt,
    amount: change.amount,
    currency: live.currency,
  };
  await callOpscom(held, 'update', key, (o) => held.deps.opscom.updatePermit(request, o));
  return {
    ...live,
    plate: change.plate,
    endTime: change.endTime,
    endsAt: change.endsAt,
    amount: change.amount ?? live.amount,
    status: change.status,
  };
}

async function deleteInOpscom(
  held: HeldJob,
  live: LivePermit,
  change: Extract<PermitChange, { kind: 'delete' }>,
  key: string,
): Promise<LivePermit> {
  const { answer } = await callOpscom(held, 'delete', key, (o) =>
    held.deps.opscom.deletePermit(live.referenceId, o),
  );
  if (answer.alreadyGone) {
    held.log.warn('OPSCOM had no such permit to delete (9009): taken as gone');
  }
  return { ...live, status: change.status };
}

/** Log and timeline for a change OPSCOM made. */
async function reportChanged(
  held: HeldJob,
  live: LivePermit,
  change: PermitChange,
  key: string,
): Promise<void> {
  const detail = {
    referenceId: live.referenceId,
    change: change.kind,
    status: change.status,
    why: change.why,
    ...(change.kind === 'update'
      ? {
          plate: change.plate,
          endTime: change.endTime,
          was: { plate: live.plate, endTime: live.endTime },
        }
      : {}),
  };
  held.log.info(
    change.kind === 'update' ? 'permit updated in OPSCOM' : 'permit deleted in OPSCOM',
    detail,
  );
  await addToTimeline(held, 'permit.changed', key, detail);
}
