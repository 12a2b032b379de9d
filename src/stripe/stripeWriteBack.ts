import Stripe from 'stripe';
import { httpPoster } from '../http/httpPost';
import { stripeAnswerError, stripeNoAnswer } from './stripeErrors';

export interface WriteBackMetadata {
  opscom_reference_id: string;
  opscom_internal_reference_id: string;
  opscom_end_time: string;
  /** active | deleted | ended | shortened | replaced (domain/permitLife.ts). */
  opscom_permit_status: string;
  /** After a zone correction: the permit this one replaced. */
  opscom_replaced_reference_id?: string;
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

export interface StripeWriteBackOptions {
  secretKey: string;
  /** A local simulator instead of api.stripe.com (STRIPE_API_URL). */
  apiUrl: URL | undefined;
  timeoutMs: number;
}

/** Stripe's form encoding of `metadata[key]=value`, as its API reads it. */
export function metadataForm(metadata: WriteBackMetadata): string {
  return Object.entries(metadata)
    .filter(([, value]) => value !== undefined)
    .map(
      ([key, value]) =>
        `${encodeURIComponent(`metadata[${key}]`)}=${encodeURIComponent(String(value))}`,
    )
    .join('&');
}

/**
 * Merges the OPSCOM reference into Stripe metadata (Stripe merges the keys given with the keys
 * already there). One POST per call, with the caller's idempotency key and the API version
 * stripe-node is pinned to, over kept-alive connections; no retries here.
 *
 * These two calls are made for every permit, so they skip stripe-node: its request building
 * (a user agent encoded and a stack trace taken per call) was a tenth of the worker's CPU in a
 * burst (docs/performance.md). Reads (replay, the console) still use stripe-node.
 */
export function createStripeWriteBack(options: StripeWriteBackOptions): StripeWriteBack {
  const post = httpPoster(
    options.apiUrl ?? new URL('https://api.stripe.com'),
    'application/x-www-form-urlencoded',
  );
  const headers = {
    Authorization: `Bearer ${options.secretKey}`,
    'Stripe-Version': Stripe.API_VERSION,
    'User-Agent': 'stripe-opscom-adapter',
  };
  const update = async (
    what: string,
    path: string,
    metadata: WriteBackMetadata,
    idempotencyKey: string,
  ) => {
    let answer;
    try {
      answer = await post(path, metadataForm(metadata), options.timeoutMs, {
        ...headers,
        'Idempotency-Key': idempotencyKey,
      });
    } catch (err) {
      throw stripeNoAnswer(what, err);
    }
    if (answer.status < 200 || answer.status >= 300) throw stripeAnswerError(what, answer);
  };
  return {
    updateSession: (sessionId, metadata, key) =>
      update(
        `update of Checkout Session ${sessionId}`,
        `/v1/checkout/sessions/${encodeURIComponent(sessionId)}`,
        metadata,
        key,
      ),
    updatePaymentIntent: (paymentIntentId, metadata, key) =>
      update(
        `update of PaymentIntent ${paymentIntentId}`,
        `/v1/payment_intents/${encodeURIComponent(paymentIntentId)}`,
        metadata,
        key,
      ),
  };
}
