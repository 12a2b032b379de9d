import { applyCorrection } from '../domain/correction';
import { mapSession, type MappingOptions, type MappingResult } from '../domain/mapSession';
import { asUpdateOf } from '../domain/permit';
import type { Job, JobStepLedger } from '../store/ledger';
import { desiredPermit } from './livePermit';

/**
 * The OPSCOM request a job sends: the one its first attempt stored, else its mapping. The worker
 * and replay's --dry-run both ask this, so what replay predicts is what the worker sends.
 * `desired`: the job's desiredPermit when the caller has it already (the worker maps once).
 */
export async function permitForJob(
  job: Job,
  ledger: Pick<JobStepLedger, 'findKnownEnd'>,
  mapping: MappingOptions,
  desired?: MappingResult,
): Promise<MappingResult> {
  if (job.permit) return { kind: 'permit', permit: job.permit };
  const session = applyCorrection(job.session, job.corrections);
  const referenceId = session.metadata['reference_id']?.trim();
  // A plain new permit is what the payment says.
  if (!referenceId && job.updateOf === null) return desired ?? desiredPermit(job, mapping);
  // An update extends from the end the ledger knows (a renewal), or replaces the session's own
  // permit (after `replay --force`): a mapping of its own.
  const knownEndsAt = referenceId
    ? await ledger.findKnownEnd(referenceId, job.sessionId)
    : undefined;
  const mapped = mapSession(
    { session, paidAt: job.paidAt ?? Math.floor(job.createdAt / 1000), knownEndsAt },
    mapping,
  );
  if (mapped.kind === 'invalid' || job.updateOf === null) return mapped;
  return { kind: 'permit', permit: asUpdateOf(mapped.permit, job.updateOf) };
}
