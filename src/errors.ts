/**
 * What can be done about a failure, decided once, where the error is made (one place per
 * peer: opscom/opscomAnswer.ts and opscom/opscomClient.ts for OPSCOM, stripe/stripeErrors.ts
 * for Stripe); the worker (worker/processJob.ts) and replay act on it and nothing else:
 * - `transient`: passes by itself (an outage, a timeout, a 429): retry with backoff;
 * - `operator`: nothing can succeed until a person fixes the configuration (OPSCOM refuses the
 *   token, Stripe refuses the key): keep the work, say so loudly, retry slowly, so that the
 *   queue goes through once it is fixed;
 * - `permanent`: this request is wrong (bad metadata, OPSCOM refused it, an unknown object):
 *   retrying cannot help; fail with the reason.
 */
export type ErrorKind = 'transient' | 'operator' | 'permanent';

/** The one error hierarchy: every error the adapter raises on purpose is an AdapterError. */
export abstract class AdapterError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Raised at start-up when the environment is wrong; lists every problem at once. */
export class ConfigError extends AdapterError {
  readonly code = 'config_invalid';
  readonly kind = 'permanent';
  constructor(readonly problems: readonly string[]) {
    super(`Configuration is invalid:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Where a request was refused: the webhook, the console's login, anything else. */
export type RefusalSurface = 'webhook' | 'login' | 'other';

/**
 * Why a request was refused, for the metrics and the logs: a small fixed set, so a flood of any
 * size adds no new series and the log lines stay bounded per reason (http/refusals.ts).
 */
export type RefusalReason =
  // Not provably from Stripe (the webhook): the header, then the signature, then the event.
  | 'missing_header'
  | 'malformed_header'
  | 'stale'
  | 'bad_signature'
  | 'not_json'
  | 'not_an_event'
  // The body, on the webhook and the console's forms (http/readBody.ts).
  | 'too_large'
  | 'encoded_body'
  | 'bad_charset'
  | 'bad_form'
  | 'aborted'
  | 'timeout'
  | 'busy'
  | 'slow_body'
  // The connection, before any route (http/httpServer.ts), and malformed URLs.
  | 'bad_request'
  | 'headers_too_large'
  | 'shed'
  // The console's login (console/auth.ts).
  | 'bad_credentials'
  | 'throttled';

/**
 * A request refused before anything was done for it, answered `status` with this message (safe
 * to show: it never quotes the request). A 503 says when to come back (`Retry-After`): Stripe
 * redelivers, and nothing is lost.
 */
export class RequestRefusedError extends AdapterError {
  readonly code: string = 'request_refused';
  readonly kind: ErrorKind;
  constructor(
    readonly status: number,
    readonly reason: RefusalReason,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.kind = status >= 500 ? 'transient' : 'permanent';
  }
}

/** Raised when a webhook request cannot be proven to come from Stripe (answered 400). */
export class WebhookVerificationError extends RequestRefusedError {
  override readonly code = 'webhook_unverified';
  constructor(message: string, reason: RefusalReason) {
    super(400, reason, message);
  }
}

/** OPSCOM could not be reached or gave an answer we cannot read: try again later. */
export class OpscomUnavailableError extends AdapterError {
  readonly code = 'opscom_unavailable';
  readonly kind = 'transient';
}

/**
 * OPSCOM may have acted on the request, but its answer is lost: the connection broke after the
 * request was sent, or no answer came within the timeout and the grace after it. Retrying can
 * make a second permit; that is why the call waits out a grace first, and why this is counted.
 */
export class OpscomInDoubtError extends AdapterError {
  readonly code = 'opscom_in_doubt';
  readonly kind = 'transient';
}

/**
 * OPSCOM refused the API token (ErrorCode 9001/9002). No permit can succeed until an operator
 * fixes OPSCOM_API_TOKEN: logged loudly, the job kept and retried slowly rather than failed,
 * so that fixing the token lets every queued payment through.
 */
export class OpscomAuthError extends AdapterError {
  readonly code = 'opscom_auth';
  readonly kind = 'operator';
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** OPSCOM rejected this particular request (ErrorCode 9003–9033): retrying cannot help. */
export class OpscomRejectedError extends AdapterError {
  readonly code = 'opscom_rejected';
  readonly kind = 'permanent';
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A job whose permit was already sent to its site's OPSCOM, while that site is no longer in the
 * configuration (SITES_FILE changed, DEFAULT_SITE gone): no other site's OPSCOM may be asked
 * to change it, so the job fails with the reason until the site is back and it is retried.
 */
export class SiteNotConfiguredError extends AdapterError {
  readonly code = 'site_not_configured';
  readonly kind = 'permanent';
}

/** A call to Stripe's API failed; its kind is decided in stripe/stripeErrors.ts. */
export class StripeApiError extends AdapterError {
  readonly code = 'stripe_api';
  constructor(
    message: string,
    readonly kind: ErrorKind,
    readonly statusCode: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The ledger could not be read or written. Intake answers 500 so Stripe redelivers. */
export class StoreError extends AdapterError {
  readonly code = 'store_failed';
  readonly kind = 'transient';
}

/** The ledger's schema is not the one this build expects (see store/migrations.ts). */
export class SchemaError extends AdapterError {
  readonly code = 'schema_mismatch';
  readonly kind = 'permanent';
}

/** Describe anything thrown, for a log line or a stored `last_error`, without stack or secrets. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The alert webhook did not take a message (unreachable, or not 2xx): sent again later. */
export class AlertDeliveryError extends AdapterError {
  readonly code = 'alert_undelivered';
  readonly kind = 'transient';
}
