import { z } from 'zod';
import type { PaymentFact } from '../domain/paymentFacts';

/** The events of a payment after it was made that can change its permit. */
export const PAYMENT_EVENT_TYPES = [
  'charge.refunded',
  'charge.refund.updated',
  'refund.failed',
  'charge.dispute.created',
  'charge.dispute.closed',
] as const;
export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

export function isPaymentEventType(type: string): type is PaymentEventType {
  return (PAYMENT_EVENT_TYPES as readonly string[]).includes(type);
}

const paymentIntent = z
  .union([z.string(), z.object({ id: z.string() })])
  .nullish()
  .transform((v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : v.id));

// The fields read of each object (docs.stripe.com/api/charges, /refunds, /disputes).
const Charge = z.object({
  id: z.string(),
  payment_intent: paymentIntent,
  amount: z.number().int().nonnegative(),
  amount_refunded: z.number().int().nonnegative(),
  refunded: z.boolean(),
});
const Refund = z.object({
  id: z.string(),
  payment_intent: paymentIntent,
  status: z.string().nullish(),
});
const Dispute = z.object({
  id: z.string(),
  payment_intent: paymentIntent,
  status: z.string().nullish(),
});

export type PaymentEventRead =
  | { ok: true; paymentIntentId: string | null; fact: PaymentFact | null }
  | { ok: false; reason: string };

/**
 * What a payment event says, as a fact about its PaymentIntent (null: nothing that changes a
 * permit, e.g. a refund updated to `succeeded`). `at` is the event's `created`: when Stripe
 * recorded it. `amount_refunded` is cumulative, so each charge.refunded carries the whole
 * truth so far.
 */
export function readPaymentEvent(
  type: PaymentEventType,
  object: unknown,
  created: number,
): PaymentEventRead {
  const fail = (error: z.ZodError) => ({
    ok: false as const,
    reason: `not a readable ${type} object (${error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`,
  });
  switch (type) {
    case 'charge.refunded': {
      const charge = Charge.safeParse(object);
      if (!charge.success) return fail(charge.error);
      const c = charge.data;
      return {
        ok: true,
        paymentIntentId: c.payment_intent,
        fact: { kind: 'refund', amountRefunded: c.amount_refunded, full: c.refunded, at: created },
      };
    }
    case 'charge.refund.updated':
    case 'refund.failed': {
      const refund = Refund.safeParse(object);
      if (!refund.success) return fail(refund.error);
      const r = refund.data;
      return {
        ok: true,
        paymentIntentId: r.payment_intent,
        fact: r.status === 'failed' ? { kind: 'refund_failed', refundId: r.id, at: created } : null,
      };
    }
    case 'charge.dispute.created':
    case 'charge.dispute.closed': {
      const dispute = Dispute.safeParse(object);
      if (!dispute.success) return fail(dispute.error);
      const d = dispute.data;
      return {
        ok: true,
        paymentIntentId: d.payment_intent,
        fact:
          type === 'charge.dispute.created'
            ? { kind: 'dispute_opened', at: created }
            : { kind: 'dispute_closed', at: created, outcome: d.status ?? null },
      };
    }
  }
}
