import type { PlateSeen } from '../opscom/plateValidationAnswer';

/** Permits of one answer kept on the job: enough to explain a ticket, bounded in size. */
const KEPT = 10;

/**
 * What OPSCOM showed, as stored on the job (`last_seen_json`) and quoted in notes: the plate
 * and up to KEPT permits (type, lot, expires, active), each field already bounded by the
 * answer's parser, so a row stays under about 2 KB whatever OPSCOM sends.
 */
export function seenRecord(seen: PlateSeen): string {
  return JSON.stringify({
    plate: seen.plate.slice(0, 20),
    permits: seen.permits.slice(0, KEPT),
    ...(seen.permits.length > KEPT ? { more: seen.permits.length - KEPT } : {}),
  });
}
