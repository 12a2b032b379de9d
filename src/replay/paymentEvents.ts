import { mergeFact, noFacts, type PaymentFact } from '../domain/paymentFacts';
import { recordStripeEvent } from '../intake/recordStripeEvent';
import type { Job } from '../store/ledger';
import { isPaymentEventType, readPaymentEvent } from '../stripe/paymentEventPayload';
import { EventEnvelope } from '../stripe/sessionPayload';
import { eachPage } from '../stripe/stripeReader';
import { desiredPermit, livePermitOf, planPermit } from '../worker/livePermit';
import type { SessionOutcome } from './outcome';
import type { SessionReplayDeps } from './sessionDeps';
import { paymentInScope } from './paymentScope';
import type { ScopeDeps } from './scope';
import { siteServicesOf } from './siteServices';
import { resolveSessionId, type Resolution, type ResolveDeps } from './resolveTargets';

/** One session a refund or dispute in the window concerns. */
export interface PaymentItem {
  key: string;
  /** Always undefined: a refund's time is never a --since run's place (see refundedJobs). */
  created: undefined;
  resolve: () => Promise<Resolution>;
}

/** A refund or dispute event, read: its PaymentIntent, what it says, the ledger's jobs of it. */
interface PaymentEvent {
  event: EventEnvelope;
  paymentIntentId: string;
  fact: PaymentFact;
  jobs: Job[];
}

/**
 * The refunds and disputes Stripe has in the window (its Events API: 30 days), as if their
 * webhooks had just arrived: each is recorded through the intake (a duplicate changes
 * nothing), and every session of its payment is then replayed, so that a permit still
 * standing for a refunded payment is revoked by the same steps as a delivered refund. With
 * --dry-run nothing is recorded: a session whose permit such an event would change is
 * reported `would change` (the reconcile report's "refunded, permit still active"). With
 * --site or --account, an event about a payment outside the scope is left alone (paymentScope).
 */
export async function* paymentEventPages(
  range: { gte: number; lte: number },
  resolve: ResolveDeps,
  session: SessionReplayDeps,
  scope: ScopeDeps,
): AsyncGenerator<PaymentItem[]> {
  const reader = resolve.readers(resolve.account);
  for await (const data of eachPage((after) => reader.listPaymentEvents(range, after))) {
    const items: PaymentItem[] = [];
    for (const raw of data) {
      const read = await readOne(raw, resolve);
      if (!read) continue;
      if (!(await paymentInScope(read, resolve, scope))) {
        scope.leftOut?.('event', 1, false);
        continue;
      }
      items.push(
        ...(session.dryRun
          ? await wouldChange(read, resolve, session)
          : await recorded(read, resolve, session)),
      );
    }
    yield items;
  }
}

/** A listed event as a refund or dispute of this mode with a fact about its payment, or not. */
async function readOne(raw: unknown, resolve: ResolveDeps): Promise<PaymentEvent | undefined> {
  const parsed = EventEnvelope.safeParse(raw);
  if (!parsed.success) return undefined;
  // Listed as a connected account: recorded as its webhook would carry it.
  const event =
    resolve.account && !parsed.data.account
      ? { ...parsed.data, account: resolve.account }
      : parsed.data;
  if (!isPaymentEventType(event.type) || event.livemode !== resolve.livemode) return undefined;
  const read = readPaymentEvent(event.type, event.data.object, event.created);
  if (!read.ok || read.paymentIntentId === null || read.fact === null) return undefined;
  const jobs = await resolve.ledger.jobsOfPaymentIntent(read.paymentIntentId);
  return { event, paymentIntentId: read.paymentIntentId, fact: read.fact, jobs };
}

/** Records the event through the intake; each session of its payment is then replayed. */
async function recorded(
  { event, jobs }: PaymentEvent,
  resolve: ResolveDeps,
  session: SessionReplayDeps,
): Promise<PaymentItem[]> {
  await recordStripeEvent(event, {
    ledger: resolve.ledger,
    livemode: resolve.livemode,
    now: session.job.now(),
  });
  // A payment the ledger never saw is replayed by the window's session pass, from its
  // own events, with this refund now known (Stripe's session alone can be stale: an
  // async payment's session may still read `unpaid`).
  return jobs.map(({ sessionId }) => ({
    key: sessionId,
    // Never the run's place: refunds are listed before the window's sessions, so a refund's
    // time as the place would have a resumed run (--until place) skip every session paid
    // after it. A resumed run lists the refunds again (recorded once: events keep their id).
    created: undefined,
    resolve: () => resolveSessionId(sessionId, resolve),
  }));
}

/** --dry-run: the sessions whose permit the event would change, or that it keeps from one. */
async function wouldChange(
  { event, paymentIntentId, fact, jobs }: PaymentEvent,
  resolve: ResolveDeps,
  session: SessionReplayDeps,
): Promise<PaymentItem[]> {
  const items: PaymentItem[] = [];
  const reported = (outcome: SessionOutcome) =>
    items.push({
      key: outcome.sessionId,
      created: undefined, // never the run's place (as above)
      resolve: () => Promise.resolve({ outcome }),
    });
  const facts = mergeFact(
    (await resolve.ledger.getPaymentFacts(paymentIntentId)) ?? noFacts(paymentIntentId),
    fact,
  );
  // A payment the ledger never saw: Stripe says which session it was (none: no Checkout).
  const unknown =
    jobs.length > 0
      ? []
      : (await resolve.readers(resolve.account).sessionsOfPaymentIntent(paymentIntentId)).data
          .map((s) => (s as { id?: unknown }).id)
          .filter((id): id is string => typeof id === 'string');
  const revoking = facts.refundedFull && session.job.policy.onFullRefund !== 'keep';
  for (const sessionId of revoking ? unknown : []) {
    reported({
      sessionId,
      outcome: 'skipped',
      detail: `refunded in full (${event.id}) before the adapter saw it: no permit would be made`,
    });
  }
  for (const job of jobs) {
    const live = livePermitOf(job);
    const services = siteServicesOf(job, session.job);
    const desired = desiredPermit(job, services.mapping);
    if (!live || desired.kind !== 'permit' || desired.permit.action !== 'create') continue;
    const step = planPermit(job, live, desired.permit, facts, {
      ...services,
      now: session.job.now,
    });
    if (step.kind !== 'update' && step.kind !== 'delete') continue;
    reported({
      sessionId: job.sessionId,
      outcome: 'would change',
      plate: live.plate,
      endsAt: live.endsAt,
      referenceId: live.referenceId,
      detail: `${step.why} (${event.id}): the permit would be ${step.status}`,
    });
  }
  return items;
}
