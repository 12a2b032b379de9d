import type { IncomingHttpHeaders } from 'node:http';
import Stripe from 'stripe';
import { z } from 'zod';
import { StripeApiError, type ErrorKind } from '../errors';

/**
 * The one place that decides what a Stripe failure is, from the HTTP status (stripe-node's
 * own error classes, src/Error.ts, are built from it the same way):
 * - no answer, 409 (an idempotent request still in flight, a lock), 429, 5xx: transient;
 * - 401, 403: operator — the key is wrong or lacks access, nothing passes until
 *   STRIPE_SECRET_KEY is fixed;
 * - 400/404 (a bad request, no such object, an idempotency key reused with other
 *   parameters), anything else: permanent.
 * Stripe's `Stripe-Should-Retry` header, when present, decides between transient and permanent.
 * Errors come from two clients: stripe-node (reads, in replay and the console) and our own
 * write-back client (stripeWriteBack.ts).
 */
function kindOf(status: number | undefined, shouldRetry: unknown): ErrorKind {
  let kind: ErrorKind;
  if (status === undefined || status === 409 || status === 429 || status >= 500) {
    kind = 'transient';
  } else if (status === 401 || status === 403) kind = 'operator';
  else kind = 'permanent';
  if (kind !== 'operator' && shouldRetry === 'true') kind = 'transient';
  if (kind !== 'operator' && shouldRetry === 'false') kind = 'permanent';
  return kind;
}

function apiError(
  what: string,
  status: number | undefined,
  shouldRetry: unknown,
  message: string,
  cause: unknown,
): StripeApiError {
  const kind = kindOf(status, shouldRetry);
  const hint =
    kind === 'operator'
      ? ': Stripe refuses STRIPE_SECRET_KEY (it needs write access to Checkout Sessions and PaymentIntents)'
      : status === 404
        ? ': it does not exist in this Stripe account and mode'
        : '';
  return new StripeApiError(
    `Stripe ${what} failed (${status === undefined ? 'no answer' : `HTTP ${status}`}): ${message}${hint}`,
    kind,
    status,
    { cause },
  );
}

/** A failure raised by stripe-node. */
export function toStripeApiError(what: string, err: unknown): StripeApiError {
  if (!(err instanceof Stripe.errors.StripeError)) {
    return new StripeApiError(`Stripe ${what} failed: ${String(err)}`, 'transient', undefined, {
      cause: err,
    });
  }
  return apiError(what, err.statusCode, err.headers?.['stripe-should-retry'], err.message, err);
}

const StripeErrorBody = z.object({ error: z.object({ message: z.string() }) });

/** An answer other than 2xx to our own client: Stripe's error message when the body has one. */
export function stripeAnswerError(
  what: string,
  answer: { status: number; text: string; headers: IncomingHttpHeaders },
): StripeApiError {
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    body = undefined;
  }
  const parsed = StripeErrorBody.safeParse(body);
  const message = parsed.success
    ? parsed.data.error.message
    : `not Stripe's error format: ${answer.text.slice(0, 200)}`;
  return apiError(what, answer.status, answer.headers['stripe-should-retry'], message, undefined);
}

/** No answer to our own client: refused, reset, or none within STRIPE_TIMEOUT_MS. */
export function stripeNoAnswer(what: string, err: unknown): StripeApiError {
  return apiError(
    what,
    undefined,
    undefined,
    err instanceof Error ? err.message : String(err),
    err,
  );
}
