import type Stripe from 'stripe';
import { WebhookVerificationError } from '../errors';
import { EventEnvelope } from './sessionPayload';

/** Stripe's own default: a signature older than 5 minutes is refused (replay protection). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * The cheap half of the proof, read before the body (so a forged flood costs no memory): the
 * `Stripe-Signature` header is there, has its parts (`t=<unix seconds>` once, at least one
 * `v1=<signature>`), and is under 300 s old. Returns the header's timestamp, or throws
 * WebhookVerificationError. A request with no plausible header is refused before one byte of
 * its body is read, whatever else is wrong with it.
 */
export function checkSignatureHeader(header: string | undefined, nowSeconds: number): number {
  if (!header)
    throw new WebhookVerificationError('missing Stripe-Signature header', 'missing_header');
  // The header's own parts, read here rather than from the wording of stripe-node's errors.
  const parts = header.split(',').map((p) => p.trim().split('='));
  const times = parts.filter(([k]) => k === 't').map(([, v]) => v ?? '');
  const timestamp =
    times.length === 1 && /^\d{1,12}$/.test(times[0]!) ? Number(times[0]) : undefined;
  if (timestamp === undefined || !parts.some(([k, v]) => k === 'v1' && v)) {
    throw new WebhookVerificationError('malformed Stripe-Signature header', 'malformed_header');
  }
  // Older than Stripe's libraries accept: a replay, or this host's clock is wrong. (A
  // timestamp ahead of the clock is accepted, as Stripe's libraries do.)
  if (nowSeconds - timestamp > SIGNATURE_TOLERANCE_SECONDS) {
    throw new WebhookVerificationError(
      `signature timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} s old (a replay, or this host's clock is wrong)`,
      'stale',
    );
  }
  return timestamp;
}

/**
 * Proves a request came from Stripe: a plausible header (checkSignatureHeader), then the
 * signature must match the raw body under one of the configured secrets (several during a
 * secret roll). Only then is the body parsed. Throws WebhookVerificationError with a short,
 * safe reason.
 */
export function verifyStripeEvent(
  webhooks: Stripe['webhooks'],
  rawBody: Buffer,
  header: string | undefined,
  secrets: readonly string[],
  nowSeconds: number = Math.floor(Date.now() / 1000),
): EventEnvelope {
  checkSignatureHeader(header, nowSeconds);
  if (!webhooks.signature) throw new Error('stripe SDK has no signature verifier on this platform');
  // stripe-node's own timestamp check is off (tolerance 0): the age was judged above.
  const signed = secrets.some((secret) => {
    try {
      return webhooks.signature!.verifyHeader(rawBody, header!, secret, 0);
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
