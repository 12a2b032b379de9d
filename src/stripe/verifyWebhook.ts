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
): EventEnvelope {
  if (!header) throw new WebhookVerificationError('missing Stripe-Signature header');
  if (!webhooks.signature) throw new Error('stripe SDK has no signature verifier on this platform');
  let stale = false;
  let malformed = false;
  const verified = secrets.some((secret) => {
    try {
      return webhooks.signature!.verifyHeader(rawBody, header, secret, SIGNATURE_TOLERANCE_SECONDS);
    } catch (err) {
      const message = err instanceof Error ? err.message : '';
      if (message.startsWith('Timestamp outside')) stale = true;
      if (message.startsWith('Unable to extract') || message.startsWith('No signatures found with'))
        malformed = true;
      return false;
    }
  });
  if (!verified) {
    if (malformed) throw new WebhookVerificationError('malformed Stripe-Signature header');
    if (stale) {
      throw new WebhookVerificationError(
        `signature timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} s old (a replay, or this host's clock is wrong)`,
      );
    }
    throw new WebhookVerificationError(
      'no signature matches a configured STRIPE_WEBHOOK_SECRET (wrong secret, or the body was altered before it reached the adapter)',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('body is not JSON');
  }
  const envelope = EventEnvelope.safeParse(json);
  if (!envelope.success) throw new WebhookVerificationError('body is not a Stripe event');
  return envelope.data;
}
