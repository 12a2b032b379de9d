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

/** The Stripe write-backs, each in a span named after stripe-node's method. */
export function tracedStripeWriteBack(writeBack: StripeWriteBack): StripeWriteBack {
  const tracer = getTracer();
  if (!tracer.enabled) return writeBack;
  return {
    updateSession: (sessionId, ...rest) =>
      tracer.inSpan(
        'stripe checkout.sessions.update',
        peerCallSpan('stripe', { 'stripe.checkout_session.id': sessionId }),
        () => writeBack.updateSession(sessionId, ...rest),
      ),
    updatePaymentIntent: (paymentIntentId, ...rest) =>
      tracer.inSpan(
        'stripe paymentIntents.update',
        peerCallSpan('stripe', { 'stripe.payment_intent.id': paymentIntentId }),
        () => writeBack.updatePaymentIntent(paymentIntentId, ...rest),
      ),
  };
}
