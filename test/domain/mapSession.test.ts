import { DateTime, Duration } from 'luxon';
import { mapSession, type MappingOptions } from '../../src/domain/mapSession';
import type { SessionSnapshot } from '../../src/domain/sessionSnapshot';

const TZ = 'America/Toronto';
const options: MappingOptions = {
  timezone: TZ,
  defaultZone: 'Z1',
  maxDuration: Duration.fromISO('P1Y'),
};
const at = (local: string): number => DateTime.fromISO(local, { zone: TZ }).toSeconds();

function session(
  metadata: Record<string, string>,
  extra: Partial<SessionSnapshot> = {},
): SessionSnapshot {
  return {
    id: 'cs_test_1',
    livemode: false,
    paymentStatus: 'paid',
    amountTotal: 1450,
    currency: 'cad',
    metadata,
    customFields: {},
    paymentIntentId: 'pi_1',
    ...extra,
  };
}

describe('mapSession: start and end in OPSCOM_TIMEZONE', () => {
  // [case, paid at (local wall time), duration, expected start, expected end (local wall time)]
  const rows: Array<[string, string, string, string, string]> = [
    ['minutes', '2026-06-15T10:00:00', '120', '2026-06-15T10:00:00', '2026-06-15T12:00:00'],
    [
      'hours across DST start are elapsed time',
      '2026-03-08T01:30:00',
      'PT1H',
      '2026-03-08T01:30:00',
      '2026-03-08T03:30:00',
    ],
    [
      'a day across DST start keeps the wall clock',
      '2026-03-07T12:00:00',
      'P1D',
      '2026-03-07T12:00:00',
      '2026-03-08T12:00:00',
    ],
    [
      '24 hours across DST start are 24 elapsed hours',
      '2026-03-07T12:00:00',
      '24h',
      '2026-03-07T12:00:00',
      '2026-03-08T13:00:00',
    ],
    [
      'a day landing in the skipped hour moves forward',
      '2026-03-07T02:30:00',
      '1d',
      '2026-03-07T02:30:00',
      '2026-03-08T03:30:00',
    ],
    [
      'hours across DST end are elapsed time',
      '2026-11-01T00:30:00',
      '2h',
      '2026-11-01T00:30:00',
      '2026-11-01T01:30:00',
    ],
    [
      'a day across DST end keeps the wall clock',
      '2026-10-31T12:00:00',
      'P1D',
      '2026-10-31T12:00:00',
      '2026-11-01T12:00:00',
    ],
    [
      '24 hours across DST end',
      '2026-10-31T12:00:00',
      'PT24H',
      '2026-10-31T12:00:00',
      '2026-11-01T11:00:00',
    ],
    [
      'a month from January 31 ends on the last day of February',
      '2026-01-31T09:15:00',
      'P1M',
      '2026-01-31T09:15:00',
      '2026-02-28T09:15:00',
    ],
    [
      'in a leap year, February 29',
      '2028-01-31T09:15:00',
      'P1M',
      '2028-01-31T09:15:00',
      '2028-02-29T09:15:00',
    ],
    ['a week', '2026-12-28T23:59:00', 'P1W', '2026-12-28T23:59:00', '2027-01-04T23:59:00'],
    [
      '90 minutes across midnight',
      '2026-12-31T23:00:00',
      '90m',
      '2026-12-31T23:00:00',
      '2027-01-01T00:30:00',
    ],
  ];
  test.each(rows)('%s', (_case, paid, duration, start, end) => {
    const result = mapSession(
      { session: session({ plate: 'ABC123', duration }), paidAt: at(paid) },
      options,
    );
    expect(result).toEqual({
      kind: 'permit',
      permit: expect.objectContaining({
        action: 'create',
        startTime: start,
        endTime: end,
      }) as unknown,
    });
  });

  test('endsAt carries the offset of the end, not of the start', () => {
    const result = mapSession(
      { session: session({ plate: 'A1', duration: 'P1D' }), paidAt: at('2026-03-07T12:00:00') },
      options,
    );
    expect(result.kind === 'permit' && result.permit.endsAt).toBe('2026-03-08T12:00:00-04:00');
  });

  test('the same payment maps to the same permit however late it is mapped', () => {
    const input = {
      session: session({ plate: 'A1', duration: '60' }),
      paidAt: at('2026-06-01T08:00:00'),
    };
    expect(mapSession(input, options)).toEqual(mapSession(structuredClone(input), options));
  });
});

describe('mapSession: what is sent', () => {
  const paidAt = at('2026-06-15T10:00:00');
  test('a new permit carries plate, amount, currency, zone, start and end', () => {
    expect(
      mapSession(
        { session: session({ plate: ' ab-12.c ', duration: '60', zone: 'North' }), paidAt },
        options,
      ),
    ).toEqual({
      kind: 'permit',
      permit: {
        action: 'create',
        plate: 'AB12C',
        zone: 'North',
        startTime: '2026-06-15T10:00:00',
        endTime: '2026-06-15T11:00:00',
        endsAt: '2026-06-15T11:00:00-04:00',
        amount: '14.50',
        currency: 'CAD',
      },
    });
  });

  test('zone defaults to OPSCOM_ZONE', () => {
    const r = mapSession({ session: session({ plate: 'A1', duration: '60' }), paidAt }, options);
    expect(r.kind === 'permit' && r.permit.action === 'create' && r.permit.zone).toBe('Z1');
  });

  test('the plate custom field is used when metadata has none', () => {
    const r = mapSession(
      { session: session({ duration: '60' }, { customFields: { plate: 'xyz 987' } }), paidAt },
      options,
    );
    expect(r.kind === 'permit' && r.permit.plate).toBe('XYZ987');
  });

  test('metadata plate wins over the custom field', () => {
    const r = mapSession(
      {
        session: session({ plate: 'META1', duration: '60' }, { customFields: { plate: 'FIELD1' } }),
        paidAt,
      },
      options,
    );
    expect(r.kind === 'permit' && r.permit.plate).toBe('META1');
  });

  test('a free session is sent without Amount', () => {
    const r = mapSession(
      {
        session: session(
          { plate: 'A1', duration: '60' },
          { amountTotal: 0, paymentStatus: 'no_payment_required' },
        ),
        paidAt,
      },
      options,
    );
    expect(r.kind === 'permit' && r.permit.amount).toBeUndefined();
    expect(r.kind === 'permit' && r.permit.currency).toBe('CAD');
  });

  test('reference_id makes an update that extends from the end the ledger knows, when later', () => {
    const r = mapSession(
      {
        session: session({ plate: 'A1', duration: '2h', reference_id: 'OC-000042' }),
        paidAt,
        knownEndsAt: '2026-06-15T13:00:00-04:00',
      },
      options,
    );
    expect(r).toEqual({
      kind: 'permit',
      permit: {
        action: 'update',
        referenceId: 'OC-000042',
        plate: 'A1',
        endTime: '2026-06-15T15:00:00',
        endsAt: '2026-06-15T15:00:00-04:00',
        amount: '14.50',
        currency: 'CAD',
      },
    });
  });

  test('an update of a permit that already ended extends from the payment', () => {
    const r = mapSession(
      {
        session: session({ plate: 'A1', duration: '2h', reference_id: 'OC-1' }),
        paidAt,
        knownEndsAt: '2026-06-14T13:00:00-04:00',
      },
      options,
    );
    expect(r.kind === 'permit' && r.permit.endTime).toBe('2026-06-15T12:00:00');
  });

  test('an update with no known end extends from the payment', () => {
    const r = mapSession(
      { session: session({ plate: 'A1', duration: '30', reference_id: 'OC-1' }), paidAt },
      options,
    );
    expect(r.kind === 'permit' && r.permit.endTime).toBe('2026-06-15T10:30:00');
  });
});

describe('mapSession: what cannot be mapped says why', () => {
  const paidAt = at('2026-06-15T10:00:00');
  const rows: Array<[string, Record<string, string>, Partial<SessionSnapshot>, RegExp]> = [
    ['no plate', { duration: '60' }, {}, /plate" is missing/],
    ['a plate too long', { plate: 'ABCDEFGHIJK', duration: '60' }, {}, /1–10 letters or digits/],
    [
      'a plate with other characters',
      { plate: 'ÄB/12', duration: '60' },
      {},
      /1–10 letters or digits/,
    ],
    ['a plate of only separators', { plate: ' - . ', duration: '60' }, {}, /plate is empty/],
    ['no duration', { plate: 'A1' }, {}, /duration" is missing/],
    ['a zero duration', { plate: 'A1', duration: '0' }, {}, /greater than zero/],
    [
      'a duration longer than the maximum',
      { plate: 'A1', duration: 'P2Y' },
      {},
      /MAX_PERMIT_DURATION/,
    ],
    [
      'JPY',
      { plate: 'A1', duration: '60' },
      { currency: 'jpy', amountTotal: 500 },
      /"jpy" is not accepted/,
    ],
    [
      'KWD',
      { plate: 'A1', duration: '60' },
      { currency: 'kwd', amountTotal: 1500 },
      /"kwd" is not accepted/,
    ],
    [
      'an amount above OPSCOM’s maximum',
      { plate: 'A1', duration: '60' },
      { amountTotal: 100_000_000 },
      /outside OPSCOM's range/,
    ],
    [
      'no amount_total',
      { plate: 'A1', duration: '60' },
      { amountTotal: null },
      /amount_total is missing/,
    ],
    [
      'a bad reference_id',
      { plate: 'A1', duration: '60', reference_id: 'has spaces in it' },
      {},
      /reference_id/,
    ],
  ];
  test.each(rows)('%s', (_case, metadata, extra, reason) => {
    const r = mapSession({ session: session(metadata, extra), paidAt }, options);
    expect(r.kind).toBe('invalid');
    expect(r.kind === 'invalid' && r.reasons.join(' | ')).toMatch(reason);
  });

  test('no zone anywhere', () => {
    const r = mapSession(
      { session: session({ plate: 'A1', duration: '60' }), paidAt },
      { ...options, defaultZone: undefined },
    );
    expect(r).toEqual({
      kind: 'invalid',
      reasons: ['metadata "zone" is missing and OPSCOM_ZONE is not set'],
    });
  });

  test('every problem is listed at once', () => {
    const r = mapSession({ session: session({}, { currency: 'eur' }), paidAt }, options);
    expect(r.kind === 'invalid' && r.reasons).toHaveLength(3);
  });
});
