import { loadConfig, type Config } from '../../src/config';
import { WEBHOOK_SECRET } from './stripeFixtures';

export const OPSCOM_TOKEN = 'test-opscom-token-1234';

/** A full, valid environment for the adapter against the simulators. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    STRIPE_SECRET_KEY: 'sk_test_adapter',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    OPSCOM_API_TOKEN: OPSCOM_TOKEN,
    OPSCOM_TIMEZONE: 'America/Toronto',
    OPSCOM_ZONE: 'Z1',
    LOG_LEVEL: 'error',
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig(testEnv(overrides));
}
