import { alertText } from '../domain/alertText';
import { classifySessionEvent, isSessionEventType } from '../domain/classifyEvent';
import type { SiteDirectory } from '../domain/siteOf';
import type { WebhookLedger } from '../store/callerLedgers';
import type { IgnoredEventInput } from '../store/ledger';
import {
  isPaymentEventType,
  readPaymentEvent,
  type PaymentEventType,
} from '../stripe/paymentEventPayload';
import { toSessionSnapshot, type EventEnvelope } from '../stripe/sessionPayload';
import { siteOfSession, withStripeAccount } from './sessionSite';

export type IntakeOutcome =
  | { status: 'ignored_type' }
  | { status: 'ignored_livemode'; sessionId: string | null }
  | { status: 'invalid_payload'; sessionId: string | null; reason: string }
  | { status: 'duplicate'; sessionId: string | null }
  | { status: 'not_checkout'; objectId: string | null }
  | {
      status: 'recorded_payment_event';
      paymentIntentId: string;
      fact: string;
      /** The sessions of that payment in the ledger, with their job's state now. */
      sessions: string[];
      /** Whether a job went back to pending (its permit is to change). */
      wokeJob: boolean;
    }
  | {
      status: 'recorded';
      sessionId: string;
      job: 'created' | 'updated' | 'unchanged';
      jobState: string;
    };

export interface IntakeContext {
  ledger: WebhookLedger;
  /** Mode of STRIPE_SECRET_KEY. */
  livemode: boolean;
  now: number;
  /** Record an alert for a failed refund (sent by the worker; see alerts/alertMonitor.ts). */
  alertRefundFailures?: boolean;
  /** The webhook span's traceparent, stored with the job the event makes due (tracing on). */
  traceContext?: string | undefined;
  /** The configured sites (SITES_FILE): a session's site is decided from them. Absent: one site. */
  sites?: SiteDirectory | undefined;
}

/**
 * Records a verified event durably and says what it did. Throws only when the ledger fails
 * (the caller answers 500 so Stripe redelivers); every other outcome is final for Stripe.
 */
export async function recordStripeEvent(
  event: EventEnvelope,
  ctx: IntakeContext,
): Promise<IntakeOutcome> {
  if (isPaymentEventType(event.type)) return recordPaymentEvent(event, event.type, ctx);
  if (!isSessionEventType(event.type)) return { status: 'ignored_type' };
  const rawId = event.data.object['id'];
  const sessionId = typeof rawId === 'string' ? rawId : null;
  const base = ignoredBase(event, sessionId, ctx);
  if (await ignoredForMode(event, base, ctx)) return { status: 'ignored_livemode', sessionId };

  const parsed = toSessionSnapshot(event.data.object);
  if (!parsed.ok) {
    await ctx.ledger.recordIgnoredEvent({
      ...base,
      reason: 'invalid_payload',
      detail: parsed.reason,
    });
    return { status: 'invalid_payload', sessionId, reason: parsed.reason };
  }

  const session = withStripeAccount(parsed.session, event);
  const action = classifySessionEvent(event.type, session.paymentStatus);
  const outcome = await ctx.ledger.recordSessionEvent({
    eventId: event.id,
    eventType: event.type,
    eventCreated: event.created,
    action,
    session,
    receivedAt: ctx.now,
    traceContext: ctx.traceContext,
    site: siteOfSession(session, ctx.sites),
  });
  if (outcome.event === 'duplicate') return { status: 'duplicate', sessionId: session.id };
  return {
    status: 'recorded',
    sessionId: session.id,
    job: outcome.job,
    jobState: outcome.state,
  };
}

/**
 * A refund, refund failure or dispute: recorded against its PaymentIntent (the session may not
 * be known yet: the facts wait for it), and every done job of that payment sent back to the
 * worker. A charge without a PaymentIntent is no Checkout payment: recorded, not acted on.
 */
async function recordPaymentEvent(
  event: EventEnvelope,
  type: PaymentEventType,
  ctx: IntakeContext,
): Promise<IntakeOutcome> {
  const rawId = event.data.object['id'];
  const objectId = typeof rawId === 'string' ? rawId : null;
  // Its object is a charge, refund or dispute: the session is not known here.
  const base = ignoredBase(event, null, ctx);
  if (await ignoredForMode(event, base, ctx))
    return { status: 'ignored_livemode', sessionId: null };
  const read = readPaymentEvent(type, event.data.object, event.created);
  if (!read.ok) {
    await ctx.ledger.recordIgnoredEvent({
      ...base,
      reason: 'invalid_payload',
      detail: read.reason,
    });
    return { status: 'invalid_payload', sessionId: null, reason: read.reason };
  }
  if (read.paymentIntentId === null || read.fact === null) {
    await ctx.ledger.recordIgnoredEvent({
      ...base,
      reason: 'not_acted_on',
      detail:
        read.paymentIntentId === null
          ? `${objectId ?? 'object'} has no payment_intent: not a Checkout payment`
          : `${type} for ${objectId ?? 'object'} changes no permit`,
    });
    return { status: 'not_checkout', objectId };
  }
  const outcome = await ctx.ledger.recordPaymentEvent({
    eventId: event.id,
    eventType: event.type,
    eventCreated: event.created,
    livemode: event.livemode,
    paymentIntentId: read.paymentIntentId,
    fact: read.fact,
    receivedAt: ctx.now,
    traceContext: ctx.traceContext,
  });
  if (ctx.alertRefundFailures && read.fact.kind === 'refund_failed') {
    // On a redelivery too: if recording the alert failed the first time (500), it lands now.
    await ctx.ledger.raiseAlert({
      key: `refund_failed:${read.fact.refundId}`,
      kind: 'refund_failed',
      sessionId: outcome.event === 'recorded' ? (outcome.sessions[0]?.sessionId ?? null) : null,
      message: alertText.refundFailed(read.fact.refundId, read.paymentIntentId),
      now: ctx.now,
    });
  }
  if (outcome.event === 'duplicate') return { status: 'duplicate', sessionId: null };
  return {
    status: 'recorded_payment_event',
    paymentIntentId: read.paymentIntentId,
    fact: read.fact.kind,
    sessions: outcome.sessions.map((s) => `${s.sessionId}:${s.state}`),
    wokeJob: outcome.sessions.some((s) => s.state === 'pending'),
  };
}

type IgnoredBase = Omit<IgnoredEventInput, 'reason' | 'detail'>;

function ignoredBase(
  event: EventEnvelope,
  sessionId: string | null,
  ctx: IntakeContext,
): IgnoredBase {
  return {
    eventId: event.id,
    eventType: event.type,
    eventCreated: event.created,
    livemode: event.livemode,
    sessionId,
    receivedAt: ctx.now,
  };
}

/** An event of the other mode than STRIPE_SECRET_KEY is recorded, never acted on: true then. */
async function ignoredForMode(
  event: EventEnvelope,
  base: IgnoredBase,
  ctx: IntakeContext,
): Promise<boolean> {
  if (event.livemode === ctx.livemode) return false;
  await ctx.ledger.recordIgnoredEvent({
    ...base,
    reason: 'livemode_mismatch',
    detail: `event livemode=${event.livemode}, STRIPE_SECRET_KEY is ${ctx.livemode ? 'live' : 'test'}`,
  });
  return true;
}
