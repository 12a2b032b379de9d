import { DateTime } from 'luxon';
import { operatorZone, toIsoWithOffset, toOpscomTime } from './localTime';
import { toOpscomAmount, type OpscomCurrency } from './money';
import type { PaymentFacts } from './paymentFacts';
import type { CreatePermitRequest } from './permit';

/** What to do with a permit when its payment is refunded or disputed (configuration). */
export interface PermitPolicy {
  /** ON_FULL_REFUND: delete the permit, end it at the refund, or leave it. */
  onFullRefund: 'delete' | 'end' | 'keep';
  /** ON_PARTIAL_REFUND: keep it, or shorten it to the share of the time still paid for. */
  onPartialRefund: 'keep' | 'shorten';
  /** ON_DISPUTE: as a full refund, when a dispute is opened. */
  onDispute: 'delete' | 'end' | 'keep';
}

/** Written back to Stripe as `opscom_permit_status`. */
export type PermitStatus = 'active' | 'deleted' | 'ended' | 'shortened' | 'replaced';

/** The permit OPSCOM has now for a session, as the ledger last recorded it. */
export interface LivePermit {
  referenceId: string;
  internalReferenceId: string | undefined;
  plate: string;
  zone: string;
  startTime: string;
  endTime: string;
  endsAt: string;
  amount: string | undefined;
  currency: OpscomCurrency;
  status: PermitStatus;
  /** A permit this one replaced (a zone correction: delete, then create). */
  replaced: string | null;
}

export interface PermitLifeInput {
  /** What OPSCOM has now; null before the first create, and between a delete and its create. */
  live: LivePermit | null;
  /** The permit as the payment (and any operator correction) says it should be. */
  desired: CreatePermitRequest;
  /** Stripe's `amount_total` for the session, minor units. */
  amountTotal: number;
  facts: PaymentFacts | undefined;
  policy: PermitPolicy;
  /** An operator revoked the permit (a correction with `revoke`): who. Deletes it. */
  revokedBy?: string | undefined;
  timezone: string;
  /** Unix seconds. */
  now: number;
}

export type PermitStep =
  | { kind: 'create'; permit: CreatePermitRequest; status: PermitStatus; why: string }
  | { kind: 'cancel'; why: string }
  | {
      kind: 'update';
      plate: string;
      endTime: string;
      endsAt: string;
      amount: string | undefined;
      status: PermitStatus;
      why: string;
    }
  | { kind: 'delete'; status: 'deleted' | 'replaced'; why: string }
  | { kind: 'none' };

/**
 * Pure: the next OPSCOM call that brings the session's permit to what its payment, its
 * refunds, its dispute and the operator's corrections say, or `none` when it is there. The
 * worker performs one step, records OPSCOM's answer, and asks again; so every step is taken
 * once, in order, and resumes after a crash where it stopped.
 *
 * - A full refund (or a dispute) applies the policy: delete, or end it at the refund's moment
 *   (never a past end: if that moment has passed, now), or keep it.
 * - A partial refund with `shorten` keeps start + duration × kept ÷ total; it never lengthens
 *   and never sets a past end.
 * - A correction of plate or duration is an update of the same permit; of zone, a delete and a
 *   new create (OPSCOM's update has no zone).
 * - An operator's revocation deletes the permit, whatever the policy.
 * - Before any permit exists, a payment that must have none is cancelled: nothing is created.
 */
export function nextPermitStep(input: PermitLifeInput): PermitStep {
  const { live, desired } = input;
  const revoke = revocation(input);
  if (!live) {
    if (revoke) return { kind: 'cancel', why: revoke.why };
    const shortened = shortenedEnd(input, desired.endsAt);
    if (!shortened) return { kind: 'create', permit: desired, status: 'active', why: 'payment' };
    return {
      kind: 'create',
      permit: { ...desired, ...shortened.end, amount: shortened.amount },
      status: 'shortened',
      why: shortened.why,
    };
  }
  if (live.status === 'deleted') return { kind: 'none' };

  if (revoke?.action === 'delete') return { kind: 'delete', status: 'deleted', why: revoke.why };
  if (revoke?.action === 'end') {
    const at = DateTime.fromSeconds(Math.max(revoke.at, input.now), {
      zone: operatorZone(input.timezone),
    });
    if (DateTime.fromISO(live.endsAt) <= at) return { kind: 'none' }; // over already
    return {
      kind: 'update',
      plate: live.plate,
      ...endAt(at, input.timezone),
      amount: undefined,
      status: 'ended',
      why: revoke.why,
    };
  }

  if (desired.zone !== live.zone) {
    return { kind: 'delete', status: 'replaced', why: `zone corrected to ${desired.zone}` };
  }
  let target = { endTime: desired.endTime, endsAt: desired.endsAt };
  let amount = live.amount;
  let status: PermitStatus = live.status === 'replaced' ? 'replaced' : 'active';
  let why = 'correction';
  const shortened = shortenedEnd(input, desired.endsAt);
  if (shortened) {
    target = shortened.end;
    amount = shortened.amount;
    status = 'shortened';
    why = shortened.why;
  }
  // Never a past end: a permit shortened to before now ends now; one already over stays as is.
  const now = DateTime.fromSeconds(input.now, { zone: operatorZone(input.timezone) });
  if (DateTime.fromISO(target.endsAt) < now) {
    if (DateTime.fromISO(live.endsAt) <= now)
      target = { endTime: live.endTime, endsAt: live.endsAt };
    else target = endAt(now, input.timezone);
  }
  if (desired.plate === live.plate && target.endTime === live.endTime) {
    return { kind: 'none' };
  }
  return { kind: 'update', plate: desired.plate, ...target, amount, status, why };
}

function endAt(at: DateTime, timezone: string): { endTime: string; endsAt: string } {
  return { endTime: toOpscomTime(at, timezone), endsAt: toIsoWithOffset(at, timezone) };
}

/** Whether the policy takes the permit away: a full refund first, then a dispute. */
function revocation(
  input: PermitLifeInput,
): { action: 'delete' | 'end'; at: number; why: string } | undefined {
  const { facts, policy } = input;
  if (input.revokedBy !== undefined) {
    return { action: 'delete', at: input.now, why: `revoked by ${input.revokedBy}` };
  }
  if (!facts) return undefined;
  const full = facts.refundedFull || facts.amountRefunded >= input.amountTotal;
  const byRefund =
    full && facts.amountRefunded > 0 && policy.onFullRefund !== 'keep'
      ? { action: policy.onFullRefund, at: facts.refundedAt ?? input.now, why: 'full refund' }
      : undefined;
  const byDispute =
    facts.dispute && policy.onDispute !== 'keep'
      ? { action: policy.onDispute, at: facts.dispute.at, why: 'dispute' }
      : undefined;
  // Deleting is the stronger of the two when both apply.
  if (byRefund?.action === 'delete' || !byDispute) return byRefund;
  if (byDispute.action === 'delete' || !byRefund) return byDispute;
  return byRefund;
}

/** A partial refund under `shorten`: the end that keeps the share still paid for. */
function shortenedEnd(
  input: PermitLifeInput,
  endsAt: string,
):
  | { end: { endTime: string; endsAt: string }; amount: string | undefined; why: string }
  | undefined {
  const { facts } = input;
  if (!facts || input.policy.onPartialRefund !== 'shorten') return undefined;
  const refunded = Math.min(facts.amountRefunded, input.amountTotal);
  if (refunded <= 0 || refunded >= input.amountTotal || input.amountTotal <= 0) return undefined;
  const kept = input.amountTotal - refunded;
  const start = startOf(input);
  const end = DateTime.fromISO(endsAt);
  const span = end.toMillis() - start.toMillis();
  const shortened = DateTime.fromMillis(
    start.toMillis() + Math.floor((span * kept) / input.amountTotal / 1000) * 1000,
  );
  // Never lengthens: not past the end it has now.
  const current = input.live ? DateTime.fromISO(input.live.endsAt) : end;
  const chosen = shortened < current ? shortened : current;
  const money = toOpscomAmount(kept, input.desired.currency);
  return {
    end: endAt(chosen, input.timezone),
    amount: money.ok ? money.amount : input.desired.amount,
    why: `partial refund (${refunded} of ${input.amountTotal})`,
  };
}

function startOf(input: PermitLifeInput): DateTime {
  const startTime = input.live?.startTime ?? input.desired.startTime;
  return DateTime.fromISO(startTime, { zone: operatorZone(input.timezone) });
}
