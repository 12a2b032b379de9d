import { aroundOpscomCalls, type OpscomClient } from '../opscom/opscomClient';
import type { StripeWriteBack } from '../stripe/stripeWriteBack';
import { peerCallSpan } from '../tracing/spans';
import { getTracer } from '../tracing/tracer';

/**
 * OPSCOM's calls, each in a span (`opscom create permit`…) whose child is the HTTP client
 * span; the client unchanged when tracing is off.
 */
export function tracedOpscom(client: OpscomClient): OpscomClient {
  const tracer = getTracer();
  if (!tracer.enabled) return client;
  return aroundOpscomCalls(client, (operation, call) =>
    tracer.inSpan(
      `opscom ${operation} permit`,
      peerCallSpan('opscom', { 'opscom.operation': operation }),
      call,
    ),
  );
}

/** The span's attributes: the object, and the connected account when it is one's. */
function stripeAttributes(
  idKey: string,
  id: string,
  stripeAccount: string | null | undefined,
): Record<string, string> {
  return stripeAccount ? { [idKey]: id, 'stripe.account': stripeAccount } : { [idKey]: id };
}

/** The Stripe write-backs, each in a span named after stripe-node's method. */
export function tracedStripeWriteBack(writeBack: StripeWriteBack): StripeWriteBack {
  const tracer = getTracer();
  if (!tracer.enabled) return writeBack;
  return {
    updateSession: (sessionId, metadata, idempotencyKey, stripeAccount) =>
      tracer.inSpan(
        'stripe checkout.sessions.update',
        peerCallSpan(
          'stripe',
          stripeAttributes('stripe.checkout_session.id', sessionId, stripeAccount),
        ),
        () => writeBack.updateSession(sessionId, metadata, idempotencyKey, stripeAccount),
      ),
    updatePaymentIntent: (paymentIntentId, metadata, idempotencyKey, stripeAccount) =>
      tracer.inSpan(
        'stripe paymentIntents.update',
        peerCallSpan(
          'stripe',
          stripeAttributes('stripe.payment_intent.id', paymentIntentId, stripeAccount),
        ),
        () =>
          writeBack.updatePaymentIntent(paymentIntentId, metadata, idempotencyKey, stripeAccount),
      ),
  };
}
