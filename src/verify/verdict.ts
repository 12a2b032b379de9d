import { DateTime } from 'luxon';
import { operatorZone } from '../domain/localTime';
import type { PlateSeen, SeenPermit } from '../opscom/plateValidationAnswer';
import type { CheckResult } from '../store/verificationLedger';
import type { Expectation } from './expectation';

/**
 * How far OPSCOM's `expires` may be from the permit's end and still be that permit: one
 * minute. OPSCOM shows seconds, but its pages do not promise it keeps them (a permit sent
 * ending 11:30:45 may show 11:30:00 or 11:31:00); a different permit of the same plate is
 * almost never within a minute of ours.
 */
export const END_TOLERANCE_MS = 60_000;

export interface Verdict {
  result: CheckResult;
  /** For a result that is not what the ledger expects: the likely cause, in plain words. */
  cause: string | undefined;
}

/** `expires` as OPSCOM writes it (site-local wall time, no offset), in OPSCOM_TIMEZONE. */
export function expiresAt(expires: string, timezone: string): number | undefined {
  const zone = operatorZone(timezone);
  for (const format of ['yyyy-MM-dd HH:mm:ss', "yyyy-MM-dd'T'HH:mm:ss", 'yyyy-MM-dd HH:mm']) {
    const parsed = DateTime.fromFormat(expires.trim(), format, { zone });
    if (parsed.isValid) return parsed.toMillis();
  }
  return undefined;
}

/** Active as OPSCOM says; when it does not say, judged by the expiry. */
function isActive(permit: SeenPermit, expiry: number | undefined, now: number): boolean {
  return permit.active ?? (expiry !== undefined && expiry > now);
}

/**
 * Pure: what a Plate Validation answer says about the expected permit. Matched by plate
 * (the question) and end (within END_TOLERANCE_MS): the answer names lots, not zones or
 * references.
 */
export function verdictOf(
  expected: Extract<Expectation, { kind: 'standing' | 'gone' }>,
  seen: PlateSeen,
  timezone: string,
  now: number,
): Verdict {
  const active = seen.permits
    .map((p) => ({ permit: p, expiry: expiresAt(p.expires, timezone) }))
    .filter((p) => isActive(p.permit, p.expiry, now));
  const shows = (iso: string) => {
    const end = DateTime.fromISO(iso).toMillis();
    return active.some(
      (p) => p.expiry !== undefined && Math.abs(p.expiry - end) <= END_TOLERANCE_MS,
    );
  };
  if (expected.kind === 'gone') {
    return expected.ends.some(shows)
      ? {
          result: 'still_visible',
          cause: 'OPSCOM did not apply the delete or the new end, or staff restored the permit',
        }
      : { result: 'gone', cause: undefined };
  }
  if (shows(expected.endsAt)) return { result: 'visible', cause: undefined };
  const zone = expected.zone === undefined ? 'its zone' : `its zone "${expected.zone}"`;
  if (active.length === 0) {
    return {
      result: 'not_visible',
      cause: `enforcement shows no active permit for the plate: removed in OPSCOM, or ${zone} is used by no lot`,
    };
  }
  const ends = active.map((p) => p.permit.expires).join(', ');
  return {
    result: 'not_visible',
    cause: `enforcement shows the plate with another end (${ends}): changed in OPSCOM`,
  };
}
