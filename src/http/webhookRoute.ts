import express, { type Request, type Response, type Router } from 'express';
import type Stripe from 'stripe';
import { WebhookVerificationError, describeError } from '../errors';
import { recordStripeEvent } from '../intake/recordStripeEvent';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics/metrics';
import type { Ledger } from '../store/ledger';
import { verifyStripeEvent } from '../stripe/verifyWebhook';

export interface WebhookRouteDeps {
  ledger: Ledger;
  webhooks: Stripe['webhooks'];
  webhookSecrets: readonly string[];
  livemode: boolean;
  logger: Logger;
  now: () => number;
  /** Called after a job was recorded or advanced, to start it without waiting for a poll. */
  onJobRecorded: () => void;
  metrics?: Metrics;
  /** Record an alert for each failed refund (ALERT_WEBHOOK_URL is set). */
  alertRefundFailures?: boolean;
}

/** Stripe's events are small; 1 MiB leaves room for big sessions and refuses abuse. */
export const WEBHOOK_BODY_LIMIT = '1mb';

/**
 * POST /webhooks/stripe: verify → record → answer. 400 when the request is not provably from
 * Stripe (nothing recorded); 500 when the ledger cannot record it (Stripe redelivers); 200 for
 * everything recorded, duplicated or deliberately ignored.
 */
export function createWebhookRouter(deps: WebhookRouteDeps): Router {
  const router = express.Router();
  router.post(
    '/webhooks/stripe',
    // The raw bytes, whatever the content type: the signature covers them exactly.
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }),
    async (req: Request, res: Response) => {
      const receivedAt = deps.now();
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let event;
      try {
        event = verifyStripeEvent(
          deps.webhooks,
          raw,
          req.get('stripe-signature'),
          deps.webhookSecrets,
          Math.floor(receivedAt / 1000),
        );
      } catch (err) {
        if (!(err instanceof WebhookVerificationError)) throw err;
        deps.metrics?.webhookRefused(err.reason);
        deps.logger.warn('webhook refused', { reason: err.message, ip: req.ip });
        res.status(400).json({ error: err.message });
        return;
      }
      const log = deps.logger.child({ eventId: event.id, eventType: event.type });
      try {
        const outcome = await recordStripeEvent(event, {
          ledger: deps.ledger,
          livemode: deps.livemode,
          now: receivedAt,
          alertRefundFailures: deps.alertRefundFailures === true,
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
        log.error('webhook not recorded; answering 500 so Stripe redelivers', {
          error: describeError(err),
        });
        res.status(500).json({ error: 'could not record the event; Stripe will redeliver it' });
      }
    },
  );
  return router;
}
