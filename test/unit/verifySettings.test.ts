import { ConfigError } from '../../src/errors';
import { createPace } from '../../src/verify/pace';
import { testConfig } from '../support/config';

describe('seen by enforcement: settings', () => {
  test('off by default; the client code and the Plate Validation URL have OPSCOM defaults', () => {
    const config = testConfig();
    expect(config.verify).toBeUndefined();
    expect(config.opscom.client).toBe('OC-TOMA');
    expect(config.opscom.validateUrl.href).toBe(
      'https://service.ops-com.com/api/v1/validate/plate',
    );
  });

  test('on: delay, round and pace in whole seconds', () => {
    const config = testConfig({
      OPSCOM_VERIFY: 'on',
      OPSCOM_VERIFY_DELAY_SECONDS: '5',
      OPSCOM_VERIFY_EVERY_SECONDS: '600',
      OPSCOM_VERIFY_PER_SECOND: '7',
      OPSCOM_CLIENT: 'OC-NORTH',
    });
    expect(config.verify).toEqual({ delayMs: 5000, everyMs: 600_000, perSecond: 7 });
    expect(config.opscom.client).toBe('OC-NORTH');
  });

  test('every problem named', () => {
    let problems: readonly string[] = [];
    try {
      testConfig({
        OPSCOM_VERIFY: 'yes',
        OPSCOM_VERIFY_DELAY_SECONDS: '0',
        OPSCOM_VERIFY_PER_SECOND: '1.5',
        OPSCOM_CLIENT: 'OC TOMA/x',
        OPSCOM_VALIDATE_URL: 'not a url',
      });
    } catch (err) {
      problems = err instanceof ConfigError ? err.problems : [];
    }
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual([
      'OPSCOM_CLIENT',
      'OPSCOM_VALIDATE_URL',
      'OPSCOM_VERIFY',
      'OPSCOM_VERIFY_DELAY_SECONDS',
      'OPSCOM_VERIFY_PER_SECOND',
    ]);
  });
});

describe('the pace of Plate Validation calls', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('10 a second: each call starts 100 ms after the one before, whoever asks', async () => {
    const pace = createPace(10, () => Date.now());
    const started: number[] = [];
    const t0 = Date.now();
    const calls = Array.from({ length: 4 }, () =>
      pace.take().then(() => started.push(Date.now() - t0)),
    );
    await jest.advanceTimersByTimeAsync(299);
    expect(started).toEqual([0, 100, 200]);
    await jest.advanceTimersByTimeAsync(1);
    await Promise.all(calls);
    expect(started).toEqual([0, 100, 200, 300]);
  });
});
