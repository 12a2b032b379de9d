import type Stripe from 'stripe';
import { createStripeClient, type StripeClientOptions } from './stripeClient';
import { toStripeApiError } from './stripeErrors';

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

export type StripeWriteBackOptions = StripeClientOptions;

/** Stripe's metadata parameter: the optional key only when it has a value. */
function metadataParam(metadata: WriteBackMetadata): Stripe.MetadataParam {
  const { opscom_replaced_reference_id: replaced, ...always } = metadata;
  return replaced === undefined ? always : { ...always, opscom_replaced_reference_id: replaced };
}

/**
 * Merges the OPSCOM reference into Stripe metadata (Stripe merges the keys given with the keys
 * already there) through stripe-node's `checkout.sessions.update` and
 * `paymentIntents.update`: one request per call, with the caller's idempotency key; its
 * failures classified by stripeErrors.ts, retried (or not) by the worker.
 */
export function createStripeWriteBack(options: StripeWriteBackOptions): StripeWriteBack {
  const stripe = createStripeClient(options);
  const call = async (what: string, request: () => Promise<unknown>): Promise<void> => {
    try {
      await request();
    } catch (err) {
      throw toStripeApiError(what, err);
    }
  };
  return {
    updateSession: (sessionId, metadata, idempotencyKey) =>
      call(`update of Checkout Session ${sessionId}`, () =>
        stripe.checkout.sessions.update(
          sessionId,
          { metadata: metadataParam(metadata) },
          { idempotencyKey },
        ),
      ),
    updatePaymentIntent: (paymentIntentId, metadata, idempotencyKey) =>
      call(`update of PaymentIntent ${paymentIntentId}`, () =>
        stripe.paymentIntents.update(
          paymentIntentId,
          { metadata: metadataParam(metadata) },
          { idempotencyKey },
        ),
      ),
  };
}
