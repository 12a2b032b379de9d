import { DateTime } from 'luxon';

/**
 * OPSCOM takes local wall time in the operator's zone, `Y-m-d\TH:i:s`, no offset
 * (OPSCOM API pages: times are 20 characters at most).
 */
export function toOpscomTime(instant: DateTime, timezone: string): string {
  return instant.setZone(timezone).toFormat("yyyy-MM-dd'T'HH:mm:ss");
}

/** The same instant, unambiguous, for our ledger and Stripe metadata: ISO-8601 with offset. */
export function toIsoWithOffset(instant: DateTime, timezone: string): string {
  return instant.setZone(timezone).toISO({ suppressMilliseconds: true }) ?? '';
}
