import Stripe from 'stripe';
import { StripeApiError, type ErrorKind } from '../errors';

/**
 * The one place that decides what a Stripe failure is, from the HTTP status (stripe-node's
 * own error classes, src/Error.ts, are built from it the same way):
 * - no answer (StripeConnectionError: refused, reset, timed out), 409 (an idempotent request
 *   still in flight, a lock), 429 (and a 400 with code rate_limit), 5xx: transient;
 * - 401, 403: operator — the key is wrong or lacks access, nothing passes until
 *   STRIPE_SECRET_KEY is fixed; on a call made for a connected account (`Stripe-Account`),
 *   more likely the platform's access to that account (disconnected, or a wrong id): only
 *   that account's calls wait, each job kept and retried, until someone fixes it;
 * - 400/402/404 (a bad request, a card error, no such object, an idempotency key reused with
 *   other parameters), anything else: permanent.
 * Stripe's `Stripe-Should-Retry` header, when present, decides between transient and permanent.
 * Every Stripe call goes through stripe-node (reads and write-backs alike).
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

const KEY_ACCESS = 'write access to Checkout Sessions and PaymentIntents';

/** What an operator should check for a refusal of a call made for connected account `account`. */
function connectedAccountHint(status: number | undefined, account: string): string {
  const key =
    status === 401
      ? "if the platform's own calls are refused too, STRIPE_SECRET_KEY itself"
      : `if every account's calls are refused, STRIPE_SECRET_KEY's access (${KEY_ACCESS})`;
  return `: Stripe refuses the platform access to connected account ${account}: check that the account is still connected to the platform (Dashboard → Connect) and that the stripeAccount of its site in SITES_FILE is right (${key})`;
}

function hintFor(kind: ErrorKind, status: number | undefined, account: string | undefined): string {
  if (kind === 'operator') {
    return account
      ? connectedAccountHint(status, account)
      : `: Stripe refuses STRIPE_SECRET_KEY (it needs ${KEY_ACCESS})`;
  }
  return status === 404 ? ': it does not exist in this Stripe account and mode' : '';
}

/** The system code under a connection error (ECONNREFUSED, ETIMEDOUT…), when it has one. */
function causeCode(err: Stripe.errors.StripeError): string | undefined {
  const detail: unknown = err.detail;
  const code =
    typeof detail === 'object' && detail !== null ? (detail as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A failure raised by stripe-node, as the worker and replay read it. `account`: the connected
 * account the call was made for (its `Stripe-Account`); none for the platform's own objects.
 */
export function toStripeApiError(
  what: string,
  err: unknown,
  account?: string | null,
): StripeApiError {
  if (!(err instanceof Stripe.errors.StripeError)) {
    return new StripeApiError(`Stripe ${what} failed: ${String(err)}`, 'transient', undefined, {
      cause: err,
    });
  }
  const status = err.statusCode;
  // Stripe also answers some rate limits 400 with code rate_limit; the SDK reads those as 429s.
  const kind =
    err instanceof Stripe.errors.StripeRateLimitError
      ? 'transient'
      : kindOf(status, err.headers?.['stripe-should-retry']);
  const code = status === undefined ? causeCode(err) : undefined;
  const message = code !== undefined ? `${err.message} (${code})` : err.message;
  return new StripeApiError(
    `Stripe ${what} failed (${status === undefined ? 'no answer' : `HTTP ${status}`}): ${message}${hintFor(kind, status, account ?? undefined)}`,
    kind,
    status,
    { cause: err },
  );
}
