import { classifyValidationAnswer } from '../../src/opscom/plateValidationAnswer';
import { emptyJob } from '../../src/store/jobRow';
import type { Job } from '../../src/store/ledger';
import { expectationOf } from '../../src/verify/expectation';
import { verdictOf } from '../../src/verify/verdict';

const answer = (responseJSON: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    error: 0,
    data: { plate: 'AB123', response: '', responseJSON },
    message: '',
    ...extra,
  });
const permit = (expires: string, active: string | undefined = '1') => ({
  type: 'temp',
  shortName: 'Lot 4',
  expires,
  ...(active === undefined ? {} : { active }),
});

describe('classifyValidationAnswer', () => {
  const rows: Array<[string, number, string, 'ok' | 'transient' | 'operator' | 'permanent']> = [
    ['a permits list', 200, answer({ permits: [permit('2026-07-02 11:30:00')], dntt: [] }), 'ok'],
    ["a permit's fields directly", 200, answer(permit('2026-07-02 11:30:00')), 'ok'],
    ['nothing: {}', 200, answer({}), 'ok'],
    ['nothing: []', 200, answer([]), 'ok'],
    ['9000: no client code', 200, '{"error":9000,"message":"client missing"}', 'operator'],
    ['9001: no token', 200, '{"error":9001,"message":"missing"}', 'operator'],
    ['9002: token refused', 401, '{"error":"9002","message":"no permission"}', 'operator'],
    ['9005: this request', 200, '{"error":9005,"message":"bad plate"}', 'permanent'],
    ['an unknown code', 200, '{"error":9700}', 'transient'],
    ['HTTP 503', 503, answer({}), 'transient'],
    ['HTML', 502, '<html>Bad gateway</html>', 'transient'],
    ['no error field', 200, '{"data":{}}', 'transient'],
    ['a permit without expires', 200, answer({ permits: [{ active: '1' }] }), 'transient'],
  ];
  test.each(rows)('%s', (_what, status, body, expected) => {
    const classified = classifyValidationAnswer(status, body, 'AB123');
    expect(classified.ok ? 'ok' : classified.error.kind).toBe(expected);
  });

  test('both shapes read the same permit; the token is never quoted', () => {
    const listed = classifyValidationAnswer(
      200,
      answer({ permits: [permit('2026-07-02 11:30:00')] }),
      'AB123',
    );
    const flat = classifyValidationAnswer(200, answer(permit('2026-07-02 11:30:00')), 'AB123');
    const expected = { type: 'temp', lot: 'Lot 4', expires: '2026-07-02 11:30:00', active: true };
    expect(listed).toEqual({ ok: true, seen: { plate: 'AB123', permits: [expected] } });
    expect(flat).toEqual(listed);
    const refused = classifyValidationAnswer(200, '{"error":9002,"message":"no"}', 'AB123');
    expect(refused.ok ? '' : refused.error.message).toMatch(/OPSCOM_API_TOKEN/);
  });
});

describe('what a check finds', () => {
  const TZ = 'America/Toronto';
  const now = Date.parse('2026-07-02T14:00:00Z'); // 10:00 in Toronto (EDT)
  const endsAt = '2026-07-02T11:30:00-04:00';
  const standing = { kind: 'standing' as const, plate: 'AB123', zone: 'Z9', endsAt };
  const seen = (...permits: ReturnType<typeof permit>[]) => ({
    plate: 'AB123',
    permits: permits.map((p) => ({
      type: p.type,
      lot: p.shortName,
      expires: p.expires,
      active: p.active === undefined ? undefined : p.active === '1',
    })),
  });

  test.each([
    ['the same end', '2026-07-02 11:30:00', '1', 'visible'],
    ['59 s off (OPSCOM keeps minutes)', '2026-07-02 11:30:59', '1', 'visible'],
    ['61 s off', '2026-07-02 11:31:01', '1', 'not_visible'],
    ['the end read as UTC would be', '2026-07-02 15:30:00', '1', 'not_visible'],
    ['the same end, inactive', '2026-07-02 11:30:00', '0', 'not_visible'],
    ['the same end, no active flag, still to come', '2026-07-02 11:30:00', undefined, 'visible'],
  ])('%s → %s', (_what, expires, active, result) => {
    expect(verdictOf(standing, seen(permit(expires, active)), TZ, now).result).toBe(result);
  });

  test('the likely cause says what enforcement showed', () => {
    expect(verdictOf(standing, seen(), TZ, now).cause).toMatch(
      /removed in OPSCOM, or its zone "Z9" is used by no lot/,
    );
    expect(verdictOf(standing, seen(permit('2026-07-02 10:45:00')), TZ, now).cause).toMatch(
      /another end \(2026-07-02 10:45:00\): changed in OPSCOM/,
    );
  });

  test('a deleted permit is gone when its end is no longer shown active', () => {
    const gone = { kind: 'gone' as const, plate: 'AB123', zone: 'Z9', ends: [endsAt] };
    expect(verdictOf(gone, seen(), TZ, now).result).toBe('gone');
    expect(verdictOf(gone, seen(permit('2026-07-02 11:30:00', '0')), TZ, now).result).toBe('gone');
    expect(verdictOf(gone, seen(permit('2026-07-02 11:30:00')), TZ, now).result).toBe(
      'still_visible',
    );
  });

  test('the expectation follows the ledger: standing, deleted, over, a change in progress', () => {
    const live = {
      referenceId: 'OC-1',
      internalReferenceId: undefined,
      plate: 'AB123',
      zone: 'Z9',
      startTime: '2026-07-02T09:30:00',
      endTime: '2026-07-02T11:30:00',
      endsAt,
      amount: '5.00',
      currency: 'CAD' as const,
      status: 'active' as const,
      replaced: null,
    };
    const job = (over: Partial<Job>): Job => ({
      ...emptyJob('cs_1', now),
      state: 'done',
      opscom: { referenceId: 'OC-1', internalReferenceId: undefined, endsAt, at: now },
      live,
      ...over,
    });
    expect(expectationOf(job({}), now)).toEqual(standing);
    expect(expectationOf(job({ live: { ...live, status: 'deleted' } }), now)).toMatchObject({
      kind: 'gone',
      ends: [endsAt],
    });
    expect(expectationOf(job({}), Date.parse('2026-07-02T15:31:00Z'))).toEqual({ kind: 'none' });
    expect(expectationOf(job({ state: 'pending' }), now)).toEqual({ kind: 'wait' });
    expect(expectationOf(job({ opscom: null, live: null }), now)).toEqual({ kind: 'none' });
  });
});
