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

  test('the write-back is stripe-node’s request: form, key, API version, user agent', async () => {
    const writeBack = createStripeWriteBack(options(sim));
    await writeBack.updateSession('cs_test_1', META, 'k-session');
    await writeBack.updatePaymentIntent(
      'pi_1',
      { ...META, opscom_replaced_reference_id: 'OC-0' },
      'k-pi',
    );
    await writeBack.updatePaymentIntent(
      'pi_1',
      { ...META, opscom_replaced_reference_id: 'OC-0' },
      'k-pi',
    );
    const [session, pi, again] = sim.received;
    expect(session).toMatchObject({
      method: 'POST',
      path: '/v1/checkout/sessions/cs_test_1',
      status: 200,
      params: { metadata: META },
      idempotencyKey: 'k-session',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(sim.sessions.get('cs_test_1')?.metadata).toEqual({ plate: 'A1', ...META });
    expect(pi).toMatchObject({
      path: '/v1/payment_intents/pi_1',
      params: { metadata: { ...META, opscom_replaced_reference_id: 'OC-0' } },
      idempotencyKey: 'k-pi',
      replayed: false,
    });
    expect(again).toMatchObject({ replayed: true });
    for (const request of sim.received) {
      expect(request.stripeVersion).toBe(Stripe.API_VERSION);
      expect(request.userAgent).toMatch(/^Stripe\/v1 NodeBindings\/\d+\.\d+\.\d+$/);
    }
  });

  test('a metadata key without a value is not sent', async () => {
    const writeBack = createStripeWriteBack(options(sim));
    await writeBack.updateSession(
      'cs_test_1',
      { ...META, opscom_replaced_reference_id: undefined },
      'k',
    );
    expect(Object.keys(sim.received[0]?.params['metadata'] ?? {})).toEqual(Object.keys(META));
  });

  test('errors classify as the adapter expects', async () => {
    const writeBack = createStripeWriteBack(options(sim));
    const attempt = (id: string, client = writeBack) =>
      client.updateSession(id, META, `k-${Math.random()}`).then(
        () => undefined,
        (e: unknown) => e,
      );

    const missing = await attempt('cs_test_missing');
    expect(missing).toBeInstanceOf(StripeApiError);
    expect(missing).toMatchObject({ kind: 'permanent', statusCode: 404 });
    expect((missing as Error).message).toMatch(/No such checkout\.session|does not exist/);

    sim.faults.next('429');
    expect(await attempt('cs_test_1')).toMatchObject({ kind: 'transient', statusCode: 429 });
    sim.faults.next('500');
    expect(await attempt('cs_test_1')).toMatchObject({ kind: 'transient', statusCode: 500 });
    // A connection closed before any answer: stripe-node sends it once more with the same key
    // (its rule even with retries off), then the worker decides.
    sim.faults.next('reset', 2);
    const before = sim.received.length;
    expect(await attempt('cs_test_1')).toMatchObject({ kind: 'transient', statusCode: undefined });
    const sent = sim.received.slice(before);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.idempotencyKey).toBe(sent[0]?.idempotencyKey);
    // No answer within STRIPE_TIMEOUT_MS.
    sim.faults.next('hang');
    const quick = createStripeWriteBack({ ...options(sim), timeoutMs: 200 });
    const late = await attempt('cs_test_1', quick);
    expect(late).toMatchObject({ kind: 'transient', statusCode: undefined });
    expect((late as Error).message).toMatch(/timeout being reached \(200ms\)/);

    const badKey = createStripeWriteBack({ ...options(sim), secretKey: 'sk_live_wrong' });
    const refused = await attempt('cs_test_1', badKey);
    expect(refused).toMatchObject({ kind: 'operator', statusCode: 401 });
    expect((refused as Error).message).toMatch(/refuses STRIPE_SECRET_KEY/);
    expect((refused as Error).message).not.toMatch(/sk_live_wrong/);
  });
});

const META = {
  opscom_reference_id: 'OC-1',
  opscom_internal_reference_id: '7',
  opscom_end_time: '2026-11-29T10:00:00-05:00',
  opscom_permit_status: 'active',
};

function options(simulator: StripeSimulator) {
  return { secretKey: 'sk_test_sim', apiUrl: new URL(simulator.url), timeoutMs: 2000 };
}
