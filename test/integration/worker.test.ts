import { OPSCOM_TOKEN } from '../support/config';
import { startHarness, type Harness } from '../support/harness';
import { waitFor } from '../support/serverProcess';
import { makeEvent, makeSession } from '../support/stripeFixtures';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function deliverPaid(metadata: Record<string, string> = { plate: 'AB123', duration: '60' }) {
  const session = makeSession({ metadata });
  h.stripe.addSession(session);
  const res = await h.post(makeEvent('checkout.session.completed', session));
  expect(res.status).toBe(200);
  return session;
}

describe('OPSCOM failures', () => {
  beforeEach(async () => {
    h = await startHarness({ OPSCOM_TIMEOUT_MS: '300' });
  });

  test.each([
    ['HTTP 500', '500'],
    ['a hang past the timeout', 'hang'],
    ['a connection reset', 'reset'],
    ['an ErrorCode body with HTTP 200', 'error200'],
  ] as const)('%s is retried until the permit is made, once', async (_name, fault) => {
    h.opscom.faults.next(fault);
    const session = await deliverPaid();
    const job = await h.waitForJob(session.id, ['done']);
    expect(h.opscom.received.map((r) => r.answered)).toEqual(['fault', 'success']);
    expect(h.opscom.permits.size).toBe(1);
    expect(job.opscomAttempts).toBe(2);
    // Both attempts sent the same request.
    expect(h.opscom.received[1]?.body).toEqual(h.opscom.received[0]?.body);
    expect(h.logs()).toMatch(/step failed; will retry/);
  });

  test('a request OPSCOM rejects (9009 record not found) fails the job with the reason', async () => {
    const session = await deliverPaid({
      plate: 'AB123',
      duration: '60',
      reference_id: 'OC-999999',
    });
    const job = await h.waitForJob(session.id, ['failed']);
    expect(job.lastError).toMatch(/OPSCOM error 9009: Record not found/);
    expect(h.opscom.received).toHaveLength(1);
    expect(h.stripe.received).toHaveLength(0);
  });

  test('an update of a known permit extends it from its known end, field for field the seed request', async () => {
    const first = await deliverPaid({ plate: 'AB123', duration: '60' });
    const done = await h.waitForJob(first.id, ['done']);
    const reference = done.opscom!.referenceId;
    const renewal = await deliverPaid({ plate: 'AB123', duration: '30', reference_id: reference });
    await h.waitForJob(renewal.id, ['done']);
    const update = h.opscom.received[1]!;
    expect(update.path).toBe('/api/OC-TOMA/v1/permits/update');
    expect(Object.keys(update.body).sort()).toEqual([
      'Amount',
      'currency',
      'endTime',
      'plate',
      'referenceID',
    ]);
    const createdEnd = h.opscom.received[0]!.body['endTime'] as string;
    const expectedEnd = new Date(Date.parse(`${createdEnd}Z`) + 30 * 60_000)
      .toISOString()
      .slice(0, 19);
    expect(update.body).toEqual({
      referenceID: reference,
      plate: 'AB123',
      Amount: '14.50',
      currency: 'CAD',
      endTime: expectedEnd,
    });
    expect(h.opscom.permits.get(reference)?.updates).toBe(1);
  });
});

describe('a wrong OPSCOM token', () => {
  test('is logged loudly, keeps the job pending for retry, and never leaks the token', async () => {
    const kinds: string[] = [];
    h = await startHarness(
      { OPSCOM_API_TOKEN: 'wrong-token-0000' },
      {},
      {
        retryDelay: (kind) => {
          kinds.push(kind);
          return 60_000;
        },
      },
    );
    const session = await deliverPaid();
    // The failure is recorded in the ledger first, then logged: wait for both.
    const job = await waitFor('a first failure, recorded and logged', async () => {
      const j = await h.adapter.ledger.getJob(session.id);
      return j?.lastError && /step failed: needs an operator/.test(h.logs()) ? j : undefined;
    });
    expect(job?.state).toBe('pending');
    // It needs an operator: retried on the operator's schedule (about a minute, see backoff).
    expect(kinds).toEqual(['operator']);
    expect(h.logs()).toMatch(/step failed: needs an operator/);
    expect(job?.lastError).toMatch(/9002.*OPSCOM_API_TOKEN is fixed/);
    expect(h.opscom.received[0]?.tokenValid).toBe(false);
    expect(h.logs()).toMatch(/"level":"error".*9002|9002.*"level":"error"/);
    expect(h.logs()).not.toContain('wrong-token-0000');
    expect(JSON.stringify(job)).not.toContain('wrong-token-0000');
    expect(JSON.stringify(job)).not.toContain(OPSCOM_TOKEN);
  });
});

describe('write-back failures', () => {
  beforeEach(async () => {
    h = await startHarness();
  });

  test.each([
    ['HTTP 500', '500'],
    ['HTTP 429', '429'],
    ['a connection reset', 'reset'],
  ] as const)('%s is retried without calling OPSCOM again', async (_name, fault) => {
    // stripe-node retries one closed connection by itself; two resets reach the worker.
    const count = fault === 'reset' ? 2 : 1;
    h.stripe.faults.next(fault, count, '/v1/checkout/sessions/');
    const session = await deliverPaid();
    const job = await h.waitForJob(session.id, ['done']);
    expect(h.opscom.received).toHaveLength(1);
    expect(job.opscomAttempts).toBe(1);
    expect(h.stripe.sessions.get(session.id)?.metadata['opscom_reference_id']).toBe(
      job.opscom?.referenceId,
    );
    const sessionWrites = h.stripe.received.filter((r) => r.path.includes('/checkout/sessions/'));
    expect(sessionWrites).toHaveLength(count + 1);
    // Every retry carried the same idempotency key.
    expect(new Set(sessionWrites.map((w) => w.idempotencyKey)).size).toBe(1);
    // The PaymentIntent's write, made beside it, succeeded once and was not made again.
    expect(h.stripe.received.filter((r) => r.path.includes('/payment_intents/'))).toHaveLength(1);
    expect(h.logs()).toMatch(/step failed; will retry/);
  });

  test('a PaymentIntent write failure retries only that write', async () => {
    h.stripe.faults.next('500', 1, '/v1/payment_intents/');
    const session = await deliverPaid();
    const job = await h.waitForJob(session.id, ['done']);
    expect(h.stripe.received.map((r) => [r.path.split('/')[2], r.status])).toEqual([
      ['checkout', 200],
      ['payment_intents', 500],
      ['payment_intents', 200],
    ]);
    expect(h.opscom.received).toHaveLength(1);
    expect(
      h.stripe.paymentIntents.get(session.payment_intent as string)?.metadata[
        'opscom_reference_id'
      ],
    ).toBe(job.opscom?.referenceId);
  });

  test('a session Stripe does not know fails the job, the permit stays recorded', async () => {
    const session = makeSession();
    // Not added to the Stripe simulator: the write-back answers 404.
    await h.post(makeEvent('checkout.session.completed', session));
    const job = await h.waitForJob(session.id, ['failed']);
    expect(job.opscom?.referenceId).toMatch(/^OC-/);
    expect(job.lastError).toMatch(/HTTP 404.*does not exist in this Stripe account/);
    expect(h.opscom.received).toHaveLength(1);
  });
});

describe('giving up', () => {
  test('a job still failing after JOB_MAX_AGE_HOURS is dead, visibly', async () => {
    let offset = 0;
    h = await startHarness({ JOB_MAX_AGE_HOURS: '1' }, {}, { now: () => Date.now() + offset });
    h.opscom.faults.setRate(1, ['500']);
    const session = await deliverPaid();
    const failedOnce = await waitFor('a first failure', async () => {
      const j = await h.adapter.ledger.getJob(session.id);
      return j?.lastError ? j : undefined;
    });
    expect(failedOnce).toMatchObject({ state: 'pending', attempts: 1 });
    offset = 3600_000 + 1;
    const job = await h.waitForJob(session.id, ['dead']);
    expect(job.lastError).toMatch(/gave up after retries: OPSCOM answered HTTP 500/);
  });
});

describe('a failure that needs an operator', () => {
  test('never makes a job dead, however old: fixing the token must let it through', async () => {
    let offset = 0;
    h = await startHarness(
      { OPSCOM_API_TOKEN: 'wrong-token-0000', JOB_MAX_AGE_HOURS: '1' },
      {},
      { now: () => Date.now() + offset, retryDelay: () => 20 },
    );
    const session = await deliverPaid();
    offset = 3600_000 + 1;
    const retried = await waitFor('three refused tries past the maximum age', async () => {
      const j = await h.adapter.ledger.getJob(session.id);
      return j && j.attempts >= 3 ? j : undefined;
    });
    expect(retried.state).toBe('pending');
    expect(h.opscom.received.length).toBeGreaterThanOrEqual(3);
  });
});
