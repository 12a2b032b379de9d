import { z } from 'zod';
import type { SessionSnapshot } from '../domain/sessionSnapshot';

/** The envelope every Stripe event has (docs.stripe.com/api/events/object). */
export const EventEnvelope = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.number().int(),
  livemode: z.boolean(),
  /**
   * Set on an event from a connected account delivered to a Connect endpoint (`acct_…`).
   * Read leniently: a malformed value must not turn a signed event into a refusal.
   */
  account: z.string().nullish(),
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

/** The OPSCOM reference the adapter wrote into a session's metadata (see stripe/stripeWriteBack.ts). */
export interface StripeReference {
  referenceId: string;
  internalReferenceId: string | undefined;
  endsAt: string | undefined;
}

const SessionState = z.object({
  status: z.enum(['open', 'complete', 'expired']).nullish(),
  created: z.number().int(),
});

export type CheckoutSessionRead =
  | {
      ok: true;
      session: SessionSnapshot;
      status: 'open' | 'complete' | 'expired' | null;
      /** Unix seconds. */
      created: number;
      reference: StripeReference | null;
    }
  | { ok: false; reason: string };

/** A Checkout Session as the API returns it now: the snapshot, its status and any write-back. */
export function readCheckoutSession(object: unknown): CheckoutSessionRead {
  const parsed = toSessionSnapshot(object);
  if (!parsed.ok) return parsed;
  const state = SessionState.safeParse(object);
  if (!state.success) {
    return { ok: false, reason: 'not a readable Checkout Session (status or created missing)' };
  }
  const metadata = parsed.session.metadata;
  const referenceId = metadata['opscom_reference_id']?.trim();
  return {
    ok: true,
    session: parsed.session,
    status: state.data.status ?? null,
    created: state.data.created,
    reference: referenceId
      ? {
          referenceId,
          internalReferenceId: metadata['opscom_internal_reference_id'] || undefined,
          endsAt: metadata['opscom_end_time'] || undefined,
        }
      : null,
  };
}

const PaymentIntentCharge = z.object({
  id: z.string(),
  latest_charge: z
    .union([z.string(), z.object({ id: z.string(), created: z.number().int() })])
    .nullish(),
});

/** When the PaymentIntent's charge was made (Unix seconds), if Stripe expanded it. */
export function chargeTime(object: unknown): { chargeId: string; created: number } | undefined {
  const parsed = PaymentIntentCharge.safeParse(object);
  const charge = parsed.success ? parsed.data.latest_charge : undefined;
  return charge && typeof charge === 'object'
    ? { chargeId: charge.id, created: charge.created }
    : undefined;
}

/** The `id` of an event's object, when it has one. */
export function objectIdOf(event: EventEnvelope): string | undefined {
  const id = event.data.object['id'];
  return typeof id === 'string' ? id : undefined;
}
