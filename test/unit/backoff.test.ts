import { backoffDelayMs, retryDelayMs } from '../../src/timing/backoff';

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

describe('retryDelayMs', () => {
  test('transient failures back off; one that needs an operator waits about a minute, always', () => {
    expect(retryDelayMs('transient', 3, () => 1)).toBe(backoffDelayMs(3, () => 1));
    for (const attempt of [1, 5, 50]) {
      expect(retryDelayMs('operator', attempt, () => 0)).toBe(30_000);
      expect(retryDelayMs('operator', attempt, () => 1)).toBe(60_000);
    }
  });
});
