import { DateTime } from 'luxon';
import type { Job } from '../store/ledger';
import { livePermitOf } from '../worker/livePermit';
import { END_TOLERANCE_MS } from './verdict';

/**
 * What enforcement should show for a job's permit now, by the ledger:
 * - `standing`: an active permit for `plate` whose expiry is `endsAt`;
 * - `gone`: deleted or ended: no active permit for `plate` with one of `ends` (the ends it
 *   had that are still to come) should remain;
 * - `wait`: a change is in progress (the job is pending): check again later;
 * - `none`: nothing to check (no permit, or its time is over).
 */
export type Expectation =
  | { kind: 'standing'; plate: string; zone: string | undefined; endsAt: string }
  | { kind: 'gone'; plate: string; zone: string | undefined; ends: string[] }
  | { kind: 'wait' }
  | { kind: 'none' };

/** Pure: the expectation for `job` at `now` (Unix ms). */
export function expectationOf(job: Job, now: number): Expectation {
  if (!job.opscom) return { kind: 'none' };
  if (job.state === 'pending') return { kind: 'wait' };
  const live = livePermitOf(job);
  // A renewal (an update of an earlier payment's permit) has no `live`: its request says it.
  const plate = live?.plate ?? job.permit?.plate;
  const endsAt = live?.endsAt ?? (job.opscom.endsAt || job.permit?.endsAt);
  if (plate === undefined || !endsAt) return { kind: 'none' };
  const zone = live?.zone;
  // An end within the tolerance of now is over: OPSCOM may already show it inactive.
  const future = (iso: string | undefined): iso is string =>
    iso !== undefined && iso !== '' && DateTime.fromISO(iso).toMillis() > now + END_TOLERANCE_MS;
  // The first request's end: what an ended or shortened permit must no longer show.
  const first = job.permit?.endsAt;
  if (live?.status === 'deleted') {
    const ends = [...new Set([endsAt, first].filter(future))];
    return ends.length > 0 ? { kind: 'gone', plate, zone, ends } : { kind: 'none' };
  }
  if (future(endsAt)) return { kind: 'standing', plate, zone, endsAt };
  if (live?.status === 'ended' && future(first) && first !== endsAt) {
    return { kind: 'gone', plate, zone, ends: [first] };
  }
  return { kind: 'none' };
}
