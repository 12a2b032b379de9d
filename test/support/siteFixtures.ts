import type { Site } from '../../src/sites/site';

/** A configured site for tests of what reads sites (its token from `<ID>_TOKEN`). */
export function testSite(id: string, alertWebhookUrl?: string): Site {
  return {
    id,
    name: undefined,
    stripeAccount: undefined,
    opscom: {
      baseUrl: new URL('https://opscom.example.com'),
      client: 'OC-TEST',
      apiToken: 'token',
      tokenEnv: `${id.toUpperCase()}_TOKEN`,
      timezone: 'America/Toronto',
      defaultZone: undefined,
      zones: undefined,
    },
    policy: { onFullRefund: 'delete', onPartialRefund: 'keep', onDispute: 'keep' },
    alertWebhookUrl: alertWebhookUrl === undefined ? undefined : new URL(alertWebhookUrl),
  };
}
