import Stripe from 'stripe';

export interface StripeClientOptions {
  secretKey: string;
  /** A local simulator or mock instead of api.stripe.com (STRIPE_API_URL). */
  apiUrl: URL | undefined;
  timeoutMs: number;
}

/**
 * The stripe SDK, configured to only talk: no retries of its own (maxNetworkRetries 0: the
 * worker owns retries and backoff), a timeout, and the API version the SDK is pinned to.
 */
export function createStripeClient(options: StripeClientOptions): Stripe {
  const api = options.apiUrl;
  return new Stripe(options.secretKey, {
    maxNetworkRetries: 0,
    timeout: options.timeoutMs,
    telemetry: false,
    ...(api
      ? {
          host: api.hostname,
          port: api.port || (api.protocol === 'https:' ? '443' : '80'),
          protocol: api.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}
