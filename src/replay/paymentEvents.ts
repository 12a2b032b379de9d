import { mergeFact, noFacts } from '../domain/paymentFacts';
import { recordStripeEvent } from '../intake/recordStripeEvent';
import { isPaymentEventType, readPaymentEvent } from '../stripe/paymentEventPayload';
import { EventEnvelope } from '../stripe/sessionPayload';
import { eachPage } from '../stripe/stripeReader';
import { desiredPermit, livePermitOf, planPermit } from '../worker/livePermit';
import type { SessionOutcome } from './outcome';
import type { SessionReplayDeps } from './replaySession';
import { resolveSessionId, type Resolution, type ResolveDeps } from './resolveTargets';

/** One session a refund or dispute in the window concerns. */
export interface PaymentItem {
  key: string;
  created: number;
  resolve: () => Promise<Resolution>;
}

/**
 * The refunds and disputes Stripe has in the window (its Events API: 30 days), as if their
 * webhooks had just arrived: each is recorded through the intake (a duplicate changes
 * nothing), and every session of its payment is then replayed, so that a permit still
 * standing for a refunded payment is revoked by the same steps as a delivered refund. With
 * --dry-run nothing is recorded: a session whose permit such an event would change is
 * reported `would change` (the reconcile report's "refunded, permit still active").
 */
export async function* paymentEventPages(
  range: { gte: number; lte: number },
  resolve: ResolveDeps,
  session: SessionReplayDeps,
): AsyncGenerator<PaymentItem[]> {
  for await (const data of eachPage((after) => resolve.reader.listPaymentEvents(range, after))) {
    const items: PaymentItem[] = [];
    for (const raw of data) {
      const parsed = EventEnvelope.safeParse(raw);
      if (!parsed.success) continue;
      const event = parsed.data;
      if (!isPaymentEventType(event.type) || event.livemode !== resolve.livemode) continue;
      const read = readPaymentEvent(event.type, event.data.object, event.created);
      if (!read.ok || read.paymentIntentId === null || read.fact === null) continue;
      const jobs = await resolve.ledger.jobsOfPaymentIntent(read.paymentIntentId);
      if (!session.dryRun) {
        await recordStripeEvent(event, {
          ledger: resolve.ledger,
          livemode: resolve.livemode,
          now: session.job.now(),
        });
        // A payment the ledger never saw is replayed by the window's session pass, from its
        // own events, with this refund now known (Stripe's session alone can be stale: an
        // async payment's session may still read `unpaid`).
        for (const sessionId of jobs.map((j) => j.sessionId)) {
          items.push({
            key: sessionId,
            created: event.created,
            resolve: () => resolveSessionId(sessionId, resolve),
          });
        }
        continue;
      }
      const facts = mergeFact(
        (await resolve.ledger.getPaymentFacts(read.paymentIntentId)) ??
          noFacts(read.paymentIntentId),
        read.fact,
      );
      // A payment the ledger never saw: Stripe says which session it was (none: no Checkout).
      const unknown =
        jobs.length > 0
          ? []
          : (await resolve.reader.sessionsOfPaymentIntent(read.paymentIntentId)).data
              .map((s) => (s as { id?: unknown }).id)
              .filter((id): id is string => typeof id === 'string');
      const revoking = facts.refundedFull && session.job.policy.onFullRefund !== 'keep';
      for (const sessionId of revoking ? unknown : []) {
        const outcome: SessionOutcome = {
          sessionId,
          outcome: 'skipped',
          detail: `refunded in full (${event.id}) before the adapter saw it: no permit would be made`,
        };
        items.push({
          key: sessionId,
          created: event.created,
          resolve: () => Promise.resolve({ outcome }),
        });
      }
      for (const job of jobs) {
        const live = livePermitOf(job);
        const desired = desiredPermit(job, session.job.mapping);
        if (!live || desired.kind !== 'permit' || desired.permit.action !== 'create') continue;
        const step = planPermit(job, live, desired.permit, facts, session.job);
        if (step.kind !== 'update' && step.kind !== 'delete') continue;
        const outcome: SessionOutcome = {
          sessionId: job.sessionId,
          outcome: 'would change',
          plate: live.plate,
          endsAt: live.endsAt,
          referenceId: live.referenceId,
          detail: `${step.why} (${event.id}): the permit would be ${step.status}`,
        };
        items.push({
          key: job.sessionId,
          created: event.created,
          resolve: () => Promise.resolve({ outcome }),
        });
      }
    }
    yield items;
  }
}
