import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';
import { testEnv } from '../support/config';

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  test('a full environment gives defaults where .env.example documents them', () => {
    const config = loadConfig(testEnv({ PORT: '', OPSCOM_ZONE: '' }));
    expect(config.port).toBe(3000);
    expect(config.opscom.baseUrl.href).toBe('https://controller.operationscommander.io/');
    expect(config.opscom.defaultZone).toBeUndefined();
    expect(config.store).toEqual({ kind: 'sqlite', sqlitePath: './data/adapter.sqlite' });
    expect(config.processType).toBe('web');
    expect(config.maxPermitDuration.toISO()).toBe('P1Y');
    expect(config.worker).toEqual({
      concurrency: 8,
      leaseMs: 30_000,
      maxAgeMs: 72 * 3600_000,
      pollMs: 1000,
    });
    expect(config.stripe.livemode).toBe(false);
  });

  test('operators: console, alerts and retention are off unless set, and checked when set', () => {
    const off = loadConfig(testEnv());
    expect(off.console).toBeUndefined();
    expect(off.alerts).toEqual({ webhookUrl: undefined, pendingMinutes: 15 });
    expect(off.retentionDays).toBeUndefined();
    const on = loadConfig(
      testEnv({
        CONSOLE_PASSWORD: 'twelve-chars-or-more',
        ALERT_WEBHOOK_URL: 'https://hooks.example.com/x',
        RETENTION_DAYS: '90',
      }),
    );
    expect(on.console).toEqual({ user: 'operator', password: 'twelve-chars-or-more' });
    expect(on.retentionDays).toBe(90);
    expect(
      problems(testEnv({ CONSOLE_PASSWORD: 'short', RETENTION_DAYS: '7', CONSOLE_USER: 'a:b' })),
    ).toEqual([
      'CONSOLE_PASSWORD must be at least 12 characters',
      'CONSOLE_USER must be 1–64 characters, no colon or space',
      'RETENTION_DAYS must be a whole number of days from 35 to 3650',
    ]);
  });

  test('the public edge: limits with defaults, checked against each other', () => {
    expect(loadConfig(testEnv()).http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 15_000,
      keepAliveTimeoutMs: 65_000,
      maxConnections: 1000,
      maxBufferedBodyBytes: 8 * 1024 * 1024,
      trustProxy: undefined,
    });
    expect(loadConfig(testEnv({ TRUST_PROXY: '1' })).http.trustProxy).toBe(1);
    expect(
      loadConfig(testEnv({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::/8' })).http.trustProxy,
    ).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8']);
    expect(
      problems(
        testEnv({
          TRUST_PROXY: 'everyone',
          HTTP_MAX_BUFFERED_BODY_MB: '1',
          HTTP_MAX_CONNECTIONS: 'lots',
        }),
      ),
    ).toEqual([
      'HTTP_MAX_CONNECTIONS must be a whole number from 10 to 100000',
      'HTTP_MAX_BUFFERED_BODY_MB must be a whole number from 2 to 1024',
      'TRUST_PROXY must be a number of proxies (1–10), or proxy addresses and ranges, comma-separated (10.0.0.0/8, loopback, …)',
    ]);
    expect(
      problems(testEnv({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '15000' })),
    ).toEqual([
      'HTTP_HEADERS_TIMEOUT_MS (20000) must not be longer than HTTP_REQUEST_TIMEOUT_MS (15000)',
    ]);
  });

  test('zones: well-formed, and OPSCOM_ZONE one of OPSCOM_ZONES', () => {
    const config = loadConfig(testEnv({ OPSCOM_ZONE: 'Lot 4', OPSCOM_ZONES: 'Lot 4, Lot 5' }));
    expect(config.opscom.zones).toEqual(['Lot 4', 'Lot 5']);
    expect(loadConfig(testEnv()).opscom.zones).toBeUndefined();
    expect(problems(testEnv({ OPSCOM_ZONE: '<b>x</b>' }))[0]).toMatch(
      /^OPSCOM_ZONE has characters lot names do not use \(U\+003C/,
    );
    expect(problems(testEnv({ OPSCOM_ZONES: 'Lot 4,Lot\u202E5' }))[0]).toMatch(
      /^OPSCOM_ZONES has a zone that has characters/,
    );
    expect(problems(testEnv({ OPSCOM_ZONE: 'Lot 9', OPSCOM_ZONES: 'Lot 4' }))).toEqual([
      'OPSCOM_ZONE "Lot 9" is not one of OPSCOM_ZONES',
    ]);
  });

  test('several webhook secrets, comma-separated, for a secret roll', () => {
    const config = loadConfig(testEnv({ STRIPE_WEBHOOK_SECRET: 'whsec_old, whsec_new' }));
    expect(config.stripe.webhookSecrets).toEqual(['whsec_old', 'whsec_new']);
  });

  test('a live key means only live events are acted on', () => {
    expect(loadConfig(testEnv({ STRIPE_SECRET_KEY: 'rk_live_abc' })).stripe.livemode).toBe(true);
  });

  test('every problem is reported at once, each naming its variable', () => {
    const found = problems({
      STRIPE_SECRET_KEY: 'pk_test_123',
      STRIPE_WEBHOOK_SECRET: 'whsec_ok,nope',
      OPSCOM_TIMEZONE: 'Toronto',
      OPSCOM_BASE_URL: 'not a url',
      PORT: 'eighty',
      MAX_PERMIT_DURATION: 'forever',
      WORKER_CONCURRENCY: '0',
    });
    const text = found.join('\n');
    for (const name of [
      'STRIPE_SECRET_KEY',
      'STRIPE_WEBHOOK_SECRET',
      'OPSCOM_API_TOKEN',
      'OPSCOM_TIMEZONE',
      'OPSCOM_BASE_URL',
      'PORT',
      'MAX_PERMIT_DURATION',
      'WORKER_CONCURRENCY',
    ]) {
      expect(text).toContain(name);
    }
    expect(found.length).toBeGreaterThanOrEqual(8);
  });

  test('an OPSCOM token that OPSCOM could not accept is refused, without echoing it', () => {
    const found = problems(testEnv({ OPSCOM_API_TOKEN: 'has spaces and secret stuff' }));
    expect(found).toEqual(['OPSCOM_API_TOKEN must be 1–50 letters, digits or dashes']);
  });

  test('a lease shorter than a single call is refused', () => {
    expect(problems(testEnv({ WORKER_LEASE_SECONDS: '10', STRIPE_TIMEOUT_MS: '5000' }))[0]).toMatch(
      /WORKER_LEASE_SECONDS \(10\) must be longer/,
    );
  });

  test("several sites: the gate's pauses, with defaults, the first no longer than the longest", () => {
    expect(loadConfig(testEnv()).sitePauses).toEqual({
      failuresToPause: 3,
      firstPauseMs: 1000,
      maxPauseMs: 60_000,
    });
    const set = loadConfig(
      testEnv({
        SITE_PAUSE_AFTER_FAILURES: '5',
        SITE_PAUSE_FIRST_MS: '250',
        SITE_PAUSE_MAX_MS: '10000',
      }),
    );
    expect(set.sitePauses).toEqual({ failuresToPause: 5, firstPauseMs: 250, maxPauseMs: 10_000 });
    const same = loadConfig(testEnv({ SITE_PAUSE_FIRST_MS: '5000', SITE_PAUSE_MAX_MS: '5000' }));
    expect(same.sitePauses).toMatchObject({ firstPauseMs: 5000, maxPauseMs: 5000 });
    expect(
      problems(
        testEnv({
          SITE_PAUSE_AFTER_FAILURES: '0',
          SITE_PAUSE_FIRST_MS: '50',
          SITE_PAUSE_MAX_MS: 'a minute',
        }),
      ),
    ).toEqual([
      'SITE_PAUSE_AFTER_FAILURES must be a whole number from 1 to 100',
      'SITE_PAUSE_FIRST_MS must be a whole number from 100 to 3600000',
      'SITE_PAUSE_MAX_MS must be a whole number from 100 to 3600000',
    ]);
    expect(problems(testEnv({ SITE_PAUSE_FIRST_MS: '120000' }))).toEqual([
      'SITE_PAUSE_FIRST_MS (120000) must not be longer than SITE_PAUSE_MAX_MS (60000), the longest pause',
    ]);
  });

  test('DATABASE_URL selects PostgreSQL, with TLS unless the host is this machine', () => {
    const remote = loadConfig(testEnv({ DATABASE_URL: 'postgres://u:p@db.example.com:5432/x' }));
    expect(remote.store).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db.example.com:5432/x',
      ssl: { rejectUnauthorized: false },
      poolSize: 10,
    });
    const local = loadConfig(
      testEnv({ DATABASE_URL: 'postgresql://127.0.0.1/x', DATABASE_SSL: 'auto' }),
    );
    expect(local.store).toMatchObject({ ssl: false });
    const verified = loadConfig(
      testEnv({ DATABASE_URL: 'postgresql://127.0.0.1/x', DATABASE_SSL: 'verify' }),
    );
    expect(verified.store).toMatchObject({ ssl: { rejectUnauthorized: true } });
  });

  test('a DATABASE_URL that is not PostgreSQL, a bad PROCESS_TYPE: named', () => {
    const found = problems(testEnv({ DATABASE_URL: 'mysql://x', PROCESS_TYPE: 'both' }));
    expect(found.join('\n')).toMatch(/DATABASE_URL must be a postgres/);
    expect(found.join('\n')).toMatch(/PROCESS_TYPE/);
  });
});
