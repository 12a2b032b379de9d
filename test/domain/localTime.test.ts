import { IANAZone } from 'luxon';
import { operatorZone } from '../../src/domain/localTime';

// operatorZone remembers each offset for its minute: it must answer exactly what luxon's own
// zone answers, at every second around every offset change (whole hours, half hours, 45-minute
// offsets, a 30-minute daylight shift), and whichever second of a minute is asked first.
const ZONES = [
  'America/Toronto',
  'Europe/London',
  'America/St_Johns',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
];
const DAY = 86_400_000;
const WINDOW = 20 * 60_000;

/** The first millisecond of each new offset in [from, to): a daily scan, then bisection. */
function changesIn(zone: IANAZone, from: number, to: number): number[] {
  const changes: number[] = [];
  for (let t = from; t < to; t += DAY) {
    if (zone.offset(t) === zone.offset(t + DAY)) continue;
    let [before, after] = [t, t + DAY];
    while (after - before > 1) {
      const mid = Math.floor((before + after) / 2);
      if (zone.offset(mid) === zone.offset(before)) before = mid;
      else after = mid;
    }
    changes.push(after);
  }
  return changes;
}

describe('operatorZone', () => {
  it.each(ZONES)('%s: the same offset as luxon at each second around each change', (name) => {
    const plain = new IANAZone(name);
    const changes = changesIn(plain, Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1));
    expect(changes.length).toBeGreaterThanOrEqual(name === 'Asia/Kathmandu' ? 0 : 2);
    // Late seconds of a minute asked first, then early ones: a wrong cache would keep the first.
    const cached = operatorZone(name);
    const asked: number[] = [];
    for (const change of changes) {
      for (let t = change + WINDOW; t >= change - WINDOW; t -= 1_999) asked.push(t);
    }
    for (let t = Date.UTC(2026, 5, 1); t < Date.UTC(2026, 5, 2); t += 59_999) asked.push(t);
    const wrong = asked.filter((t) => cached.offset(t) !== plain.offset(t));
    expect(wrong.map((t) => new Date(t).toISOString())).toEqual([]);
    expect(asked.length).toBeGreaterThan(1000);
  });

  it('is one instance per zone name, and an iana zone luxon compares by name', () => {
    expect(operatorZone('Europe/London')).toBe(operatorZone('Europe/London'));
    expect(operatorZone('Europe/London').equals(IANAZone.create('Europe/London'))).toBe(true);
    expect(operatorZone('Not/AZone').isValid).toBe(false);
  });
});
