import { Duration } from 'luxon';
import { driverView } from '../../src/driver/driverView';
import { lookupLimits } from '../../src/driver/lookupLimits';
import { chooseLanguage, whenText } from '../../src/driver/pageText';
import { emptyJob } from '../../src/store/jobRow';
import type { Job } from '../../src/store/ledger';

const TZ = 'America/Toronto';
const mapping = { timezone: TZ, defaultZone: 'Z1', maxDuration: Duration.fromISO('P1Y') };
// Paid 2026-07-02 10:00 local for 90 minutes.
const PAID = Date.parse('2026-07-02T14:00:00Z') / 1000;
const NOW = (PAID + 30 * 60) * 1000;
const session = {
  id: 'cs_test_driver0001',
  livemode: false,
  paymentStatus: 'paid' as const,
  amountTotal: 1450,
  currency: 'cad',
  metadata: { plate: 'ab 123', duration: '90', zone: 'LOT-4' },
  customFields: {},
  paymentIntentId: 'pi_1',
};
const live = {
  referenceId: 'OC-1',
  internalReferenceId: '1',
  plate: 'AB123',
  zone: 'LOT-4',
  startTime: '2026-07-02T10:00:00',
  endTime: '2026-07-02T11:30:00',
  endsAt: '2026-07-02T11:30:00-04:00',
  amount: '14.50',
  currency: 'CAD' as const,
  status: 'active' as const,
  replaced: null,
};
const job = (extra: Partial<Job> = {}): Job => ({
  ...emptyJob(session.id, NOW),
  session,
  paidAt: PAID,
  paidEventId: 'evt_1',
  ...extra,
});
const done = (extra: Partial<Job> = {}) =>
  job({
    state: 'done',
    opscom: { referenceId: 'OC-1', internalReferenceId: '1', endsAt: live.endsAt, at: NOW },
    live,
    ...extra,
  });

describe("the driver's view of a job", () => {
  test.each<[string, Job, number, string, boolean]>([
    ['paid, being made', job({ state: 'pending' }), NOW, 'on_its_way', false],
    [
      'a delayed payment',
      job({ state: 'awaiting_payment', paidAt: null }),
      NOW,
      'waiting_bank',
      false,
    ],
    ['in OPSCOM', done(), NOW, 'active', true],
    ['past its end', done(), Date.parse('2026-07-02T15:31:00Z'), 'ended', true],
    ['ended early (a refund)', done({ live: { ...live, status: 'ended' } }), NOW, 'ended', true],
    [
      'deleted after a refund',
      done({ live: { ...live, status: 'deleted' } }),
      NOW,
      'removed',
      true,
    ],
    ['refunded before it was made', job({ state: 'cancelled' }), NOW, 'removed', true],
    ['the bank refused', job({ state: 'payment_failed' }), NOW, 'payment_failed', true],
    [
      'could not be made',
      job({ state: 'failed', lastError: 'cannot map: secret' }),
      NOW,
      'not_made',
      true,
    ],
    ['a correction under way', done({ state: 'pending' }), NOW, 'active', false],
  ])('%s', (_name, j, now, state, final) => {
    expect(driverView(j, mapping, now)).toMatchObject({ state, final });
  });

  test('shows the permit as it stands: plate, zone, times with offset, reference, amount', () => {
    expect(driverView(done(), mapping, NOW)).toEqual({
      state: 'active',
      final: true,
      plate: 'AB123',
      zone: 'LOT-4',
      startsAt: '2026-07-02T10:00:00-04:00',
      endsAt: '2026-07-02T11:30:00-04:00',
      referenceId: 'OC-1',
      amount: '14.50',
      currency: 'CAD',
    });
    // On its way: what the payment maps to, no reference yet.
    expect(driverView(job({ state: 'pending' }), mapping, NOW)).toMatchObject({
      plate: 'AB123',
      endsAt: '2026-07-02T11:30:00-04:00',
      referenceId: null,
    });
  });

  test('a failed job shows nothing internal', () => {
    const view = driverView(
      job({ state: 'failed', lastError: 'cannot map: secret' }),
      mapping,
      NOW,
    );
    expect(JSON.stringify(view)).not.toContain('secret');
  });
});

describe('language and times', () => {
  test('French when it is the first preference, English otherwise; ?lang= wins', () => {
    expect(chooseLanguage('fr-CA,fr;q=0.9,en;q=0.8')).toBe('fr');
    expect(chooseLanguage('en-US,fr;q=0.5')).toBe('en');
    expect(chooseLanguage('de-DE,fr;q=0.7,en;q=0.6')).toBe('fr');
    expect(chooseLanguage('en;q=0.2,fr;q=0.9')).toBe('fr');
    expect(chooseLanguage(undefined)).toBe('en');
    expect(chooseLanguage('fr', 'en')).toBe('en');
  });

  // The time and its zone are held together by a no-break space.
  const nb = '\u00a0';

  test('an end today, tomorrow, or further out, in the operator’s zone, which it names', () => {
    const now = Date.parse('2026-07-02T14:00:00Z');
    expect(whenText('2026-07-02T11:30:00-04:00', now, TZ, 'en')).toBe(
      `11:30${nb}EDT today (Thu, Jul 2)`,
    );
    expect(whenText('2026-07-03T01:30:00-04:00', now, TZ, 'en')).toBe(
      `01:30${nb}EDT tomorrow (Fri, Jul 3)`,
    );
    expect(whenText('2026-07-02T11:30:00-04:00', now, TZ, 'fr')).toBe(
      `11 h 30${nb}HAE aujourd’hui (jeu. 2 juill.)`,
    );
    expect(whenText('2026-07-09T11:30:00-04:00', now, TZ, 'en')).toBe(
      `11:30${nb}EDT on Thu, Jul 9`,
    );
  });

  test('the zone is the site’s, standard or daylight as on that date, in each language', () => {
    const now = Date.parse('2026-12-03T18:00:00Z');
    const vancouver = 'America/Vancouver';
    expect(whenText('2026-12-03T12:10:00-08:00', now, vancouver, 'en')).toBe(
      `12:10${nb}PST today (Thu, Dec 3)`,
    );
    expect(whenText('2026-12-03T12:10:00-08:00', now, vancouver, 'fr')).toBe(
      `12 h 10${nb}HNP aujourd’hui (jeu. 3 déc.)`,
    );
    // The same instant on another site's clock is that site's time and zone.
    expect(whenText('2026-12-03T12:10:00-08:00', now, TZ, 'en')).toMatch(/^15:10\u00a0EST /);
    // A zone the language has no abbreviation for: its offset, as Intl writes it.
    expect(whenText('2026-12-03T12:10:00-08:00', now, 'Europe/Paris', 'en')).toMatch(
      /^21:10\u00a0GMT\+1 /,
    );
  });
});

describe('Stripe lookups from the page', () => {
  test('once per id a minute, a share per address a minute, bounded memory', () => {
    const limits = lookupLimits({
      perIdMs: 60_000,
      perAddress: 2,
      windowMs: 60_000,
      maxEntries: 3,
    });
    expect(limits.take('cs_a', 'ip1', 0)).toEqual({ ok: true });
    expect(limits.take('cs_a', 'ip2', 1_000)).toEqual({
      ok: false,
      limit: 'session',
      retryAfterSeconds: 59,
    });
    expect(limits.take('cs_b', 'ip1', 2_000)).toEqual({ ok: true });
    expect(limits.take('cs_c', 'ip1', 3_000)).toMatchObject({ ok: false, limit: 'address' });
    expect(limits.take('cs_c', 'ip1', 60_000)).toEqual({ ok: true });
    // Past maxEntries the oldest ids are forgotten: cs_a may be looked up again.
    limits.take('cs_d', 'ip3', 61_000);
    limits.take('cs_e', 'ip4', 61_000);
    expect(limits.take('cs_a', 'ip5', 61_500)).toEqual({ ok: true });
  });
});
