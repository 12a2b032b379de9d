import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import Stripe from 'stripe';

export interface StripeClientOptions {
  secretKey: string;
  /** A local simulator or mock instead of api.stripe.com (STRIPE_API_URL). */
  apiUrl: URL | undefined;
  timeoutMs: number;
}

/**
 * The stripe SDK, configured to only talk: no retries of its own (maxNetworkRetries 0: the
 * worker owns retries and backoff), a timeout, kept-alive connections of its own, no
 * telemetry header, and the API version the SDK is pinned to. (One rule of the SDK stays: a
 * connection closed before any answer, ECONNRESET or EPIPE, is sent once more with the same
 * idempotency key, src/RequestSender.ts; Stripe replays a request it already applied.)
 */
export function createStripeClient(options: StripeClientOptions): Stripe {
  const api = options.apiUrl;
  const https = api === undefined || api.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: 256 };
  return new Stripe(options.secretKey, {
    maxNetworkRetries: 0,
    timeout: options.timeoutMs,
    telemetry: false,
    httpAgent: https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions),
    ...(api
      ? {
          host: api.hostname,
          port: api.port || (https ? '443' : '80'),
          protocol: https ? 'https' : 'http',
        }
      : {}),
  });
}
