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

/**
 * `stripeAccount`: the connected account (acct_…) the session was paid on, sent as
 * `Stripe-Account`; absent (undefined or null) for the platform's own objects.
 */
export interface StripeWriteBack {
  updateSession(
    sessionId: string,
    metadata: WriteBackMetadata,
    idempotencyKey: string,
    stripeAccount?: string | null,
  ): Promise<void>;
  updatePaymentIntent(
    paymentIntentId: string,
    metadata: WriteBackMetadata,
    idempotencyKey: string,
    stripeAccount?: string | null,
  ): Promise<void>;
}

export type StripeWriteBackOptions = StripeClientOptions;

/** Stripe's metadata parameter: the optional key only when it has a value. */
function metadataParam(metadata: WriteBackMetadata): Stripe.MetadataParam {
  const { opscom_replaced_reference_id: replaced, ...always } = metadata;
  return replaced === undefined ? always : { ...always, opscom_replaced_reference_id: replaced };
}

/** stripe-node's per-request options: the key always, the account only when there is one. */
function requestOptions(
  idempotencyKey: string,
  stripeAccount: string | null | undefined,
): Stripe.RequestOptions {
  return stripeAccount ? { idempotencyKey, stripeAccount } : { idempotencyKey };
}

/** What a failure names: the object, and the connected account when it is one's. */
function described(what: string, stripeAccount: string | null | undefined): string {
  return stripeAccount ? `${what} on connected account ${stripeAccount}` : what;
}

/**
 * Merges the OPSCOM reference into Stripe metadata (Stripe merges the keys given with the keys
 * already there) through stripe-node's `checkout.sessions.update` and
 * `paymentIntents.update`: one request per call, with the caller's idempotency key (and
 * `Stripe-Account` for a connected account's objects); its failures classified by stripeErrors.ts, retried (or not) by the worker.
 */
export function createStripeWriteBack(options: StripeWriteBackOptions): StripeWriteBack {
  const stripe = createStripeClient(options);
  const call = async (
    what: string,
    stripeAccount: string | null | undefined,
    request: () => Promise<unknown>,
  ): Promise<void> => {
    try {
      await request();
    } catch (err) {
      throw toStripeApiError(described(what, stripeAccount), err, stripeAccount);
    }
  };
  return {
    updateSession: (sessionId, metadata, idempotencyKey, stripeAccount) =>
      call(`update of Checkout Session ${sessionId}`, stripeAccount, () =>
        stripe.checkout.sessions.update(
          sessionId,
          { metadata: metadataParam(metadata) },
          requestOptions(idempotencyKey, stripeAccount),
        ),
      ),
    updatePaymentIntent: (paymentIntentId, metadata, idempotencyKey, stripeAccount) =>
      call(`update of PaymentIntent ${paymentIntentId}`, stripeAccount, () =>
        stripe.paymentIntents.update(
          paymentIntentId,
          { metadata: metadataParam(metadata) },
          requestOptions(idempotencyKey, stripeAccount),
        ),
      ),
  };
}
