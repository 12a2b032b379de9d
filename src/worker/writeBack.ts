import type { LivePermit } from '../domain/permitLife';
import type { JobState, WriteBackTarget } from '../store/ledger';
import type { WriteBackMetadata } from '../stripe/stripeWriteBack';
import { LeaseLost, type HeldJob } from './jobContext';

/** What Stripe's metadata says of a permit. */
export type WrittenPermit = Pick<
  LivePermit,
  'referenceId' | 'internalReferenceId' | 'endsAt' | 'status' | 'replaced'
>;

/**
 * Writes the permit into the Checkout Session's and the PaymentIntent's metadata, each recorded
 * once Stripe took it; the last finishes the job at its revision. Resolves the job's state then:
 * done, or still pending (a refund or correction arrived meanwhile).
 */
export async function writeBack(held: HeldJob, live: WrittenPermit): Promise<JobState> {
  const { job, deps } = held;
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
  const recordWritten = async (target: WriteBackTarget, finished: boolean): Promise<JobState> => {
    const state = await deps.ledger.recordWriteBack(held.lease(), target, finished, job.revision);
    if (state === false) throw new LeaseLost();
    return state;
  };
  let state: JobState | undefined;
  // A connected account's session and PaymentIntent are found only under its Stripe-Account.
  const account = job.session.stripeAccount ?? undefined;
  const session = () => deps.stripe.updateSession(job.sessionId, metadata, key('session'), account);
  const paymentIntent = (id: string) =>
    deps.stripe.updatePaymentIntent(id, metadata, key('payment_intent'), account);
  if (job.sessionWrittenAt === null && paymentIntentId !== null && piPending) {
    // Side by side: each write is keyed and recorded, so one that fails alone is done again
    // alone (the other, recorded, is not).
    const [s, p] = await Promise.allSettled([session(), paymentIntent(paymentIntentId)]);
    if (s.status === 'fulfilled' && p.status === 'fulfilled') return recordWritten('both', true);
    const done =
      s.status === 'fulfilled' ? 'session' : p.status === 'fulfilled' ? 'payment_intent' : null;
    if (done) await recordWritten(done, false);
    throw s.status === 'rejected' ? s.reason : (p as PromiseRejectedResult).reason;
  }
  if (job.sessionWrittenAt === null) {
    await session();
    state = await recordWritten('session', !piPending);
  }
  if (paymentIntentId !== null && piPending) {
    await paymentIntent(paymentIntentId);
    state = await recordWritten('payment_intent', true);
  }
  // Every write was already recorded; only the final state was missing.
  if (job.sessionWrittenAt !== null && !piPending) state = await recordWritten('session', true);
  return state ?? 'pending';
}
