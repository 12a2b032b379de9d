import type { Config } from '../config';
import { createOpscomClient } from '../opscom/opscomClient';
import { createStripeWriteBack } from '../stripe/stripeWriteBack';
import { tracedOpscom, tracedStripeWriteBack } from './tracedClients';
import type { JobDeps } from './processJob';

/**
 * What running a job needs besides the ledger, built from the configuration: the worker and
 * `npm run replay` both use it, so they map, call OPSCOM and write back the same way.
 */
export function jobServices(
  config: Config,
): Pick<JobDeps, 'opscom' | 'stripe' | 'mapping' | 'policy' | 'leaseMs' | 'maxAgeMs'> {
  return {
    // Each call in a span of its own when tracing is on (the clients unchanged when off).
    opscom: tracedOpscom(
      createOpscomClient({
        baseUrl: config.opscom.baseUrl,
        apiToken: config.opscom.apiToken,
        client: config.opscom.client,
        timeoutMs: config.opscom.timeoutMs,
        graceMs: config.opscom.graceMs,
      }),
    ),
    stripe: tracedStripeWriteBack(
      createStripeWriteBack({
        secretKey: config.stripe.secretKey,
        apiUrl: config.stripe.apiUrl,
        timeoutMs: config.stripe.timeoutMs,
      }),
    ),
    mapping: {
      timezone: config.opscom.timezone,
      defaultZone: config.opscom.defaultZone,
      zones: config.opscom.zones,
      maxDuration: config.maxPermitDuration,
    },
    policy: config.policy,
    leaseMs: config.worker.leaseMs,
    maxAgeMs: config.worker.maxAgeMs,
  };
}
