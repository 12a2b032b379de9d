import { AdapterError } from '../errors';
import { aroundOpscomCalls, type OpscomClient } from '../opscom/opscomClient';
import type { StripeWriteBack } from '../stripe/stripeWriteBack';
import type { CallOutcome, Metrics } from './metrics';

/** Times a call and counts how it ended, by the kind of its error (errors.ts). */
async function timed<T>(
  record: (outcome: CallOutcome, seconds: number) => void,
  call: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    const result = await call();
    record('ok', (performance.now() - started) / 1000);
    return result;
  } catch (err) {
    record(
      err instanceof AdapterError ? err.kind : 'transient',
      (performance.now() - started) / 1000,
    );
    throw err;
  }
}

/**
 * The OPSCOM client, counted and timed per operation; it still only talks. `site`: whose client
 * it is (each site has its own); omitted, the default site's.
 */
export function instrumentOpscom(
  client: OpscomClient,
  metrics: Metrics,
  site?: string,
): OpscomClient {
  return aroundOpscomCalls(client, (operation, call) =>
    timed((outcome, seconds) => metrics.opscomCall(operation, outcome, seconds, site), call),
  );
}

/** The Stripe write-back, counted and timed per operation. */
export function instrumentStripe(writeBack: StripeWriteBack, metrics: Metrics): StripeWriteBack {
  const record = (operation: string) => (outcome: CallOutcome, seconds: number) =>
    metrics.stripeCall(operation, outcome, seconds);
  return {
    updateSession: (...args) =>
      timed(record('update_session'), () => writeBack.updateSession(...args)),
    updatePaymentIntent: (...args) =>
      timed(record('update_payment_intent'), () => writeBack.updatePaymentIntent(...args)),
  };
}
