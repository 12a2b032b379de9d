import { isSessionEventType } from '../domain/classifyEvent';
import { withStripeAccount } from '../intake/sessionSite';
import type { Job } from '../store/ledger';
import { EventEnvelope, objectIdOf, toSessionSnapshot } from '../stripe/sessionPayload';
import { fromLedger, paidEvent, targetFromRead } from './paidMoment';
import {
  asJobAccount,
  checkRead,
  firstFound,
  currentReference,
  fail,
  readSession,
  skip,
  type Resolution,
  type ResolveDeps,
} from './sessionRead';

export { EVENT_RETENTION_SECONDS, type Resolution, type ResolveDeps } from './sessionRead';

/**
 * --session: the session as Stripe has it now (see targetFromRead for its paid moment), read
 * as the account the ledger's job names; one the ledger does not know, as `deps` says.
 */
export async function resolveSessionId(id: string, deps: ResolveDeps): Promise<Resolution> {
  const job = await deps.ledger.getJob(id);
  const found = await readSession(id, job ? asJobAccount(job, deps) : deps);
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

/** --event: the event as if it had just been delivered (its own session snapshot and time). */
export async function resolveEventId(id: string, deps: ResolveDeps): Promise<Resolution> {
  const found = await firstFound(deps, (reader) => reader.retrieveEvent(id));
  if (!found) {
    return fail(id, 'no such event (Stripe keeps events for 30 days): use --session instead');
  }
  const event = EventEnvelope.safeParse(found.value);
  if (!event.success) return fail(id, 'Stripe answered something that is not an event');
  const sessionId = objectIdOf(event.data) ?? id;
  if (!isSessionEventType(event.data.type)) {
    return fail(sessionId, `${id} is a ${event.data.type} event, not a Checkout Session event`);
  }
  if (event.data.livemode !== deps.livemode) {
    return skip(sessionId, 'the event is of the other mode than STRIPE_SECRET_KEY');
  }
  return targetFromEvent(event.data, { ...deps, account: found.account, search: undefined });
}

/**
 * A session found through one of its events (--event, and --since within 30 days), stamped
 * with the event's account (or the account it was read as), as intake stamps it.
 */
export async function targetFromEvent(
  listed: EventEnvelope,
  deps: ResolveDeps,
): Promise<Resolution> {
  const event = deps.account && !listed.account ? { ...listed, account: deps.account } : listed;
  const parsed = toSessionSnapshot(event.data.object);
  const objectId = objectIdOf(event) ?? event.id;
  if (!parsed.ok) return fail(objectId, `event ${event.id}: ${parsed.reason}`);
  const paying = paidEvent(event);
  const sessionId = parsed.session.id;
  const session = withStripeAccount(paying?.session ?? parsed.session, event);
  const job = await deps.ledger.getJob(sessionId);
  const paid =
    paying?.paid ?? (job?.state === 'pending' || job?.state === 'done' ? fromLedger(job) : null);
  return {
    target: {
      sessionId,
      session,
      paid,
      stripeReference: await currentReference(sessionId, {
        ...deps,
        account: event.account ?? undefined,
      }),
    },
  };
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
      stripeReference: await currentReference(job.sessionId, asJobAccount(job, deps)),
    },
  };
}
