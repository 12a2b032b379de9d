import { classifySessionEvent, isSessionEventType } from '../domain/classifyEvent';
import type { Ledger } from '../store/ledger';
import { toSessionSnapshot, type EventEnvelope } from '../stripe/sessionPayload';

export type IntakeOutcome =
  | { status: 'ignored_type' }
  | { status: 'ignored_livemode'; sessionId: string | null }
  | { status: 'invalid_payload'; sessionId: string | null; reason: string }
  | { status: 'duplicate'; sessionId: string }
  | {
      status: 'recorded';
      sessionId: string;
      job: 'created' | 'updated' | 'unchanged';
      jobState: string;
    };

export interface IntakeContext {
  ledger: Ledger;
  /** Mode of STRIPE_SECRET_KEY. */
  livemode: boolean;
  now: number;
}

/**
 * Records a verified event durably and says what it did. Throws only when the ledger fails
 * (the caller answers 500 so Stripe redelivers); every other outcome is final for Stripe.
 */
export async function recordStripeEvent(
  event: EventEnvelope,
  ctx: IntakeContext,
): Promise<IntakeOutcome> {
  if (!isSessionEventType(event.type)) return { status: 'ignored_type' };
  const rawId = event.data.object['id'];
  const sessionId = typeof rawId === 'string' ? rawId : null;
  const base = {
    eventId: event.id,
    eventType: event.type,
    eventCreated: event.created,
    livemode: event.livemode,
    sessionId,
    receivedAt: ctx.now,
  };

  if (event.livemode !== ctx.livemode) {
    await ctx.ledger.recordIgnoredEvent({
      ...base,
      reason: 'livemode_mismatch',
      detail: `event livemode=${event.livemode}, STRIPE_SECRET_KEY is ${ctx.livemode ? 'live' : 'test'}`,
    });
    return { status: 'ignored_livemode', sessionId };
  }

  const parsed = toSessionSnapshot(event.data.object);
  if (!parsed.ok) {
    await ctx.ledger.recordIgnoredEvent({
      ...base,
      reason: 'invalid_payload',
      detail: parsed.reason,
    });
    return { status: 'invalid_payload', sessionId, reason: parsed.reason };
  }

  const action = classifySessionEvent(event.type, parsed.session.paymentStatus);
  const outcome = await ctx.ledger.recordSessionEvent({
    eventId: event.id,
    eventType: event.type,
    eventCreated: event.created,
    action,
    session: parsed.session,
    receivedAt: ctx.now,
  });
  if (outcome.event === 'duplicate') return { status: 'duplicate', sessionId: parsed.session.id };
  return {
    status: 'recorded',
    sessionId: parsed.session.id,
    job: outcome.job,
    jobState: outcome.state,
  };
}
