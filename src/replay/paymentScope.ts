import type { Job } from '../store/ledger';
import { toSessionSnapshot, type EventEnvelope } from '../stripe/sessionPayload';
import { isScoped, jobInScope, sessionInScope, type ScopeDeps } from './scope';
import type { ResolveDeps } from './sessionRead';

/** A refund or dispute as paymentEvents.ts reads it: its event, payment, the ledger's jobs. */
export interface ScopedPayment {
  event: EventEnvelope;
  paymentIntentId: string;
  jobs: Job[];
}

/**
 * Whether a refund or dispute in a window is about a payment of the run's --site/--account.
 * One that is not is left alone: not recorded (that site's own run, or its webhook, records
 * it), and told to the operator as left out.
 *
 * - With --account (a site with a connected account) the window lists only that account's
 *   events: a Connect event's payment is its account's site's (as intake decides).
 * - Otherwise its payment's site is its jobs' site, as the worker routes them (every job of
 *   the payment must be of the site: recording a payment's event wakes all its jobs).
 * - A payment the ledger has no job for is placed by its Checkout Session, read from Stripe
 *   (one read, only in a --site run). Skipping such a refund would be the worse choice: the
 *   window's session pass would then replay that session without the refund known and make
 *   a permit for a payment already refunded. A payment Stripe has no Checkout Session for is
 *   no site's (no permit can come of it): left alone.
 */
export async function paymentInScope(
  payment: ScopedPayment,
  resolve: ResolveDeps,
  deps: ScopeDeps,
): Promise<boolean> {
  if (!isScoped(deps)) return true;
  const account = payment.event.account || undefined;
  if (deps.scope.account !== undefined) return account === deps.scope.account;
  if (payment.jobs.length > 0) return payment.jobs.every((job) => jobInScope(job, deps));
  const listed = await resolve.readers(account).sessionsOfPaymentIntent(payment.paymentIntentId);
  const sessions = listed.data.flatMap((raw) => {
    const parsed = toSessionSnapshot(raw);
    if (!parsed.ok) return [];
    return [account === undefined ? parsed.session : { ...parsed.session, stripeAccount: account }];
  });
  return sessions.length > 0 && sessions.every((s) => sessionInScope(s, undefined, deps));
}
