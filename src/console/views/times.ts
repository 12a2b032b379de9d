import { DateTime } from 'luxon';
import { html, type Html } from '../../http/html';

/**
 * Times as the console shows them: a date, then a time with its zone, each kept on one line
 * (a narrow column wraps between the two, never inside either).
 */
function shown(at: DateTime, time: string, datetime: string): Html {
  const local = at.setLocale('en-US');
  return html`<time datetime="${datetime}"
    ><span class="nowrap">${local.toFormat('yyyy-LL-dd')}</span>
    <span class="nowrap">${local.toFormat(time)}</span></time
  >`;
}

/** Unix ms → `2026-11-29 10:42:07 UTC` (as `when` says it), or a dash. */
export function stamp(ms: number | null | undefined): Html | string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const at = DateTime.fromMillis(ms, { zone: 'utc' });
  return shown(at, "HH:mm:ss 'UTC'", at.toISO() ?? '');
}

/**
 * An instant with its offset, as the ledger keeps a permit's end (`2026-12-03T15:10:54-08:00`)
 * → `2026-12-03 15:10 PST`: in `zone` (its site's timezone) when known, else at the offset it
 * was written with (`UTC-8`). Text that is no such instant is shown as it is.
 */
export function permitInstant(iso: string, zone?: string): Html | string {
  const at = DateTime.fromISO(iso, { setZone: true });
  if (!at.isValid) return iso;
  const inZone = zone === undefined ? at : at.setZone(zone);
  return shown(inZone.isValid ? inZone : at, 'HH:mm ZZZZ', iso);
}

/**
 * OPSCOM's wall time (`2026-12-03T14:10:54`, no offset: the site's local time) → `2026-12-03
 * 14:10 EST` in `zone`; without a zone (one site), `2026-12-03 14:10`, the wall time alone.
 */
export function opscomTime(wall: string, zone?: string): Html | string {
  const at = DateTime.fromISO(wall, zone === undefined ? {} : { zone });
  if (!at.isValid) return wall;
  if (zone === undefined) return shown(at, 'HH:mm', wall);
  return shown(at, 'HH:mm ZZZZ', at.toISO({ suppressMilliseconds: true }) ?? wall);
}
