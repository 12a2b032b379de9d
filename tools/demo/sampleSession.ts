import { randomBytes } from 'node:crypto';

const id = (prefix: string) => `${prefix}_test_demo${randomBytes(8).toString('hex')}`;

/** A paid Checkout Session as Stripe sends it, trimmed to the usual fields, for the demo. */
export function sampleSession(
  metadata: Record<string, string>,
): Record<string, unknown> & { id: string } {
  return {
    id: id('cs'),
    object: 'checkout.session',
    amount_subtotal: 1450,
    amount_total: 1450,
    currency: 'cad',
    custom_fields: [],
    customer_details: { email: 'driver@example.com', name: null },
    livemode: false,
    metadata,
    mode: 'payment',
    payment_intent: id('pi'),
    payment_link: null,
    payment_status: 'paid',
    status: 'complete',
    created: Math.floor(Date.now() / 1000),
  };
}

/** Wraps a session in a `checkout.session.completed` event, as Stripe delivers it. */
export function sampleEvent(
  session: Record<string, unknown>,
): Record<string, unknown> & { id: string } {
  return {
    id: id('evt'),
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    data: { object: session },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'checkout.session.completed',
  };
}
