import { classifySessionEvent } from '../domain/classifyEvent';
import type { SiteDirectory } from '../domain/siteOf';
import { StripeApiError } from '../errors';
import { siteOfSession } from '../intake/sessionSite';
import type { DriverLedger } from '../store/callerLedgers';
import type { Job } from '../store/ledger';
import { chargeTime, readCheckoutSession } from '../stripe/sessionPayload';
import type { StripeReader } from '../stripe/stripeReader';

export interface PageFulfilmentDeps {
  ledger: DriverLedger;
  reader: Pick<StripeReader, 'retrieveSession' | 'retrievePaymentIntent'>;
  /** Mode of STRIPE_SECRET_KEY: a session of the other mode is not found. */
  livemode: boolean;
  now: () => number;
  /** A job was recorded: this process's worker can start it at once. */
  onJobRecorded?: () => void;
  /** The configured sites: a session recorded here gets its site as its webhook would. */
  sites?: SiteDirectory | undefined;
}

export type PageFulfilment =
  | { kind: 'recorded'; job: Job }
  /** Stripe has no such session of this mode, or one not completed: nothing to show. */
  | { kind: 'not_found'; why: string };

/**
 * The page's half of Stripe's "fulfil from the webhook and from the landing page": a session
 * the ledger does not know yet is read from Stripe and, once completed, recorded exactly as
 * its webhook would be — the same ledger call, so the same intake rule and one job per
 * session, however many page loads, deliveries and replays race. Its events row is
 * `page:<session>:<payment status>` (the source, and once per status: a delayed payment
 * read again after the bank confirmed it is recorded as paid). The permit's start is the
 * moment the PaymentIntent was charged (no event is at hand; the webhook's event, a second
 * or so later, finds the job made and changes nothing); a free session's, its creation.
 * Throws StripeApiError when Stripe cannot be read (the page says so and tries again).
 * `traceContext`: the page's span, stored with the job it records (tracing on).
 */
export async function fulfilFromPage(
  sessionId: string,
  deps: PageFulfilmentDeps,
  traceContext?: string,
): Promise<PageFulfilment> {
  let raw: unknown;
  try {
    raw = await deps.reader.retrieveSession(sessionId);
  } catch (err) {
    if (err instanceof StripeApiError && err.statusCode === 404) {
      return { kind: 'not_found', why: 'no such Checkout Session' };
    }
    throw err;
  }
  const read = readCheckoutSession(raw);
  if (!read.ok) return { kind: 'not_found', why: read.reason };
  if (read.session.livemode !== deps.livemode) {
    return { kind: 'not_found', why: 'a session of the other mode than STRIPE_SECRET_KEY' };
  }
  if (read.status !== 'complete') {
    return { kind: 'not_found', why: `the session is ${read.status ?? 'not complete'}` };
  }
  const session = read.session;
  const action = classifySessionEvent('checkout.session.completed', session.paymentStatus);
  let paidAt = read.created;
  if (action === 'paid' && session.paymentIntentId !== null) {
    paidAt =
      chargeTime(await deps.reader.retrievePaymentIntent(session.paymentIntentId))?.created ??
      paidAt;
  }
  const now = deps.now();
  const outcome = await deps.ledger.recordSessionEvent({
    eventId: `page:${session.id}:${session.paymentStatus}`,
    eventType: 'page.checkout_session',
    eventCreated: paidAt,
    action,
    session,
    receivedAt: now,
    traceContext,
    site: siteOfSession(session, deps.sites),
  });
  if (outcome.event === 'recorded' && outcome.job !== 'unchanged') deps.onJobRecorded?.();
  const job = await deps.ledger.getJob(session.id);
  if (!job) throw new Error(`job ${session.id} missing right after it was recorded`);
  return { kind: 'recorded', job };
}
