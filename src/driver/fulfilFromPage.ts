import { classifySessionEvent } from '../domain/classifyEvent';
import type { SiteDirectory } from '../domain/siteOf';
import { StripeApiError } from '../errors';
import { siteOfSession } from '../intake/sessionSite';
import type { DriverLedger } from '../store/callerLedgers';
import type { Job } from '../store/ledger';
import {
  chargeTime,
  readCheckoutSession,
  type CheckoutSessionRead,
} from '../stripe/sessionPayload';
import type { StripeReader } from '../stripe/stripeReader';

export interface PageFulfilmentDeps {
  ledger: DriverLedger;
  /** Stripe's reads as each account (the platform's for none): stripeReaders. */
  readers: (
    account?: string | null,
  ) => Pick<StripeReader, 'retrieveSession' | 'retrievePaymentIntent'>;
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
  | { kind: 'not_found'; why: string; account: string | undefined };

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
  known?: KnownAccount,
): Promise<PageFulfilment> {
  const found = await retrieveSession(sessionId, deps, known);
  if (!found.raw)
    return { kind: 'not_found', why: 'no such Checkout Session', account: found.account };
  const notFound = (why: string): PageFulfilment => ({
    kind: 'not_found',
    why,
    account: found.account,
  });
  const read = readAs(found.raw, found.account);
  if (!read.ok) return notFound(read.reason);
  if (read.session.livemode !== deps.livemode) {
    return notFound('a session of the other mode than STRIPE_SECRET_KEY');
  }
  if (read.status !== 'complete')
    return notFound(`the session is ${read.status ?? 'not complete'}`);
  const session = read.session;
  const action = classifySessionEvent('checkout.session.completed', session.paymentStatus);
  let paidAt = read.created;
  if (action === 'paid' && session.paymentIntentId !== null) {
    const reader = deps.readers(found.account);
    paidAt =
      chargeTime(await reader.retrievePaymentIntent(session.paymentIntentId))?.created ?? paidAt;
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

/** The account to read a session as (undefined: the platform), and why that one. */
export interface KnownAccount {
  account: string | undefined;
  /**
   * Read the platform too when the account has no such session: the success URL named a
   * Connect site, but the payment may be the platform's own (a destination charge).
   */
  platformToo?: boolean;
  /** What the success URL's `?site=` named (for the logs); undefined: the ledger's job. */
  hint?: string;
}

/**
 * The session as the account that may have it: the job's own when the ledger knows it, else
 * the site the success URL names (`?site=`, configured ids only; then the platform, once, if
 * that account has none), else the platform. Never a search across accounts: a lookup is one
 * Stripe read (two with a Connect site's hint), whatever the number of sites, and never an
 * account taken from the URL. `raw` undefined: no such session (as `account`, the last read).
 */
async function retrieveSession(
  sessionId: string,
  deps: PageFulfilmentDeps,
  known: KnownAccount | undefined,
): Promise<{ raw: unknown; account: string | undefined }> {
  const account = known?.account;
  const raw = await readOrNone(deps, account, sessionId);
  if (raw !== undefined || account === undefined || !known?.platformToo) return { raw, account };
  return { raw: await readOrNone(deps, undefined, sessionId), account: undefined };
}

async function readOrNone(
  deps: PageFulfilmentDeps,
  account: string | undefined,
  sessionId: string,
): Promise<unknown> {
  try {
    return await deps.readers(account).retrieveSession(sessionId);
  } catch (err) {
    if (err instanceof StripeApiError && err.statusCode === 404) return undefined;
    throw err;
  }
}

/** A session read as a connected account, stamped with it (the object does not name it). */
function readAs(raw: unknown, account: string | undefined): CheckoutSessionRead {
  const read = readCheckoutSession(raw);
  if (!read.ok || account === undefined) return read;
  return { ...read, session: { ...read.session, stripeAccount: account } };
}
