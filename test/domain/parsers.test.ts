import { parseDuration } from '../../src/domain/duration';
import { toOpscomAmount } from '../../src/domain/money';
import { normalisePlate } from '../../src/domain/plate';

describe('parseDuration', () => {
  const good: Array<[string, Record<string, number>]> = [
    ['120', { minutes: 120 }],
    [' 45 ', { minutes: 45 }],
    ['PT2H', { hours: 2 }],
    ['pt90m', { minutes: 90 }],
    ['P1D', { days: 1 }],
    ['P1W', { weeks: 1 }],
    ['P1M', { months: 1 }],
    ['P1DT2H', { days: 1, hours: 2 }],
    ['90m', { minutes: 90 }],
    ['2h', { hours: 2 }],
    ['2H', { hours: 2 }],
    ['1d', { days: 1 }],
  ];
  test.each(good)('%s', (raw, expected) => {
    const r = parseDuration(raw);
    expect(r.ok && r.duration.toObject()).toEqual(expected);
  });

  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['0', /greater than zero/],
    ['PT0S', /greater than zero/],
    ['-5', /not understood/],
    ['1.5h', /not understood/],
    ['PT1.5H', /whole/],
    ['two hours', /not understood/],
    ['PX', /not valid ISO-8601/],
    ['P', /greater than zero/],
    ['5y', /not understood/],
  ];
  test.each(bad)('%j is refused', (raw, reason) => {
    const r = parseDuration(raw);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });
});

describe('normalisePlate', () => {
  const rows: Array<[string, string | null]> = [
    ['abc123', 'ABC123'],
    ['  abc 123  ', 'ABC123'],
    ['ab-c.1 2', 'ABC12'],
    ['a\tb', 'AB'],
    ['1234567890', '1234567890'],
    ['12345678901', null],
    ['ÉCOLE1', null],
    ['AB_12', null],
    ['', null],
  ];
  test.each(rows)('%j → %j', (raw, expected) => {
    const r = normalisePlate(raw);
    expect(r.ok ? r.plate : null).toBe(expected);
  });
});

describe('toOpscomAmount', () => {
  const rows: Array<[number | null, string | null, string | undefined]> = [
    [1450, 'cad', '14.50'],
    [1450, 'CAD', '14.50'],
    [5, 'usd', '0.05'],
    [100, 'usd', '1.00'],
    [99_999_999, 'usd', '999999.99'],
    [0, 'cad', undefined],
    [100_000_000, 'usd', 'invalid'],
    [-1, 'usd', 'invalid'],
    [500, 'jpy', 'invalid'],
    [1500, 'kwd', 'invalid'],
    [1500, 'eur', 'invalid'],
    [1500, null, 'invalid'],
    [null, 'cad', 'invalid'],
  ];
  test.each(rows)('%j %j → %j', (amount, currency, expected) => {
    const r = toOpscomAmount(amount, currency);
    expect(r.ok ? r.amount : 'invalid').toBe(expected);
  });
});
