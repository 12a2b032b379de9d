import { startHarness, type Harness } from '../support/harness';
import { runReplayCli, seedPaidSession } from '../support/replay';
import { harnessStores } from '../support/ledgerStores';
import { waitFor } from '../support/serverProcess';
import { makeEvent, makeSession, uniqueId } from '../support/stripeFixtures';

// Refunds and disputes reach the permit in OPSCOM through the same durable job as its create,
// on both ledgers: delivered as Stripe delivers them (signed, in any order, twice).
describe.each(harnessStores)('on the %s ledger', (_name, storeEnv) => {
  let h: Harness;
  afterEach(() => h?.close());
  const start = async (env: Record<string, string> = {}) => {
    h = await startHarness({ ...(await storeEnv()), ...env });
  };

  /** A paid two-hour session, 20.00 CAD, delivered and done: its job and its permit. */
  async function paidAndDone() {
    const session = makeSession({
      amount_total: 2000,
      metadata: { plate: 'AB123', duration: '120' },
    });
    h.stripe.addSession(session);
    expect((await h.post(makeEvent('checkout.session.completed', session))).status).toBe(200);
    const job = await h.waitForJob(session.id, ['done']);
    return { session, job, permit: h.opscom.permits.get(job.opscom!.referenceId)! };
  }

  const charge = (
    paymentIntent: string | null,
    amountRefunded: number,
    amount = 2000,
  ): Record<string, unknown> => ({
    id: uniqueId('ch'),
    object: 'charge',
    payment_intent: paymentIntent,
    amount,
    amount_refunded: amountRefunded,
    refunded: amountRefunded >= amount,
  });
  const refunded = (pi: string | null, amountRefunded: number, created?: number) =>
    makeEvent('charge.refunded', charge(pi, amountRefunded), created ? { created } : {});

  /** Waits until the job is done again after a change was recorded for it. */
  const doneAgain = (sessionId: string, revision: number) =>
    waitFor('the job done again', async () => {
      const j = await h.adapter.ledger.getJob(sessionId);
      return j?.state === 'done' && j.revision > revision ? j : undefined;
    });

  test('a full refund deletes the permit (ON_FULL_REFUND=delete), once, and Stripe says so', async () => {
    await start();
    const { session, job, permit } = await paidAndDone();
    const pi = session.payment_intent as string;
    const event = refunded(pi, 2000);
    expect((await h.post(event)).body).toMatchObject({ outcome: 'recorded_payment_event' });
    expect((await h.post(event)).body).toMatchObject({ outcome: 'duplicate' });
    const after = await doneAgain(session.id, job.revision);
    expect(permit.deleted).toBe(true);
    expect(h.opscom.received.map((r) => r.path.split('/').at(-1))).toEqual(['push', 'delete']);
    expect(after.live).toMatchObject({ status: 'deleted', referenceId: permit.referenceId });
    for (const metadata of [
      h.stripe.sessions.get(session.id)?.metadata,
      h.stripe.paymentIntents.get(pi)?.metadata,
    ]) {
      expect(metadata).toMatchObject({
        opscom_reference_id: permit.referenceId,
        opscom_permit_status: 'deleted',
      });
    }
    const notes = (await h.adapter.ledger.listEvents(session.id)).map((e) => e.outcome);
    expect(notes).toEqual(expect.arrayContaining(['paid', 'refund', 'permit.changed']));
  });

  test('a full refund ends the permit now (ON_FULL_REFUND=end): never a past end', async () => {
    await start({ ON_FULL_REFUND: 'end' });
    const { session, job, permit } = await paidAndDone();
    const before = permit.endTime;
    // Refunded ten minutes ago (Stripe's clock): ending then would be a past end.
    await h.post(
      refunded(session.payment_intent as string, 2000, Math.floor(Date.now() / 1000) - 600),
    );
    const after = await doneAgain(session.id, job.revision);
    expect(after.live?.status).toBe('ended');
    expect(permit.deleted).toBe(false);
    expect(permit.endTime < before).toBe(true);
    const sentEnd = h.opscom.received.at(-1)!.body['endTime'] as string;
    const endedAt = Date.parse(after.live!.endsAt);
    expect(endedAt).toBeGreaterThanOrEqual(Date.now() - 60_000);
    expect(sentEnd).toBe(permit.endTime);
    expect(h.stripe.sessions.get(session.id)?.metadata['opscom_permit_status']).toBe('ended');
  });

  test('a partial refund shortens the permit to the share still paid (ON_PARTIAL_REFUND=shorten)', async () => {
    await start({ ON_PARTIAL_REFUND: 'shorten' });
    const { session, job, permit } = await paidAndDone();
    // A quarter refunded: 90 of the 120 minutes remain, 15.00 of 20.00.
    await h.post(refunded(session.payment_intent as string, 500));
    const after = await doneAgain(session.id, job.revision);
    expect(after.live).toMatchObject({ status: 'shortened', amount: '15.00' });
    const startedAt = Date.parse(job.live!.endsAt) - 120 * 60_000;
    expect(Date.parse(after.live!.endsAt) - startedAt).toBe(90 * 60_000);
    expect(permit.amount).toBe('15.00');
    // The same refund again (a second event with the same cumulative amount): nothing more.
    await h.post(refunded(session.payment_intent as string, 500));
    const again = await doneAgain(session.id, after.revision);
    expect(again.writeBackRound).toBe(after.writeBackRound);
    expect(h.opscom.received.map((r) => r.path.split('/').at(-1))).toEqual(['push', 'update']);
  });

  test('a partial refund under the default policy (keep) changes nothing in OPSCOM', async () => {
    await start();
    const { session, job } = await paidAndDone();
    await h.post(refunded(session.payment_intent as string, 500));
    await doneAgain(session.id, job.revision);
    expect(h.opscom.received).toHaveLength(1);
  });

  test('a refund that arrives before its payment: the job is cancelled, nothing is created', async () => {
    await start();
    const session = makeSession({ amount_total: 2000 });
    h.stripe.addSession(session);
    const early = await h.post(refunded(session.payment_intent as string, 2000));
    expect(early.body).toMatchObject({ outcome: 'recorded_payment_event' });
    await h.post(makeEvent('checkout.session.completed', session));
    const job = await h.waitForJob(session.id, ['cancelled']);
    expect(job.lastError).toMatch(/full refund before its permit was made: none was created/);
    expect(h.opscom.received).toHaveLength(0);
  });

  test('a refund larger than the session total counts as full', async () => {
    await start();
    const { session, job, permit } = await paidAndDone();
    await h.post(
      makeEvent('charge.refunded', {
        ...charge(session.payment_intent as string, 2500, 2500),
        refunded: false,
      }),
    );
    await doneAgain(session.id, job.revision);
    expect(permit.deleted).toBe(true);
  });

  test('a refund of a session whose job failed: recorded, nothing to revoke', async () => {
    await start();
    const session = makeSession({ metadata: { plate: 'WAY TOO LONG 123', duration: '60' } });
    h.stripe.addSession(session);
    await h.post(makeEvent('checkout.session.completed', session));
    await h.waitForJob(session.id, ['failed']);
    expect((await h.post(refunded(session.payment_intent as string, 1450))).body).toMatchObject({
      outcome: 'recorded_payment_event',
    });
    expect(await h.adapter.ledger.getJob(session.id)).toMatchObject({
      state: 'failed',
      revision: 0,
    });
    expect(await h.adapter.ledger.getPaymentFacts(session.payment_intent as string)).toMatchObject({
      amountRefunded: 1450,
    });
    expect(h.opscom.received).toHaveLength(0);
  });

  test('a permit already gone from OPSCOM (9009 on delete) is taken as deleted', async () => {
    await start();
    const { session, job, permit } = await paidAndDone();
    permit.deleted = true; // removed in OPSCOM by someone else
    await h.post(refunded(session.payment_intent as string, 2000));
    const after = await doneAgain(session.id, job.revision);
    expect(after.live?.status).toBe('deleted');
    expect(h.opscom.received.at(-1)?.answered).toBe('error 9009');
    expect(h.logs()).toMatch(/OPSCOM had no such permit to delete \(9009\): taken as gone/);
  });

  test('a dispute deletes the permit under ON_DISPUTE=delete; its closing is recorded', async () => {
    await start({ ON_DISPUTE: 'delete' });
    const { session, job, permit } = await paidAndDone();
    const dispute = {
      id: uniqueId('dp'),
      object: 'dispute',
      payment_intent: session.payment_intent,
      status: 'needs_response',
    };
    await h.post(makeEvent('charge.dispute.created', dispute));
    const after = await doneAgain(session.id, job.revision);
    expect(permit.deleted).toBe(true);
    await h.post(makeEvent('charge.dispute.closed', { ...dispute, status: 'won' }));
    await doneAgain(session.id, after.revision);
    expect(await h.adapter.ledger.getPaymentFacts(session.payment_intent as string)).toMatchObject({
      dispute: { status: 'closed', outcome: 'won' },
    });
    expect(h.opscom.received).toHaveLength(2); // nothing re-created
  });

  test('a refund that failed after the permit was deleted is flagged for a person, nothing re-created', async () => {
    await start();
    const { session, job } = await paidAndDone();
    const pi = session.payment_intent as string;
    await h.post(refunded(pi, 2000));
    const deleted = await doneAgain(session.id, job.revision);
    const refund = { id: uniqueId('re'), object: 'refund', payment_intent: pi, status: 'failed' };
    await h.post(makeEvent('refund.failed', refund));
    await doneAgain(session.id, deleted.revision);
    expect(h.logs()).toMatch(/a refund failed after its permit was revoked: the payment stands/);
    expect((await h.adapter.ledger.listEvents(session.id)).map((e) => e.outcome)).toContain(
      'permit.refund_failed',
    );
    expect(h.opscom.received.map((r) => r.path.split('/').at(-1))).toEqual(['push', 'delete']);
  });

  test('a refund of a charge with no PaymentIntent (not a Checkout payment): 200, not acted on', async () => {
    await start();
    const res = await h.post(refunded(null, 100));
    expect(res).toEqual({ status: 200, body: { received: true, outcome: 'not_checkout' } });
    expect(h.opscom.received).toHaveLength(0);
  });
});

describe('replay --since and refunds whose webhooks never arrived', () => {
  let h: Harness;
  afterEach(() => h?.close());

  test('--dry-run reports the permit still standing; the run itself revokes it, once', async () => {
    h = await startHarness();
    const { session, event } = seedPaidSession(h, { amount_total: 2000 });
    await h.post(event);
    const done = await h.waitForJob(session.id, ['done']);
    // Refunded in full on Stripe, but the webhook was lost: only Stripe's Events API has it.
    const refund = makeEvent('charge.refunded', {
      id: uniqueId('ch'),
      object: 'charge',
      payment_intent: session.payment_intent,
      amount: 2000,
      amount_refunded: 2000,
      refunded: true,
    });
    h.stripe.addEvent({ ...refund, created: Math.floor(Date.now() / 1000) });
    const since = new Date(Date.now() - 3600_000).toISOString();

    const report = await runReplayCli(h, ['--since', since, '--dry-run']);
    expect(report.stdout).toMatch(
      /would change: full refund \(evt_\w+\): the permit would be deleted/,
    );
    expect(report.stdout).toMatch(/refunded, permit still active: {6}1/);
    expect(h.opscom.received).toHaveLength(1);

    const run = await runReplayCli(h, ['--since', since, '--json']);
    // Replay or the running adapter (beside which it runs) makes the change: once either way.
    expect([
      'updated: permit deleted',
      'already done: done by another process meanwhile',
    ]).toContain(
      `${run.outcomes.get(session.id)?.outcome}: ${run.outcomes.get(session.id)?.detail}`,
    );
    expect(h.opscom.permits.get(done.opscom!.referenceId)?.deleted).toBe(true);
    expect(h.stripe.sessions.get(session.id)?.metadata['opscom_permit_status']).toBe('deleted');
    const again = await runReplayCli(h, ['--since', since, '--json']);
    expect(again.outcomes.get(session.id)?.outcome).toBe('already done');
    expect(h.opscom.received.map((r) => r.path.split('/').at(-1))).toEqual(['push', 'delete']);
  });
});

describe('replay --revoke', () => {
  let h: Harness;
  afterEach(() => h?.close());

  test('deletes a live permit once, says so in Stripe, and records who', async () => {
    h = await startHarness();
    const { session, event } = seedPaidSession(h, { amount_total: 2000 });
    await h.post(event);
    const done = await h.waitForJob(session.id, ['done']);
    const run = await runReplayCli(h, [
      '--session',
      session.id,
      '--revoke',
      '--by',
      'ana',
      '--json',
    ]);
    expect(run.outcomes.get(session.id)).toMatchObject({
      outcome: 'updated',
      detail: 'permit deleted',
    });
    expect(h.opscom.permits.get(done.opscom!.referenceId)?.deleted).toBe(true);
    expect(h.stripe.sessions.get(session.id)?.metadata['opscom_permit_status']).toBe('deleted');
    const again = await runReplayCli(h, ['--session', session.id, '--revoke', '--json']);
    expect(again.outcomes.get(session.id)?.outcome).not.toBe('failed');
    expect(h.opscom.received.map((r) => r.path.split('/').at(-1))).toEqual(['push', 'delete']);
    const notes = await h.adapter.ledger.listEvents(session.id);
    expect(notes.find((n) => n.outcome === 'replay.corrected')?.detail).toMatch(/"by":"ana"/);
  });

  test('cancels a failed job whose metadata never mapped: nothing is sent', async () => {
    h = await startHarness();
    const { session, event } = seedPaidSession(h, { metadata: { plate: '???', duration: '60' } });
    await h.post(event);
    await h.waitForJob(session.id, ['failed']);
    const run = await runReplayCli(h, ['--session', session.id, '--revoke', '--json']);
    expect(run.outcomes.get(session.id)).toMatchObject({
      outcome: 'skipped',
      detail: expect.stringMatching(/revoked by .* before its permit was made/) as unknown,
    });
    expect((await h.adapter.ledger.getJob(session.id))?.state).toBe('cancelled');
    expect(h.opscom.received).toHaveLength(0);
  });
});

describe('replay --since and a payment never seen, refunded in full', () => {
  let h: Harness;
  afterEach(() => h?.close());

  test('is cancelled: no permit is made for it', async () => {
    h = await startHarness();
    // Neither the payment's webhook nor its refund's ever arrived.
    const { session } = seedPaidSession(h, { amount_total: 2000 });
    const refund = makeEvent('charge.refunded', {
      id: uniqueId('ch'),
      object: 'charge',
      payment_intent: session.payment_intent,
      amount: 2000,
      amount_refunded: 2000,
      refunded: true,
    });
    h.stripe.addEvent({ ...refund, created: Math.floor(Date.now() / 1000) });
    const since = new Date(Date.now() - 3600_000).toISOString();
    const report = await runReplayCli(h, ['--since', since, '--json', '--dry-run']);
    expect(report.outcomes.get(session.id)).toMatchObject({
      outcome: 'skipped',
      detail: expect.stringMatching(/refunded in full .* no permit would be made/) as unknown,
    });
    const run = await runReplayCli(h, ['--since', since, '--json']);
    expect(run.outcomes.get(session.id)).toMatchObject({ outcome: 'skipped' });
    expect(await h.adapter.ledger.getJob(session.id)).toMatchObject({ state: 'cancelled' });
    expect(h.opscom.received).toHaveLength(0);
  });
});
