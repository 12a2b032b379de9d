import { z } from 'zod';
import type { SessionSnapshot } from '../domain/sessionSnapshot';

/** The envelope every Stripe event has (docs.stripe.com/api/events/object). */
export const EventEnvelope = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.number().int(),
  livemode: z.boolean(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

const CustomField = z.object({
  key: z.string(),
  text: z.object({ value: z.string().nullish() }).nullish(),
  numeric: z.object({ value: z.string().nullish() }).nullish(),
  dropdown: z.object({ value: z.string().nullish() }).nullish(),
});

/** The fields of a Checkout Session the adapter reads (docs.stripe.com/api/checkout/sessions/object). */
const CheckoutSession = z.object({
  id: z.string().startsWith('cs_'),
  livemode: z.boolean(),
  payment_status: z.enum(['paid', 'unpaid', 'no_payment_required']),
  amount_total: z.number().int().nullish(),
  currency: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  custom_fields: z.array(CustomField).nullish(),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
});

export type SessionParse = { ok: true; session: SessionSnapshot } | { ok: false; reason: string };

/** Validates a Checkout Session object and keeps only what the ledger needs. */
export function toSessionSnapshot(object: unknown): SessionParse {
  const parsed = CheckoutSession.safeParse(object);
  if (!parsed.success) {
    const reason = parsed.error.issues
      .map((i) => `${i.path.join('.') || 'session'}: ${i.message}`)
      .join('; ');
    return { ok: false, reason: `not a readable Checkout Session (${reason})` };
  }
  const s = parsed.data;
  const customFields: Record<string, string> = {};
  for (const field of s.custom_fields ?? []) {
    const value = field.text?.value ?? field.numeric?.value ?? field.dropdown?.value;
    if (value !== null && value !== undefined) customFields[field.key] = value;
  }
  const pi = s.payment_intent;
  return {
    ok: true,
    session: {
      id: s.id,
      livemode: s.livemode,
      paymentStatus: s.payment_status,
      amountTotal: s.amount_total ?? null,
      currency: s.currency ?? null,
      metadata: s.metadata ?? {},
      customFields,
      paymentIntentId: typeof pi === 'string' ? pi : (pi?.id ?? null),
    },
  };
}
