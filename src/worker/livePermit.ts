import { applyCorrection } from '../domain/correction';
import { mapSession, type MappingOptions, type MappingResult } from '../domain/mapSession';
import type { CreatePermitRequest } from '../domain/permit';
import type { PaymentFacts } from '../domain/paymentFacts';
import { nextPermitStep, type LivePermit, type PermitStep } from '../domain/permitLife';
import type { JobDeps } from './jobContext';
import type { Job } from '../store/ledger';

/**
 * The permit OPSCOM has now for a job made by a create; undefined before it, between a zone's
 * delete and its replacement, and for a renewal (its permit is an earlier payment's). Rows from
 * before the ledger kept `live` are read from the create they sent and OPSCOM's answer.
 */
export function livePermitOf(job: Job): LivePermit | undefined {
  if (!job.opscom) return undefined;
  if (job.live) return job.live;
  const sent = job.permit;
  if (sent?.action !== 'create') return undefined;
  return {
    referenceId: job.opscom.referenceId,
    internalReferenceId: job.opscom.internalReferenceId,
    plate: sent.plate,
    zone: sent.zone,
    startTime: sent.startTime,
    endTime: sent.endTime,
    endsAt: job.opscom.endsAt || sent.endsAt,
    amount: sent.amount,
    currency: sent.currency,
    status: 'active',
    replaced: null,
  };
}

/**
 * Maps what the payment and the operator's corrections say the permit should be now (never the
 * request stored from the first attempt, which a correction may have overtaken). Pure.
 */
export function desiredPermit(job: Job, mapping: MappingOptions): MappingResult {
  const paidAt = job.paidAt ?? Math.floor(job.createdAt / 1000);
  // The zone OPSCOM already took for this session stays acceptable (domain/mapSession.ts).
  const liveZone = livePermitOf(job)?.zone;
  return mapSession(
    { session: applyCorrection(job.session, job.corrections), paidAt, liveZone },
    mapping,
  );
}

/** The next step for a job's permit, with the worker's policy, zone and clock. */
export function planPermit(
  job: Job,
  live: LivePermit | null,
  desired: CreatePermitRequest,
  facts: PaymentFacts | undefined,
  deps: Pick<JobDeps, 'policy' | 'mapping' | 'now'>,
): PermitStep {
  return nextPermitStep({
    live,
    desired,
    amountTotal: job.session.amountTotal ?? 0,
    facts,
    policy: deps.policy,
    revokedBy: job.corrections?.revoke ? job.corrections.by : undefined,
    timezone: deps.mapping.timezone,
    now: Math.floor(deps.now() / 1000),
  });
}
