import { classifySessionEvent, isSessionEventType } from '../domain/classifyEvent';
import type { SessionSnapshot } from '../domain/sessionSnapshot';
import type { Job } from '../store/ledger';
import { chargeTime, EventEnvelope, objectIdOf, toSessionSnapshot } from '../stripe/sessionPayload';
import { eachPage } from '../stripe/stripeReader';
import type { PaidMoment } from './planTypes';
import {
  EVENT_RETENTION_SECONDS,
  type Read,
  type Resolution,
  type ResolveDeps,
} from './sessionRead';

/** A Checkout Session is paid before it expires, at most 24 h after it was created. */
const COMPLETION_WINDOW_SECONDS = 25 * 3600;

/**
 * A session as Stripe has it now, with the moment it was paid: from the ledger when it
 * recorded the paying event; else (`searchEvents`) the completing event when Stripe still
 * keeps it (30 days); else the PaymentIntent's charge; else (a free session) its creation.
 */
export async function targetFromRead(
  read: Read,
  deps: ResolveDeps,
  searchEvents: boolean,
): Promise<Resolution> {
  const target = (session: SessionSnapshot, paid: PaidMoment | null): Resolution => ({
    target: { sessionId: read.session.id, session, paid, stripeReference: read.reference },
  });
  if (read.session.paymentStatus === 'unpaid') return target(read.session, null);
  const known = fromLedger(await deps.ledger.getJob(read.session.id));
  if (known) return target(read.session, known);
  const event = searchEvents ? await findPayingEvent(read, deps) : undefined;
  if (event) return target(event.session, event.paid);
  return target(read.session, await paidFromCharge(read, deps));
}

// The account a session was read as, kept on the session taken from its event.
const accountOf = (read: Read) =>
  read.session.stripeAccount ? { stripeAccount: read.session.stripeAccount } : {};

export const fromLedger = (job: Job | undefined): PaidMoment | null =>
  job?.paidAt != null
    ? {
        at: job.paidAt,
        eventId: job.paidEventId,
        source: job.paidEventId ? `ledger (${job.paidEventId})` : 'ledger (an earlier replay)',
      }
    : null;

async function findPayingEvent(
  read: Read,
  deps: ResolveDeps,
): Promise<{ session: SessionSnapshot; paid: PaidMoment } | undefined> {
  const now = deps.nowSeconds();
  if (read.created < now - EVENT_RETENTION_SECONDS) return undefined;
  const range = { gte: read.created, lte: Math.min(now, read.created + COMPLETION_WINDOW_SECONDS) };
  // The session's own account (stamped when it was read) lists its events.
  const reader = deps.readers(read.session.stripeAccount);
  for await (const data of eachPage((after) => reader.listSessionEvents(range, after))) {
    for (const raw of data) {
      const event = EventEnvelope.safeParse(raw);
      if (!event.success || objectIdOf(event.data) !== read.session.id) continue;
      const parsed = paidEvent(event.data);
      if (parsed) return { ...parsed, session: { ...parsed.session, ...accountOf(read) } };
    }
  }
  return undefined;
}

/** The session an event carries, and whether that event is the one that made it paid. */
export function paidEvent(
  event: EventEnvelope,
): { session: SessionSnapshot; paid: PaidMoment } | undefined {
  if (!isSessionEventType(event.type)) return undefined;
  const parsed = toSessionSnapshot(event.data.object);
  if (!parsed.ok) return undefined;
  if (classifySessionEvent(event.type, parsed.session.paymentStatus) !== 'paid') return undefined;
  return {
    session: parsed.session,
    paid: { at: event.created, eventId: event.id, source: `event ${event.id}` },
  };
}

async function paidFromCharge(read: Read, deps: ResolveDeps): Promise<PaidMoment> {
  const pi = read.session.paymentIntentId;
  if (pi !== null) {
    const charge = chargeTime(
      await deps.readers(read.session.stripeAccount).retrievePaymentIntent(pi),
    );
    if (charge) {
      return { at: charge.created, eventId: null, source: `charge ${charge.chargeId} (no event)` };
    }
  }
  return { at: read.created, eventId: null, source: 'session creation (no event, no charge)' };
}
