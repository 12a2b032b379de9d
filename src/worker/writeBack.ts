import type { LivePermit } from '../domain/permitLife';

/** What Stripe's metadata says of a permit. */
export type WrittenPermit = Pick<
  LivePermit,
  'referenceId' | 'internalReferenceId' | 'endsAt' | 'status' | 'replaced'
>;
import type { JobState } from '../store/ledger';
import type { WriteBackMetadata } from '../stripe/stripeWriteBack';
import { LeaseLost, type JobRun } from './jobContext';

/**
 * Writes the live permit into the Checkout Session's metadata and the PaymentIntent's, side by
 * side, each recorded as done once Stripe took it; the last write finishes the job (at the
 * revision it was run for). Resolves the job's state after the last write: done, or still pending (its revision
 * moved: a refund or correction arrived meanwhile).
 */
export async function writeBack(run: JobRun, live: WrittenPermit): Promise<JobState> {
  const { job, deps } = run;
  const metadata: WriteBackMetadata = {
    opscom_reference_id: live.referenceId,
    opscom_internal_reference_id: live.internalReferenceId ?? '',
    opscom_end_time: live.endsAt,
    opscom_permit_status: live.status,
    ...(live.replaced ? { opscom_replaced_reference_id: live.replaced } : {}),
  };
  const paymentIntentId = job.session.paymentIntentId;
  const piPending = paymentIntentId !== null && job.paymentIntentWrittenAt === null;
  // The key names the session, the target, the reference and the round: a retry of the same
  // write is replayed by Stripe, while a later write (a change of the permit, or the same one
  // written again by replay) is a new request that Stripe applies.
  const round = job.writeBackRound === 0 ? '' : `:round-${job.writeBackRound}`;
  const key = (target: string) =>
    `opscom-writeback:${job.sessionId}:${target}:${live.referenceId}${round}`;
  const stored = (state: JobState | false): JobState => {
    if (state === false) throw new LeaseLost();
    return state;
  };
  let state: JobState | undefined;
  const session = () => deps.stripe.updateSession(job.sessionId, metadata, key('session'));
  const paymentIntent = (id: string) =>
    deps.stripe.updatePaymentIntent(id, metadata, key('payment_intent'));
  if (job.sessionWrittenAt === null && paymentIntentId !== null && piPending) {
    // Side by side: each write is keyed and recorded, so one that fails alone is done again
    // alone (the other, recorded, is not).
    const [s, p] = await Promise.allSettled([session(), paymentIntent(paymentIntentId)]);
    if (s.status === 'fulfilled' && p.status === 'fulfilled') {
      return stored(await deps.ledger.recordWriteBack(run.lease(), 'both', true, job.revision));
    }
    const done =
      s.status === 'fulfilled' ? 'session' : p.status === 'fulfilled' ? 'payment_intent' : null;
    if (done) stored(await deps.ledger.recordWriteBack(run.lease(), done, false, job.revision));
    throw s.status === 'rejected' ? s.reason : (p as PromiseRejectedResult).reason;
  }
  if (job.sessionWrittenAt === null) {
    await session();
    state = stored(
      await deps.ledger.recordWriteBack(run.lease(), 'session', !piPending, job.revision),
    );
  }
  if (paymentIntentId !== null && piPending) {
    await paymentIntent(paymentIntentId);
    state = stored(
      await deps.ledger.recordWriteBack(run.lease(), 'payment_intent', true, job.revision),
    );
  }
  if (job.sessionWrittenAt !== null && !piPending) {
    // Every step was already stored; only the final state was missing.
    state = stored(await deps.ledger.recordWriteBack(run.lease(), 'session', true, job.revision));
  }
  return state ?? 'pending';
}
