import { classifySessionEvent, isSessionEventType } from '../domain/classifyEvent';
import type { SessionSnapshot } from '../domain/sessionSnapshot';
import { StripeApiError } from '../errors';
import type { Job, Ledger } from '../store/ledger';
import {
  chargeTime,
  EventEnvelope,
  objectIdOf,
  readCheckoutSession,
  toSessionSnapshot,
  type CheckoutSessionRead,
  type StripeReference,
} from '../stripe/sessionPayload';
import { eachPage, type StripeReader } from '../stripe/stripeReader';
import type { SessionOutcome } from './outcome';
import type { PaidMoment, ReplayTarget } from './planReplay';

export interface ResolveDeps {
  reader: StripeReader;
  ledger: Ledger;
  /** Mode of STRIPE_SECRET_KEY: sessions of the other mode are never acted on. */
  livemode: boolean;
  /** Unix seconds now. */
  nowSeconds: () => number;
  /**
   * The OPSCOM reference in each session's Stripe metadata now, from listing sessions in bulk
   * (a --since window); a session not in it is read on its own.
   */
  references?: ReadonlyMap<string, StripeReference | null>;
}

/** A session to replay, or why it cannot be (reported as is, nothing written). */
export type Resolution = { target: ReplayTarget } | { outcome: SessionOutcome };

/** Stripe keeps events for 30 days; older sessions are found by listing sessions instead. */
export const EVENT_RETENTION_SECONDS = 30 * 24 * 3600;
/** A Checkout Session is paid before it expires, at most 24 h after it was created. */
const COMPLETION_WINDOW_SECONDS = 25 * 3600;

type Read = Extract<CheckoutSessionRead, { ok: true }>;

const skip = (sessionId: string, detail: string): Resolution => ({
  outcome: { sessionId, outcome: 'skipped', detail },
});
const fail = (sessionId: string, detail: string): Resolution => ({
  outcome: { sessionId, outcome: 'failed', detail },
});

async function readSession(
  id: string,
  deps: ResolveDeps,
): Promise<{ read: Read } | { resolution: Resolution }> {
  let raw: unknown;
  try {
    raw = await deps.reader.retrieveSession(id);
  } catch (err) {
    if (err instanceof StripeApiError && err.statusCode === 404) {
      return { resolution: fail(id, 'no such Checkout Session in this Stripe account and mode') };
    }
    throw err;
  }
  return checkRead(raw, id, deps);
}

/** A Checkout Session object from Stripe, readable and of the key's mode, or why not. */
function checkRead(
  raw: unknown,
  id: string,
  deps: ResolveDeps,
): { read: Read } | { resolution: Resolution } {
  const read = readCheckoutSession(raw);
  if (!read.ok) return { resolution: fail(id, read.reason) };
  if (read.session.livemode !== deps.livemode) {
    return { resolution: skip(id, 'the session is of the other mode than STRIPE_SECRET_KEY') };
  }
  return { read };
}

/**
 * A session as Stripe has it now, with the moment it was paid: from the ledger when it
 * recorded the paying event; else (`searchEvents`) the completing event when Stripe still
 * keeps it (30 days); else the PaymentIntent's charge; else (a free session) its creation.
 */
async function targetFromRead(
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

const fromLedger = (job: Job | undefined): PaidMoment | null =>
  job?.paidAt != null
    ? {
        at: job.paidAt,
        eventId: job.paidEventId,
        source: job.paidEventId ? `ledger (${job.paidEventId})` : 'ledger (an earlier replay)',
      }
    : null;

/** --session: the session as Stripe has it now (see targetFromRead for its paid moment). */
export async function resolveSessionId(id: string, deps: ResolveDeps): Promise<Resolution> {
  const found = await readSession(id, deps);
  if ('resolution' in found) return found.resolution;
  if (found.read.status !== 'complete') {
    return skip(id, `unpaid (session is ${found.read.status ?? '?'})`);
  }
  return targetFromRead(found.read, deps, true);
}

/**
 * --session with a correction: a session the ledger holds as paid is taken from the ledger,
 * without asking Stripe, so that the correction is recorded (and applied) even while Stripe
 * cannot be read. Stripe is asked only where the ledger cannot say: a session it does not
 * know, or one it holds as not paid yet (Stripe may know better). A ledger restored from an
 * older backup may lack a permit Stripe's metadata has: run `replay --since` over the backup's
 * gap first (it adopts those), then correct.
 */
export async function resolveForCorrection(id: string, deps: ResolveDeps): Promise<Resolution> {
  const job = await deps.ledger.getJob(id);
  const paid = fromLedger(job);
  const paidInLedger =
    job !== undefined &&
    paid !== null &&
    job.livemode === deps.livemode &&
    (job.state === 'pending' ||
      job.state === 'done' ||
      job.state === 'failed' ||
      job.state === 'dead');
  if (!paidInLedger) return resolveSessionId(id, deps);
  return { target: { sessionId: id, session: job.session, paid, stripeReference: undefined } };
}

async function findPayingEvent(
  read: Read,
  deps: ResolveDeps,
): Promise<{ session: SessionSnapshot; paid: PaidMoment } | undefined> {
  const now = deps.nowSeconds();
  if (read.created < now - EVENT_RETENTION_SECONDS) return undefined;
  const range = { gte: read.created, lte: Math.min(now, read.created + COMPLETION_WINDOW_SECONDS) };
  for await (const data of eachPage((after) => deps.reader.listSessionEvents(range, after))) {
    for (const raw of data) {
      const event = EventEnvelope.safeParse(raw);
      if (!event.success || objectIdOf(event.data) !== read.session.id) continue;
      const parsed = paidEvent(event.data);
      if (parsed) return parsed;
    }
  }
  return undefined;
}

/** The session an event carries, and whether that event is the one that made it paid. */
function paidEvent(
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
    const charge = chargeTime(await deps.reader.retrievePaymentIntent(pi));
    if (charge) {
      return { at: charge.created, eventId: null, source: `charge ${charge.chargeId} (no event)` };
    }
  }
  return { at: read.created, eventId: null, source: 'session creation (no event, no charge)' };
}

/** --event: the event as if it had just been delivered (its own session snapshot and time). */
export async function resolveEventId(id: string, deps: ResolveDeps): Promise<Resolution> {
  let raw: unknown;
  try {
    raw = await deps.reader.retrieveEvent(id);
  } catch (err) {
    if (err instanceof StripeApiError && err.statusCode === 404) {
      return fail(id, 'no such event (Stripe keeps events for 30 days): use --session instead');
    }
    throw err;
  }
  const event = EventEnvelope.safeParse(raw);
  if (!event.success) return fail(id, 'Stripe answered something that is not an event');
  const sessionId = objectIdOf(event.data) ?? id;
  if (!isSessionEventType(event.data.type)) {
    return fail(sessionId, `${id} is a ${event.data.type} event, not a Checkout Session event`);
  }
  if (event.data.livemode !== deps.livemode) {
    return skip(sessionId, 'the event is of the other mode than STRIPE_SECRET_KEY');
  }
  return targetFromEvent(event.data, deps);
}

/** A session found through one of its events (--event, and --since within 30 days). */
export async function targetFromEvent(
  event: EventEnvelope,
  deps: ResolveDeps,
): Promise<Resolution> {
  const parsed = toSessionSnapshot(event.data.object);
  const objectId = objectIdOf(event) ?? event.id;
  if (!parsed.ok) return fail(objectId, `event ${event.id}: ${parsed.reason}`);
  const paying = paidEvent(event);
  const sessionId = parsed.session.id;
  const job = await deps.ledger.getJob(sessionId);
  const paid =
    paying?.paid ?? (job?.state === 'pending' || job?.state === 'done' ? fromLedger(job) : null);
  return {
    target: {
      sessionId,
      session: paying?.session ?? parsed.session,
      paid,
      stripeReference: await currentReference(sessionId, deps),
    },
  };
}

/**
 * The reference in the session's Stripe metadata now, checked for every session, also those
 * the ledger has done: that is how a write-back lost on Stripe's side is found and repaired.
 */
async function currentReference(
  sessionId: string,
  deps: ResolveDeps,
): Promise<ReplayTarget['stripeReference']> {
  const known = deps.references?.get(sessionId);
  if (known !== undefined) return known;
  const found = await readSession(sessionId, deps);
  return 'read' in found ? found.read.reference : undefined;
}

/** A session found by listing Checkout Sessions (--since beyond Stripe's 30 days of events). */
export async function targetFromListedSession(
  raw: unknown,
  deps: ResolveDeps,
): Promise<Resolution> {
  const rawId = (raw as { id?: unknown } | null)?.id;
  const found = checkRead(raw, typeof rawId === 'string' ? rawId : '?', deps);
  return 'resolution' in found ? found.resolution : targetFromRead(found.read, deps, false);
}

/** --failed: a job the ledger holds as failed or dead, checked against Stripe's metadata. */
export async function targetFromJob(job: Job, deps: ResolveDeps): Promise<Resolution> {
  return {
    target: {
      sessionId: job.sessionId,
      session: job.session,
      paid: fromLedger(job),
      stripeReference: await currentReference(job.sessionId, deps),
    },
  };
}
