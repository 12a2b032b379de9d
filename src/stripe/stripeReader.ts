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

/**
 * The reads, as the platform (no `stripeAccount`: its own objects, requests unchanged) or as
 * one connected account (acct_…): then every request carries `Stripe-Account`, since Stripe
 * finds a connected account's sessions, PaymentIntents and events only under that header.
 */
export function createStripeReader(stripe: Stripe, stripeAccount?: string | null): StripeReader {
  const options: Stripe.RequestOptions | undefined = stripeAccount ? { stripeAccount } : undefined;
  const on = stripeAccount ? ` on connected account ${stripeAccount}` : '';
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toStripeApiError(`${what}${on}`, err, stripeAccount);
    }
  };
  const page = (list: { data: unknown[]; has_more: boolean }): Page => ({
    data: list.data,
    hasMore: list.has_more,
  });
  const after = (id: string | undefined) => (id === undefined ? {} : { starting_after: id });
  const listEvents = async (types: readonly string[], range: CreatedRange, from?: string) =>
    page(
      await call('list of events', () =>
        stripe.events.list(
          { types: [...types], created: range, limit: 100, ...after(from) },
          options,
        ),
      ),
    );
  return {
    retrieveSession: (id) =>
      call(`read of Checkout Session ${id}`, () =>
        stripe.checkout.sessions.retrieve(id, undefined, options),
      ),
    retrieveEvent: (id) =>
      call(`read of event ${id}`, () => stripe.events.retrieve(id, undefined, options)),
    retrievePaymentIntent: (id) =>
      call(`read of PaymentIntent ${id}`, () =>
        stripe.paymentIntents.retrieve(id, { expand: ['latest_charge'] }, options),
      ),
    listSessionEvents: (range, startingAfter) =>
      listEvents(SESSION_EVENT_TYPES, range, startingAfter),
    listPaymentEvents: (range, startingAfter) =>
      listEvents(PAYMENT_EVENT_TYPES, range, startingAfter),
    sessionsOfPaymentIntent: async (paymentIntentId) =>
      page(
        await call('list of Checkout Sessions by PaymentIntent', () =>
          stripe.checkout.sessions.list({ payment_intent: paymentIntentId, limit: 10 }, options),
        ),
      ),
    listCompleteSessions: async (range, startingAfter) =>
      page(
        await call('list of Checkout Sessions', () =>
          stripe.checkout.sessions.list(
            { status: 'complete', created: range, limit: 100, ...after(startingAfter) },
            options,
          ),
        ),
      ),
  };
}

/**
 * One reader per account, made once and kept (the platform's for null, undefined or ''): the
 * caller names the account an object belongs to (an event's `account`, a job's snapshot).
 * `around` wraps each reader once as it is made (replay's pacing, shared by all accounts).
 * The accounts are the platform's operators, few, so the cache is not bounded.
 */
export function stripeReaders(
  stripe: Stripe,
  around: (reader: StripeReader) => StripeReader = (reader) => reader,
): (account?: string | null) => StripeReader {
  const platform = around(createStripeReader(stripe));
  const byAccount = new Map<string, StripeReader>();
  return (account) => {
    if (!account) return platform;
    let reader = byAccount.get(account);
    if (reader === undefined) {
      reader = around(createStripeReader(stripe, account));
      byAccount.set(account, reader);
    }
    return reader;
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
