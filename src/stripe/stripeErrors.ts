import Stripe from 'stripe';
import { StripeApiError, type ErrorKind } from '../errors';

/**
 * The one place that decides what a Stripe failure is, from stripe-node's own error classes
 * (its src/Error.ts builds them from the HTTP status):
 * - no answer (StripeConnectionError), 409 (an idempotent request still in flight), 429
 *   (StripeRateLimitError), 5xx (StripeAPIError): transient;
 * - 401 (StripeAuthenticationError), 403 (StripePermissionError): operator — the key is wrong
 *   or lacks access, nothing passes until STRIPE_SECRET_KEY is fixed;
 * - 400/404 (StripeInvalidRequestError), an idempotency key reused with other parameters
 *   (StripeIdempotencyError), anything else: permanent.
 * Stripe's `Stripe-Should-Retry` header, when present, decides between transient and permanent.
 */
export function toStripeApiError(what: string, err: unknown): StripeApiError {
  if (!(err instanceof Stripe.errors.StripeError)) {
    return new StripeApiError(`Stripe ${what} failed: ${String(err)}`, 'transient', undefined, {
      cause: err,
    });
  }
  const status = err.statusCode;
  let kind = kindOf(err);
  const shouldRetry = err.headers?.['stripe-should-retry'];
  if (kind !== 'operator' && shouldRetry === 'true') kind = 'transient';
  if (kind !== 'operator' && shouldRetry === 'false') kind = 'permanent';
  const hint =
    kind === 'operator'
      ? ': Stripe refuses STRIPE_SECRET_KEY (it needs write access to Checkout Sessions and PaymentIntents)'
      : status === 404
        ? ': it does not exist in this Stripe account and mode'
        : '';
  return new StripeApiError(
    `Stripe ${what} failed (${status === undefined ? 'no answer' : `HTTP ${status}`}): ${err.message}${hint}`,
    kind,
    status,
    { cause: err },
  );
}

function kindOf(err: Stripe.errors.StripeError): ErrorKind {
  const E = Stripe.errors;
  // A conflict with a concurrent request (the same idempotency key in flight, a lock): it
  // passes, whatever class stripe-node gave it.
  if (err.statusCode === 409) return 'transient';
  if (err instanceof E.StripeAuthenticationError || err instanceof E.StripePermissionError) {
    return 'operator';
  }
  if (err instanceof E.StripeConnectionError || err instanceof E.StripeRateLimitError) {
    return 'transient';
  }
  if (err instanceof E.StripeIdempotencyError || err instanceof E.StripeInvalidRequestError) {
    return 'permanent';
  }
  const status = err.statusCode;
  if (status === undefined || status === 429 || status >= 500) return 'transient';
  if (status === 401 || status === 403) return 'operator';
  return 'permanent';
}
