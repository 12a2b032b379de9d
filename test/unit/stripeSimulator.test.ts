import Stripe from 'stripe';
import { startStripeSimulator, type StripeSimulator } from '../../tools/simulators/stripeSimulator';
import { createStripeClient } from '../../src/stripe/stripeClient';
import { createStripeWriteBack } from '../../src/stripe/stripeWriteBack';
import { StripeApiError } from '../../src/errors';

let sim: StripeSimulator;
let stripe: Stripe;
beforeEach(async () => {
  sim = await startStripeSimulator();
  stripe = createStripeClient({
    secretKey: 'sk_test_sim',
    apiUrl: new URL(sim.url),
    timeoutMs: 2000,
  });
  sim.addSession({ id: 'cs_test_1', payment_intent: 'pi_1', metadata: { plate: 'A1' } });
});
afterEach(() => sim.close());

describe('the Stripe simulator, through stripe-node', () => {
  test('merges metadata key by key; an empty value deletes a key', async () => {
    await stripe.checkout.sessions.update('cs_test_1', { metadata: { a: '1' } });
    await stripe.checkout.sessions.update('cs_test_1', { metadata: { plate: '', b: '2' } });
    expect(sim.sessions.get('cs_test_1')?.metadata).toEqual({ a: '1', b: '2' });
    expect(sim.received[0]?.params).toEqual({ metadata: { a: '1' } });
  });

  test('replays an idempotent request and refuses the same key with other parameters', async () => {
    await stripe.paymentIntents.update('pi_1', { metadata: { x: '1' } }, { idempotencyKey: 'k1' });
    await stripe.paymentIntents.update('pi_1', { metadata: { x: '1' } }, { idempotencyKey: 'k1' });
    expect(sim.received.map((r) => r.replayed)).toEqual([false, true]);
    await expect(
      stripe.paymentIntents.update('pi_1', { metadata: { x: '2' } }, { idempotencyKey: 'k1' }),
    ).rejects.toThrow(/same parameters/);
  });

  test('errors classify as the adapter expects', async () => {
    const writeBack = createStripeWriteBack(stripe);
    const meta = {
      opscom_reference_id: 'R',
      opscom_internal_reference_id: '1',
      opscom_end_time: 't',
      opscom_permit_status: 'active',
    };
    const attempt = (id: string) =>
      writeBack.updateSession(id, meta, `k-${Math.random()}`).then(
        () => undefined,
        (e: unknown) => e,
      );

    const missing = await attempt('cs_test_missing');
    expect(missing).toBeInstanceOf(StripeApiError);
    expect(missing).toMatchObject({ kind: 'permanent', statusCode: 404 });

    sim.faults.next('429');
    expect(await attempt('cs_test_1')).toMatchObject({ kind: 'transient', statusCode: 429 });
    sim.faults.next('500');
    expect(await attempt('cs_test_1')).toMatchObject({ kind: 'transient', statusCode: 500 });
    // stripe-node retries a closed connection once by itself, even with maxNetworkRetries 0
    // (stripe-node RequestSender._shouldRetry); a second reset reaches the adapter.
    sim.faults.next('reset', 2);
    const before = sim.received.length;
    expect(await attempt('cs_test_1')).toMatchObject({ kind: 'transient', statusCode: undefined });
    expect(sim.received.length - before).toBe(2);

    const badKey = createStripeWriteBack(
      createStripeClient({ secretKey: 'sk_live_wrong', apiUrl: new URL(sim.url), timeoutMs: 2000 }),
    );
    const refused = await badKey.updateSession('cs_test_1', meta, 'k-auth').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ kind: 'operator', statusCode: 401 });
    expect((refused as Error).message).toMatch(/refuses STRIPE_SECRET_KEY/);
  });
});
