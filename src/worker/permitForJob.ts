import { applyCorrection } from '../domain/correction';
import { mapSession, type MappingOptions, type MappingResult } from '../domain/mapSession';
import { asUpdateOf } from '../domain/permit';
import type { Job, Ledger } from '../store/ledger';
import { desiredPermit } from './livePermit';

/**
 * The OPSCOM request a job sends: the one its first attempt stored, or else its session mapped
 * now, with an operator's correction overlaid, an update extended from the end the ledger
 * knows, and, after `replay --force`, as an update of the session's own permit. The worker
 * and replay's --dry-run both ask this, so what replay predicts is what the worker sends.
 */
export async function permitForJob(
  job: Job,
  ledger: Ledger,
  mapping: MappingOptions,
): Promise<MappingResult> {
  if (job.permit) return { kind: 'permit', permit: job.permit };
  const session = applyCorrection(job.session, job.corrections);
  const referenceId = session.metadata['reference_id']?.trim();
  // A plain new permit is what the payment says: the mapping desiredPermit made (and keeps).
  if (!referenceId && job.updateOf === null) return desiredPermit(job, mapping);
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
