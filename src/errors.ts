/**
 * The one error hierarchy. Every error the adapter raises on purpose is an AdapterError and
 * carries `retryable`: whether trying the same thing again later can succeed. The worker reads
 * only that fact to decide between backing off and giving up (see worker/backoff.ts).
 */
export abstract class AdapterError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Raised at start-up when the environment is wrong; lists every problem at once. */
export class ConfigError extends AdapterError {
  readonly code = 'config_invalid';
  readonly retryable = false;
  constructor(readonly problems: readonly string[]) {
    super(`Configuration is invalid:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Raised when a webhook request cannot be proven to come from Stripe (answered 400). */
export class WebhookVerificationError extends AdapterError {
  readonly code = 'webhook_unverified';
  readonly retryable = false;
}

/** OPSCOM could not be reached or gave an answer we cannot read: try again later. */
export class OpscomUnavailableError extends AdapterError {
  readonly code = 'opscom_unavailable';
  readonly retryable = true;
}

/**
 * OPSCOM may have acted on the request, but its answer is lost: the connection broke after the
 * request was sent, or no answer came within the timeout and the grace after it. Retrying can
 * make a second permit; that is why the call waits out a grace first, and why this is counted.
 */
export class OpscomInDoubtError extends AdapterError {
  readonly code = 'opscom_in_doubt';
  readonly retryable = true;
}

/**
 * OPSCOM refused the API token (ErrorCode 9001/9002). No permit can succeed until an operator
 * fixes OPSCOM_API_TOKEN, so it is logged loudly; the job is kept and retried (with backoff)
 * rather than failed, so that fixing the token lets every queued payment through.
 */
export class OpscomAuthError extends AdapterError {
  readonly code = 'opscom_auth';
  readonly retryable = true;
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
  readonly retryable = false;
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** A call to Stripe's API failed; `retryable` is decided from the status in stripe/stripeErrors.ts. */
export class StripeApiError extends AdapterError {
  readonly code = 'stripe_api';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly statusCode: number | undefined,
  ) {
    super(message);
  }
}

/** The ledger could not be read or written. Intake answers 500 so Stripe redelivers. */
export class StoreError extends AdapterError {
  readonly code = 'store_failed';
  readonly retryable = true;
}

/** The ledger's schema is not the one this build expects (see store/migrations.ts). */
export class SchemaError extends AdapterError {
  readonly code = 'schema_mismatch';
  readonly retryable = false;
}

/** Describe anything thrown, for a log line or a stored `last_error`, without stack or secrets. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
