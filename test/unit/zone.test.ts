import { Duration } from 'luxon';
import { parseCorrection } from '../../src/domain/correction';
import { mapSession, type MappingOptions } from '../../src/domain/mapSession';
import type { SessionSnapshot } from '../../src/domain/sessionSnapshot';
import { checkZone, parseZoneList } from '../../src/domain/zone';

describe('a zone', () => {
  test.each([
    ['Lot 4', 'Lot 4'],
    ['  P2-North ', 'P2-North'],
    ["St. Mary's (East) #3", "St. Mary's (East) #3"],
    ['Zone A/B: 1+2, level_1', 'Zone A/B: 1+2, level_1'],
    ['Église Saint-Jean', 'Église Saint-Jean'],
    ['E\u0301glise', 'Église'], // the same name, typed decomposed
    ['x'.repeat(50), 'x'.repeat(50)],
  ])('%j is taken as %j', (raw, zone) => {
    expect(checkZone(raw)).toEqual({ ok: true, zone });
  });

  test.each([
    ['', /empty/],
    ['x'.repeat(51), /longer than 50/],
    ['<b>Lot</b>', /\(U\+003C, U\+003E\): letters, digits, spaces and/],
    ['Lot\u202E4', /\(U\+202E\)/],
    ['Lot\n4', /U\+000A/],
    ['Lot & Garage', /U\+0026/],
    ['---', /no letter or digit/],
  ])('%j is refused', (raw, reason) => {
    const result = checkZone(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  test('never echoes an invisible or markup character in its reason', () => {
    const result = checkZone('Lot\u202E<script>');
    expect(result.ok || result.reason).not.toMatch(/[\u202E<>]/);
  });

  test('OPSCOM_ZONES: one of them exactly, with a hint when only the case differs', () => {
    expect(checkZone('Lot 4', ['Lot 4', 'Lot 5'])).toEqual({ ok: true, zone: 'Lot 4' });
    expect(checkZone('lot 4', ['Lot 4'])).toEqual({
      ok: false,
      reason:
        'zone "lot 4" is not one of OPSCOM_ZONES (the zones the operator\'s lots use); did you mean "Lot 4"?',
    });
    expect(parseZoneList(' Lot 4, Lot 5,,Lot 4 ')).toEqual({ ok: true, zones: ['Lot 4', 'Lot 5'] });
    expect(parseZoneList('Lot 4,<x>')).toMatchObject({ ok: false });
  });

  test('a correction is checked the same way', () => {
    expect(parseCorrection({ zone: ' Lot 7 ' })).toEqual({ ok: true, values: { zone: 'Lot 7' } });
    expect(parseCorrection({ zone: 'Lot\u202E7' })).toMatchObject({ ok: false, error: /U\+202E/ });
  });
});

describe('mapping a session with zones', () => {
  const options: MappingOptions = {
    timezone: 'America/Toronto',
    defaultZone: undefined,
    maxDuration: Duration.fromISO('P1Y'),
    zones: ['Lot 4', 'Lot 5'],
  };
  const session = (metadata: Record<string, string>): SessionSnapshot => ({
    id: 'cs_test_zone',
    paymentStatus: 'paid',
    amountTotal: 1450,
    currency: 'cad',
    metadata,
    customFields: {},
    paymentIntentId: 'pi_test_zone',
    livemode: false,
  });
  const paidAt = 1_780_000_000;

  test('an unknown zone fails mapping with its reason', () => {
    expect(
      mapSession(
        { session: session({ plate: 'A1', duration: '60', zone: 'Lot 9' }), paidAt },
        options,
      ),
    ).toEqual({
      kind: 'invalid',
      reasons: ['zone "Lot 9" is not one of OPSCOM_ZONES (the zones the operator\'s lots use)'],
    });
  });

  test('a listed zone makes the permit, as listed', () => {
    const r = mapSession(
      { session: session({ plate: 'A1', duration: '60', zone: ' Lot 5 ' }), paidAt },
      options,
    );
    expect(r.kind === 'permit' && r.permit.action === 'create' && r.permit.zone).toBe('Lot 5');
  });

  test('markup is refused even without OPSCOM_ZONES', () => {
    const r = mapSession(
      { session: session({ plate: 'A1', duration: '60', zone: 'Lot <4>' }), paidAt },
      { ...options, zones: undefined },
    );
    expect(r).toMatchObject({ kind: 'invalid', reasons: [expect.stringMatching(/U\+003C/)] });
  });

  test('the zone of the permit OPSCOM already has stays acceptable (made before OPSCOM_ZONES)', () => {
    const r = mapSession(
      {
        session: session({ plate: 'A1', duration: '60', zone: 'Old Lot' }),
        paidAt,
        liveZone: 'Old Lot',
      },
      options,
    );
    expect(r.kind === 'permit' && r.permit.action === 'create' && r.permit.zone).toBe('Old Lot');
  });
});
