import { DateTime } from 'luxon';
import { operatorZone, toIsoWithOffset } from '../domain/localTime';
import type { MappingOptions } from '../domain/mapSession';
import type { Job } from '../store/ledger';
import { desiredPermit, livePermitOf } from '../worker/livePermit';

/**
 * Where the driver's permit stands, in the driver's terms (not the job's):
 * - `on_its_way`: paid, the permit is being made (the page refreshes itself);
 * - `waiting_bank`: a delayed payment method (a bank debit) has not completed yet;
 * - `active`: in OPSCOM, until its end;
 * - `ended`: its end has passed, or it was ended early (a refund under ON_FULL_REFUND=end);
 * - `removed`: taken away after a refund, a dispute or by the operator (or never made, the
 *   refund having come first);
 * - `payment_failed`: the delayed payment did not go through: no permit;
 * - `not_made`: the permit could not be made; the operator has been told (the reason is
 *   internal and is not shown).
 */
export type DriverState =
  'on_its_way' | 'waiting_bank' | 'active' | 'ended' | 'removed' | 'payment_failed' | 'not_made';

export interface DriverView {
  state: DriverState;
  /** Nothing more will change by itself: the page stops refreshing. */
  final: boolean;
  plate: string | null;
  zone: string | null;
  /** ISO-8601 with the operator's offset. */
  startsAt: string | null;
  endsAt: string | null;
  referenceId: string | null;
  /** Major units with the currency's decimals, e.g. `14.50`, and the currency. */
  amount: string | null;
  currency: string | null;
}

const FINAL: ReadonlySet<DriverState> = new Set([
  'active',
  'ended',
  'removed',
  'payment_failed',
  'not_made',
]);

/**
 * Pure: what the driver's page shows for a session's job at `nowMs`. Only the permit's own
 * facts (plate, zone, times, reference, amount): never the driver's e-mail, name, other
 * metadata or an internal error.
 */
export function driverView(job: Job, mapping: MappingOptions, nowMs: number): DriverView {
  const empty = {
    plate: null,
    zone: null,
    startsAt: null,
    endsAt: null,
    referenceId: null,
    amount: null,
    currency: null,
  };
  const view = (state: DriverState, facts: Partial<DriverView> = {}): DriverView => ({
    state,
    final: FINAL.has(state),
    ...empty,
    ...facts,
  });
  if (job.state === 'awaiting_payment') return view('waiting_bank', planned(job, mapping));
  if (job.state === 'payment_failed') return view('payment_failed');
  if (job.state === 'cancelled') return view('removed', planned(job, mapping));
  if (job.state === 'failed' || job.state === 'dead') return view('not_made');

  const live = livePermitOf(job);
  if (!live) {
    // A renewal's update of an earlier permit, done: that permit, with the end this payment set.
    if (job.state === 'done' && job.opscom) {
      const facts = { ...planned(job, mapping), referenceId: job.opscom.referenceId };
      return view(ended(job.opscom.endsAt, nowMs) ? 'ended' : 'active', {
        ...facts,
        endsAt: job.opscom.endsAt || facts.endsAt,
      });
    }
    return view('on_its_way', planned(job, mapping));
  }
  const facts: Partial<DriverView> = {
    plate: live.plate,
    zone: live.zone,
    startsAt: localToIso(live.startTime, mapping.timezone),
    endsAt: live.endsAt,
    referenceId: live.referenceId,
    amount: live.amount ?? null,
    currency: live.currency,
  };
  if (live.status === 'deleted') return view('removed', facts);
  if (live.status === 'ended' || ended(live.endsAt, nowMs)) return view('ended', facts);
  // A change still under way (a correction, a refund's shortening): shown as it stands, and
  // the page keeps refreshing until the job is done.
  if (job.state === 'pending') return { ...view('active', facts), final: false };
  return view('active', facts);
}

/** What the payment maps to, before OPSCOM has the permit (nothing, if it cannot be mapped). */
function planned(job: Job, mapping: MappingOptions): Partial<DriverView> {
  const mapped = desiredPermit(job, mapping);
  if (mapped.kind !== 'permit') return {};
  const p = mapped.permit;
  return {
    plate: p.plate,
    zone: p.action === 'create' ? p.zone : null,
    startsAt: p.action === 'create' ? localToIso(p.startTime, mapping.timezone) : null,
    endsAt: p.endsAt,
    amount: p.amount ?? null,
    currency: p.currency,
  };
}

function ended(endsAt: string, nowMs: number): boolean {
  const end = DateTime.fromISO(endsAt);
  return end.isValid && end.toMillis() <= nowMs;
}

/** OPSCOM's wall time (`YYYY-MM-DDTHH:mm:ss`, the operator's zone) as ISO-8601 with offset. */
function localToIso(wallTime: string, timezone: string): string | null {
  const at = DateTime.fromISO(wallTime, { zone: operatorZone(timezone) });
  return at.isValid ? toIsoWithOffset(at, timezone) : null;
}
