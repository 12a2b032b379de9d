import type { SessionSnapshot } from './sessionSnapshot';

/**
 * What an event means for its Checkout Session (README, "Pointing Stripe at it"):
 * - `paid`: the session is paid now; it becomes a permit job.
 * - `awaiting_payment`: completed with a delayed method; wait for async_payment_succeeded.
 * - `payment_failed`: the delayed payment failed; recorded, no permit.
 * Any other event type is not acted on (see isSessionEventType).
 */
export type SessionEventAction = 'paid' | 'awaiting_payment' | 'payment_failed';

export const SESSION_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
] as const;
export type SessionEventType = (typeof SESSION_EVENT_TYPES)[number];

export function isSessionEventType(type: string): type is SessionEventType {
  return (SESSION_EVENT_TYPES as readonly string[]).includes(type);
}

export function classifySessionEvent(
  type: SessionEventType,
  paymentStatus: SessionSnapshot['paymentStatus'],
): SessionEventAction {
  switch (type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return paymentStatus === 'unpaid' ? 'awaiting_payment' : 'paid';
    case 'checkout.session.async_payment_failed':
      return 'payment_failed';
  }
}
