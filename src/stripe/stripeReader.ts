import type Stripe from 'stripe';
import { SESSION_EVENT_TYPES } from '../domain/classifyEvent';
import { PAYMENT_EVENT_TYPES } from './paymentEventPayload';
import { toStripeApiError } from './stripeErrors';

export interface Page {
  data: unknown[];
  hasMore: boolean;
}

/** A `created` window in Unix seconds, both ends included. */
export interface CreatedRange {
  gte: number;
  lte: number;
}

/**
 * The Stripe reads replay makes, one request per call, no retries and no pacing here (the
 * caller decides both). Objects come back as the API sent them; the caller validates them.
 * Lists are newest first, 100 per page; `startingAfter` is the last id of the previous page.
 */
export interface StripeReader {
  retrieveSession: (id: string) => Promise<unknown>;
  retrieveEvent: (id: string) => Promise<unknown>;
  /** The PaymentIntent with its latest charge expanded (for the time it was charged). */
  retrievePaymentIntent: (id: string) => Promise<unknown>;
  /** Checkout Session events (completed, async succeeded/failed) created in the range. */
  listSessionEvents: (range: CreatedRange, startingAfter?: string) => Promise<Page>;
  /** Refund and dispute events created in the range (see stripe/paymentEventPayload.ts). */
  listPaymentEvents: (range: CreatedRange, startingAfter?: string) => Promise<Page>;
  /** Complete Checkout Sessions created in the range. */
  listCompleteSessions: (range: CreatedRange, startingAfter?: string) => Promise<Page>;
  /** The Checkout Sessions of one PaymentIntent (normally one; none: not a Checkout payment). */
  sessionsOfPaymentIntent: (paymentIntentId: string) => Promise<Page>;
}

export function createStripeReader(stripe: Stripe): StripeReader {
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toStripeApiError(what, err);
    }
  };
  const page = (list: { data: unknown[]; has_more: boolean }): Page => ({
    data: list.data,
    hasMore: list.has_more,
  });
  const after = (id: string | undefined) => (id === undefined ? {} : { starting_after: id });
  return {
    retrieveSession: (id) =>
      call(`read of Checkout Session ${id}`, () => stripe.checkout.sessions.retrieve(id)),
    retrieveEvent: (id) => call(`read of event ${id}`, () => stripe.events.retrieve(id)),
    retrievePaymentIntent: (id) =>
      call(`read of PaymentIntent ${id}`, () =>
        stripe.paymentIntents.retrieve(id, { expand: ['latest_charge'] }),
      ),
    listSessionEvents: async (range, startingAfter) =>
      page(
        await call('list of events', () =>
          stripe.events.list({
            types: [...SESSION_EVENT_TYPES],
            created: range,
            limit: 100,
            ...after(startingAfter),
          }),
        ),
      ),
    listPaymentEvents: async (range, startingAfter) =>
      page(
        await call('list of events', () =>
          stripe.events.list({
            types: [...PAYMENT_EVENT_TYPES],
            created: range,
            limit: 100,
            ...after(startingAfter),
          }),
        ),
      ),
    sessionsOfPaymentIntent: async (paymentIntentId) =>
      page(
        await call('list of Checkout Sessions by PaymentIntent', () =>
          stripe.checkout.sessions.list({ payment_intent: paymentIntentId, limit: 10 }),
        ),
      ),
    listCompleteSessions: async (range, startingAfter) =>
      page(
        await call('list of Checkout Sessions', () =>
          stripe.checkout.sessions.list({
            status: 'complete',
            created: range,
            limit: 100,
            ...after(startingAfter),
          }),
        ),
      ),
  };
}

/** Every page of a list, following Stripe's cursor (the last object's id) to the end. */
export async function* eachPage(
  list: (startingAfter: string | undefined) => Promise<Page>,
): AsyncGenerator<unknown[]> {
  let after: string | undefined;
  do {
    const page = await list(after);
    yield page.data;
    const lastId = (page.data.at(-1) as { id?: unknown } | undefined)?.id;
    after = page.hasMore && typeof lastId === 'string' ? lastId : undefined;
  } while (after !== undefined);
}
