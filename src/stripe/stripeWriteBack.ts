import type Stripe from 'stripe';
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
