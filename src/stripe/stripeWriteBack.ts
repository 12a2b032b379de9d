import Stripe from 'stripe';
import { StripeApiError } from '../errors';

export interface WriteBackMetadata {
  opscom_reference_id: string;
  opscom_internal_reference_id: string;
  opscom_end_time: string;
}

export interface StripeWriteBack {
  updateSession(
    sessionId: string,
    metadata: WriteBackMetadata,
    idempotencyKey: string,
  ): Promise<void>;
  updatePaymentIntent(
    paymentIntentId: string,
    metadata: WriteBackMetadata,
    idempotencyKey: string,
  ): Promise<void>;
}

/**
 * Merges the OPSCOM reference into Stripe metadata (Stripe merges the keys given with the keys
 * already there). One request per call, an idempotency key from the caller, no retries here.
 */
export function createStripeWriteBack(stripe: Stripe): StripeWriteBack {
  return {
    async updateSession(sessionId, metadata, idempotencyKey) {
      try {
        await stripe.checkout.sessions.update(
          sessionId,
          { metadata: { ...metadata } },
          { idempotencyKey },
        );
      } catch (err) {
        throw toStripeApiError(`update of Checkout Session ${sessionId}`, err);
      }
    },
    async updatePaymentIntent(paymentIntentId, metadata, idempotencyKey) {
      try {
        await stripe.paymentIntents.update(
          paymentIntentId,
          { metadata: { ...metadata } },
          { idempotencyKey },
        );
      } catch (err) {
        throw toStripeApiError(`update of PaymentIntent ${paymentIntentId}`, err);
      }
    },
  };
}

/**
 * The one place that decides whether a Stripe failure is worth retrying: network failures,
 * 409 (an idempotent request still in flight), 429 and 5xx are; Stripe's `Stripe-Should-Retry`
 * header overrides. A rejected key (401/403) is retried too, so that fixing STRIPE_SECRET_KEY
 * lets the queue through, and the message says so.
 */
export function toStripeApiError(what: string, err: unknown): StripeApiError {
  if (!(err instanceof Stripe.errors.StripeError)) {
    return new StripeApiError(`Stripe ${what} failed: ${String(err)}`, true, undefined);
  }
  const status = err.statusCode;
  const shouldRetry = err.headers?.['stripe-should-retry'];
  let retryable =
    status === undefined ||
    status === 409 ||
    status === 429 ||
    status >= 500 ||
    status === 401 ||
    status === 403;
  if (shouldRetry === 'true') retryable = true;
  if (shouldRetry === 'false') retryable = false;
  const hint =
    status === 401 || status === 403
      ? ': Stripe refuses STRIPE_SECRET_KEY (it needs write access to Checkout Sessions and PaymentIntents)'
      : status === 404
        ? ': it does not exist in this Stripe account and mode'
        : '';
  return new StripeApiError(
    `Stripe ${what} failed (${status === undefined ? 'no answer' : `HTTP ${status}`}): ${err.message}${hint}`,
    retryable,
    status,
  );
}
