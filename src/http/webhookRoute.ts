import express, { type Request, type Response, type Router } from 'express';
import type Stripe from 'stripe';
import type { SiteDirectory } from '../domain/siteOf';
import { RequestRefusedError, describeError } from '../errors';
import { recordStripeEvent } from '../intake/recordStripeEvent';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics/metrics';
import type { WebhookLedger } from '../store/callerLedgers';
import { checkSignatureHeader, verifyStripeEvent } from '../stripe/verifyWebhook';
import { SPAN, webhookSpan } from '../tracing/spans';
import { getTracer, type ActiveSpan } from '../tracing/tracer';
import type { BodyBudget } from './bodyBudget';
import { readBody } from './readBody';
import { answerRefusal } from './refusalResponse';
import type { Refusals } from './refusals';

export interface WebhookRouteDeps {
  ledger: WebhookLedger;
  webhooks: Stripe['webhooks'];
  webhookSecrets: readonly string[];
  livemode: boolean;
  logger: Logger;
  now: () => number;
  /** Called after a job was recorded or advanced, to start it without waiting for a poll. */
  onJobRecorded: () => void;
  metrics?: Metrics;
  /** Counts and logs (bounded) every refused request. */
  refusals: Refusals;
  /** The body bytes buffered at once across all requests. */
  bodyBudget: BodyBudget;
  /** Record an alert for each failed refund (ALERT_WEBHOOK_URL is set). */
  alertRefundFailures?: boolean;
  /** The configured sites, from which intake decides each payment's site; absent: one site. */
  sites?: SiteDirectory | undefined;
}

/** Stripe's events are small; 1 MiB leaves room for big sessions and refuses abuse. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/**
 * POST /webhooks/stripe: verify → record → answer. 400 when the request is not provably from
 * Stripe (nothing recorded), cheapest check first: the Stripe-Signature header (present,
 * well-formed, recent) before a byte of the body is read, then the body's headers, then the
 * body itself within the shared budget (503 with Retry-After when there is no room), then the
 * signature. 500 when the ledger cannot record it (Stripe redelivers); 200 for everything
 * recorded, duplicated or deliberately ignored.
 */
export function createWebhookRouter(deps: WebhookRouteDeps): Router {
  const router = express.Router();
  const tracer = getTracer();
  router.post('/webhooks/stripe', (req: Request, res: Response) =>
    tracer.inSpan(SPAN.webhook, webhookSpan(), (span) => receive(req, res, span)),
  );

  async function receive(req: Request, res: Response, span: ActiveSpan): Promise<void> {
    const receivedAt = deps.now();
    const nowSeconds = Math.floor(receivedAt / 1000);
    let event;
    try {
      const header = req.get('stripe-signature');
      checkSignatureHeader(header, nowSeconds);
      // The raw bytes, whatever the content type: the signature covers them exactly.
      const raw = await readBody(req, { limit: WEBHOOK_BODY_LIMIT, budget: deps.bodyBudget });
      event = verifyStripeEvent(deps.webhooks, raw, header, deps.webhookSecrets, nowSeconds);
    } catch (err) {
      if (!(err instanceof RequestRefusedError)) throw err;
      span.setAttributes({ 'adapter.refusal.reason': err.reason });
      deps.refusals.refused('webhook', err.reason, { error: err.message, ip: req.ip });
      answerRefusal(req, res, err);
      return;
    }
    span.addEvent('signature verified');
    span.setAttributes({ 'messaging.message.id': event.id, 'stripe.event.type': event.type });
    const log = deps.logger.child({ eventId: event.id, eventType: event.type });
    try {
      const outcome = await recordStripeEvent(event, {
        ledger: deps.ledger,
        livemode: deps.livemode,
        now: receivedAt,
        alertRefundFailures: deps.alertRefundFailures === true,
        traceContext: span.traceparent,
        sites: deps.sites,
      });
      span.addEvent('recorded');
      span.setAttributes({
        'adapter.intake.outcome': outcome.status,
        'stripe.checkout_session.id':
          'sessionId' in outcome ? (outcome.sessionId ?? undefined) : undefined,
      });
      if (
        (outcome.status === 'recorded' && outcome.jobState === 'pending') ||
        (outcome.status === 'recorded_payment_event' && outcome.wokeJob)
      ) {
        deps.onJobRecorded();
      }
      if (outcome.status === 'ignored_livemode' || outcome.status === 'invalid_payload') {
        log.warn('webhook recorded but not acted on', { ...outcome });
      } else if (outcome.status !== 'ignored_type') {
        log.info('webhook recorded', { ...outcome });
      }
      deps.metrics?.webhookReceived(event.type, outcome.status);
      res.status(200).json({ received: true, outcome: outcome.status });
    } catch (err) {
      span.fail(err);
      log.error('webhook not recorded; answering 500 so Stripe redelivers', {
        error: describeError(err),
      });
      res.status(500).json({ error: 'could not record the event; Stripe will redeliver it' });
    }
  }
  return router;
}
