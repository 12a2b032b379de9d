import type Stripe from 'stripe';
import { WebhookVerificationError } from '../errors';
import { EventEnvelope } from './sessionPayload';

/** Stripe's own default: a signature older than 5 minutes is refused (replay protection). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Proves a request came from Stripe: the `Stripe-Signature` header must match the raw body
 * under one of the configured secrets (several during a secret roll) and be under 300 s old.
 * Only then is the body parsed. Throws WebhookVerificationError with a short, safe reason.
 */
export function verifyStripeEvent(
  webhooks: Stripe['webhooks'],
  rawBody: Buffer,
  header: string | undefined,
  secrets: readonly string[],
  nowSeconds: number = Math.floor(Date.now() / 1000),
): EventEnvelope {
  if (!header)
    throw new WebhookVerificationError('missing Stripe-Signature header', 'missing_header');
  if (!webhooks.signature) throw new Error('stripe SDK has no signature verifier on this platform');
  // The header's own parts, read here rather than from the wording of stripe-node's errors:
  // `t=<unix seconds>` once, and at least one `v1=<signature>`.
  const parts = header.split(',').map((p) => p.trim().split('='));
  const times = parts.filter(([k]) => k === 't').map(([, v]) => v ?? '');
  const timestamp = times.length === 1 && /^\d+$/.test(times[0]!) ? Number(times[0]) : undefined;
  if (timestamp === undefined || !parts.some(([k, v]) => k === 'v1' && v)) {
    throw new WebhookVerificationError('malformed Stripe-Signature header', 'malformed_header');
  }
  // The signature first, with stripe-node's timestamp check off (tolerance 0): a request no
  // configured secret signed is refused as such, whatever its age.
  const signed = secrets.some((secret) => {
    try {
      return webhooks.signature!.verifyHeader(rawBody, header, secret, 0);
    } catch {
      return false;
    }
  });
  if (!signed) {
    throw new WebhookVerificationError(
      'no signature matches a configured STRIPE_WEBHOOK_SECRET (wrong secret, or the body was altered before it reached the adapter)',
      'bad_signature',
    );
  }
  // Then its age, as Stripe's libraries judge it (an older signature is a replay).
  if (nowSeconds - timestamp > SIGNATURE_TOLERANCE_SECONDS) {
    throw new WebhookVerificationError(
      `signature timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} s old (a replay, or this host's clock is wrong)`,
      'stale',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('body is not JSON', 'not_json');
  }
  const envelope = EventEnvelope.safeParse(json);
  if (!envelope.success) {
    throw new WebhookVerificationError('body is not a Stripe event', 'not_an_event');
  }
  return envelope.data;
}
