import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';

// Stripe's own example objects (see test/fixtures/stripe/README.md); each test sets what it needs.
const SESSION = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'stripe', 'checkout.session.json'), 'utf8'),
) as Record<string, unknown>;
const EVENT = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'stripe', 'event.json'), 'utf8'),
) as Record<string, unknown>;

export const WEBHOOK_SECRET = 'whsec_test_adapter_secret';
export const OTHER_SECRET = 'whsec_test_other_secret';

let counter = 0;
export const uniqueId = (prefix: string): string =>
  `${prefix}_test_${Date.now().toString(36)}${(counter++).toString(36).padStart(4, '0')}`;

export interface SessionOverrides {
  id?: string;
  payment_status?: 'paid' | 'unpaid' | 'no_payment_required';
  amount_total?: number | null;
  currency?: string | null;
  metadata?: Record<string, string>;
  custom_fields?: unknown[];
  payment_intent?: string | null;
  livemode?: boolean;
}

/** A Checkout Session shaped exactly like Stripe's, paid, for a plate and two hours by default. */
export function makeSession(
  overrides: SessionOverrides = {},
): Record<string, unknown> & { id: string } {
  return {
    ...structuredClone(SESSION),
    id: uniqueId('cs'),
    status: 'complete',
    payment_status: 'paid',
    amount_total: 1450,
    currency: 'cad',
    metadata: { plate: 'ABC 123', duration: '120' },
    payment_intent: uniqueId('pi'),
    livemode: false,
    ...overrides,
  };
}

export function makeEvent(
  type: string,
  object: Record<string, unknown>,
  options: { id?: string; created?: number; livemode?: boolean } = {},
): Record<string, unknown> & { id: string } {
  return {
    ...structuredClone(EVENT),
    id: options.id ?? uniqueId('evt'),
    type,
    created: options.created ?? Math.floor(Date.now() / 1000),
    livemode: options.livemode ?? false,
    data: { object },
  };
}

const stripe = new Stripe('sk_test_signing_only');

/** A real Stripe-Signature header for `payload`, as Stripe would send it. */
export function signatureFor(payload: string, secret = WEBHOOK_SECRET, timestamp?: number): string {
  return stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestamp === undefined ? {} : { timestamp }),
  });
}
