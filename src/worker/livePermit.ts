import { applyCorrection } from '../domain/correction';
import { mapSession, type MappingOptions, type MappingResult } from '../domain/mapSession';
import type { CreatePermitRequest } from '../domain/permit';
import type { PaymentFacts } from '../domain/paymentFacts';
import { nextPermitStep, type LivePermit, type PermitStep } from '../domain/permitLife';
import type { JobDeps } from './jobContext';
import type { Job } from '../store/ledger';

/**
 * The permit OPSCOM has now for a job made by a create, or undefined (none yet, a replacement
 * not yet created, or a renewal: its permit belongs to an earlier payment). Rows written
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

/** Mappings already made, per session snapshot object (see desiredPermit). */
const mapped = new WeakMap<
  Job['session'],
  {
    corrections: Job['corrections'];
    paidAt: number;
    mapping: MappingOptions;
    liveZone: string | undefined;
    result: MappingResult;
  }
>();

/**
 * The permit the payment and the operator's corrections say the session should have now:
 * its metadata mapped afresh (never the request stored from the first attempt, which a
 * correction may have overtaken). Mapping is pure, and the steps of one job run ask it several
 * times for the same snapshot (each step's job is the previous one, spread): the answer for a
 * snapshot object, its corrections object and its moment of payment is kept and given again
 * (a job read anew from the ledger is new objects, so it is mapped anew).
 */
export function desiredPermit(job: Job, mapping: MappingOptions): MappingResult {
  const paidAt = job.paidAt ?? Math.floor(job.createdAt / 1000);
  // The zone OPSCOM already took for this session stays acceptable (domain/mapSession.ts).
  const liveZone = livePermitOf(job)?.zone;
  const known = mapped.get(job.session);
  if (
    known &&
    known.corrections === job.corrections &&
    known.paidAt === paidAt &&
    known.mapping === mapping &&
    known.liveZone === liveZone
  ) {
    return known.result;
  }
  const result = mapSession(
    { session: applyCorrection(job.session, job.corrections), paidAt, liveZone },
    mapping,
  );
  mapped.set(job.session, { corrections: job.corrections, paidAt, mapping, liveZone, result });
  return result;
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
