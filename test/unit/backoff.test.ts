import { backoffDelayMs } from '../../src/worker/backoff';

describe('backoffDelayMs', () => {
  test('seconds first, then minutes, then capped at an hour', () => {
    const upper = (n: number) => backoffDelayMs(n, () => 1);
    const lower = (n: number) => backoffDelayMs(n, () => 0);
    expect([lower(1), upper(1)]).toEqual([1000, 2000]);
    expect(upper(2)).toBe(4000);
    expect(upper(7)).toBe(128_000);
    expect(upper(12)).toBe(3_600_000);
    expect(upper(500)).toBe(3_600_000);
    expect(lower(500)).toBe(1_800_000);
  });
});
