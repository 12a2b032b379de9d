import { type DateTime, IANAZone, type Zone } from 'luxon';

/**
 * An IANA zone that remembers its UTC offset per minute. Luxon asks a zone for its offset
 * several times for each date it builds or moves (`fromSeconds`, `plus`, `setZone`), and
 * each answer is an `Intl.DateTimeFormat.formatToParts` call: with every payment mapped in
 * the operator's zone, that was a tenth of the worker's CPU in a burst (`npm run bench:burst`).
 * Every offset change since 1970 happens on a whole minute (offsets and the wall times of the
 * changes are whole minutes), so one answer holds for its whole minute; for older dates with
 * a local mean time of seconds, the minute of a change could be off by those seconds.
 */
class MinuteOffsetZone extends IANAZone {
  private readonly offsets = new Map<number, number>();

  override offset(ts: number): number {
    const minute = Math.floor(ts / 60_000);
    let offset = this.offsets.get(minute);
    if (offset === undefined) {
      offset = super.offset(ts);
      if (this.offsets.size >= 10_000) this.offsets.clear();
      this.offsets.set(minute, offset);
    }
    return offset;
  }
}

const zones = new Map<string, Zone>();

/** The zone named, for dates the mapping builds: one shared instance per name. */
export function operatorZone(name: string): Zone {
  let zone = zones.get(name);
  if (zone === undefined) {
    zone = new MinuteOffsetZone(name);
    zones.set(name, zone);
  }
  return zone;
}

/**
 * OPSCOM takes local wall time in the operator's zone, `Y-m-d\TH:i:s`, no offset
 * (OPSCOM API pages: times are 20 characters at most).
 */
export function toOpscomTime(instant: DateTime, timezone: string): string {
  return instant.setZone(operatorZone(timezone)).toFormat("yyyy-MM-dd'T'HH:mm:ss");
}

/** The same instant, unambiguous, for our ledger and Stripe metadata: ISO-8601 with offset. */
export function toIsoWithOffset(instant: DateTime, timezone: string): string {
  return instant.setZone(operatorZone(timezone)).toISO({ suppressMilliseconds: true }) ?? '';
}
