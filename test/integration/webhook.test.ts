import { startHarness, type Harness } from '../support/harness';
import {
  makeEvent,
  makeSession,
  OTHER_SECRET,
  signatureFor,
  WEBHOOK_SECRET,
} from '../support/stripeFixtures';
import { OPSCOM_TOKEN } from '../support/config';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ STRIPE_WEBHOOK_SECRET: `${OTHER_SECRET},${WEBHOOK_SECRET}` });
});
afterEach(async () => {
  await h.close();
});

function paid(overrides: Parameters<typeof makeSession>[0] = {}) {
  const session = makeSession(overrides);
  h.stripe.addSession(session);
  return session;
}

describe('a paid Checkout Session', () => {
  test('becomes one OPSCOM permit and its reference lands in Stripe', async () => {
    const session = paid({ metadata: { plate: 'abc-123', duration: '120', zone: 'North' } });
    const created = Math.floor(Date.parse('2026-06-15T14:00:00Z') / 1000); // 10:00 in Toronto
    const event = makeEvent('checkout.session.completed', session, { created });

    const res = await h.post(event);
    expect(res).toEqual({ status: 200, body: { received: true, outcome: 'recorded' } });

    const job = await h.waitForJob(session.id, ['done']);
    expect(h.opscom.received).toHaveLength(1);
    expect(h.opscom.received[0]).toMatchObject({
      path: '/api/OC-TOMA/v1/permits/push',
      tokenValid: true,
      body: {
        LicencePlate: 'ABC123',
        Amount: '14.50',
        CurrencyID: 'CAD',
        zone: 'North',
        startTime: '2026-06-15T10:00:00',
        endTime: '2026-06-15T12:00:00',
      },
    });
    const reference = job.opscom?.referenceId;
    expect(reference).toMatch(/^OC-/);
    const expected = {
      opscom_reference_id: reference,
      opscom_internal_reference_id: h.opscom.permits.get(reference!)?.internalReferenceId,
      opscom_end_time: '2026-06-15T12:00:00-04:00',
      opscom_permit_status: 'active',
    };
    expect(h.stripe.sessions.get(session.id)?.metadata).toEqual({
      plate: 'abc-123',
      duration: '120',
      zone: 'North',
      ...expected,
    });
    expect(h.stripe.paymentIntents.get(session.payment_intent as string)?.metadata).toEqual(
      expected,
    );
    // Every write-back carried an idempotency key.
    expect(h.stripe.received.every((r) => r.idempotencyKey?.startsWith('opscom-writeback:'))).toBe(
      true,
    );
  });

  test('a session without a PaymentIntent is written back to the session only', async () => {
    const session = paid({
      payment_intent: null,
      amount_total: 0,
      payment_status: 'no_payment_required',
    });
    await h.post(makeEvent('checkout.session.completed', session));
    await h.waitForJob(session.id, ['done']);
    expect(h.opscom.received[0]?.body).not.toHaveProperty('Amount');
    expect(h.stripe.received.map((r) => r.path)).toEqual([`/v1/checkout/sessions/${session.id}`]);
  });

  test('the same event delivered twice gives one permit', async () => {
    const session = paid();
    const event = makeEvent('checkout.session.completed', session);
    expect((await h.post(event)).body).toMatchObject({ outcome: 'recorded' });
    await h.waitForJob(session.id, ['done']);
    expect((await h.post(event)).body).toMatchObject({ outcome: 'duplicate' });
    // Done is final: no worker will call OPSCOM for this session again.
    expect(await h.adapter.ledger.getJob(session.id)).toMatchObject({
      state: 'done',
      opscomAttempts: 1,
    });
    expect(h.opscom.received).toHaveLength(1);
  });

  test('8 concurrent copies of one event, and a second event of the same session, give one permit', async () => {
    const session = paid();
    const event = makeEvent('checkout.session.completed', session);
    const answers = await Promise.all(Array.from({ length: 8 }, () => h.post(event)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(
      answers.filter((a) => (a.body as { outcome: string }).outcome === 'recorded'),
    ).toHaveLength(1);
    const again = makeEvent('checkout.session.completed', session); // a new event id, same session
    expect((await h.post(again)).status).toBe(200);
    const job = await h.waitForJob(session.id, ['done']);
    expect(job.opscomAttempts).toBe(1);
    expect(h.opscom.received).toHaveLength(1);
    expect(await h.adapter.ledger.listEvents(session.id)).toHaveLength(2);
  });

  test('bad metadata: 200, the job is failed with a reason, nothing is sent to OPSCOM', async () => {
    const session = paid({ metadata: { plate: 'TOO LONG PLATE 123', duration: 'soon' } });
    expect((await h.post(makeEvent('checkout.session.completed', session))).status).toBe(200);
    const job = await h.waitForJob(session.id, ['failed']);
    expect(job.lastError).toMatch(/plate "TOO LONG PLATE 123" must be 1–10/);
    expect(job.lastError).toMatch(/duration "soon" is not understood/);
    expect(h.opscom.received).toHaveLength(0);
  });
});

describe('delayed payment methods', () => {
  test('unpaid is recorded and waits; async_payment_succeeded makes the permit, starting then', async () => {
    const session = paid({ payment_status: 'unpaid' });
    const completed = makeEvent('checkout.session.completed', session, { created: 1_780_000_000 });
    expect((await h.post(completed)).body).toMatchObject({ outcome: 'recorded' });
    // Waiting is not claimable: no worker calls OPSCOM for it.
    expect(await h.adapter.ledger.getJob(session.id)).toMatchObject({
      state: 'awaiting_payment',
      opscomAttempts: 0,
    });
    expect(h.opscom.received).toHaveLength(0);

    const succeeded = makeEvent(
      'checkout.session.async_payment_succeeded',
      { ...session, payment_status: 'paid' },
      { created: 1_780_003_600 },
    );
    await h.post(succeeded);
    const job = await h.waitForJob(session.id, ['done']);
    expect(job.paidEventId).toBe(succeeded.id);
    expect(job.paidAt).toBe(1_780_003_600);
    expect(h.opscom.received).toHaveLength(1);
  });

  test('async_payment_succeeded before completed: one permit, the late completed changes nothing', async () => {
    const session = paid({ payment_status: 'unpaid' });
    await h.post(
      makeEvent('checkout.session.async_payment_succeeded', { ...session, payment_status: 'paid' }),
    );
    await h.waitForJob(session.id, ['done']);
    const late = await h.post(makeEvent('checkout.session.completed', session));
    expect(late.status).toBe(200);
    expect(await h.adapter.ledger.getJob(session.id)).toMatchObject({
      state: 'done',
      opscomAttempts: 1,
    });
    expect(h.opscom.received).toHaveLength(1);
  });

  test('async_payment_failed is recorded and never becomes a permit', async () => {
    const session = paid({ payment_status: 'unpaid' });
    await h.post(makeEvent('checkout.session.completed', session));
    await h.post(makeEvent('checkout.session.async_payment_failed', session));
    // Final, and not claimable: no worker calls OPSCOM for it.
    expect(await h.adapter.ledger.getJob(session.id)).toMatchObject({
      state: 'payment_failed',
      opscomAttempts: 0,
    });
    expect(h.opscom.received).toHaveLength(0);
  });
});

describe('requests that are not provably from Stripe change nothing', () => {
  const cases: Array<
    [
      string,
      (body: string) => {
        header?: string | null;
        rawBody?: string;
        secret?: string;
        timestamp?: number;
      },
      RegExp,
    ]
  > = [
    ['wrong secret', () => ({ secret: 'whsec_someone_else' }), /no signature matches/],
    [
      'stale signature (301 s)',
      () => ({ timestamp: Math.floor(Date.now() / 1000) - 301 }),
      /more than 300 s old/,
    ],
    [
      'stale and signed with a wrong secret (the header is judged first, before the body is read)',
      () => ({ secret: 'whsec_someone_else', timestamp: Math.floor(Date.now() / 1000) - 3600 }),
      /more than 300 s old/,
    ],
    [
      'stale, signed with the second secret of a roll',
      () => ({ secret: OTHER_SECRET, timestamp: Math.floor(Date.now() / 1000) - 301 }),
      /more than 300 s old/,
    ],
    ['missing header', () => ({ header: null }), /missing Stripe-Signature/],
    ['malformed header', () => ({ header: 'garbage' }), /malformed/],
    [
      'a header without v1',
      () => ({ header: `t=${Math.floor(Date.now() / 1000)},v0=abc` }),
      /malformed/,
    ],
    [
      'a header with two timestamps',
      (body) => ({ header: `t=1,${signatureFor(body)}` }),
      /malformed/,
    ],
    [
      'tampered body',
      (body) => ({ rawBody: body.replace('"paid"', '"unpaid"') }),
      /no signature matches/,
    ],
  ];
  test.each(cases)('%s → 400', async (_name, opts, reason) => {
    const session = paid();
    const event = makeEvent('checkout.session.completed', session);
    const body = JSON.stringify(event);
    const o = opts(body);
    const header = o.rawBody !== undefined ? signatureFor(body) : o.header;
    const res = await h.post(event, { ...o, ...(header === undefined ? {} : { header }) });
    expect(res.status).toBe(400);
    expect((res.body as { error: string }).error).toMatch(reason);
    expect(await h.adapter.ledger.listEvents()).toHaveLength(0);
    expect(await h.adapter.ledger.listJobs()).toHaveLength(0);
  });

  test('a correctly signed body that is not JSON → 400', async () => {
    const res = await h.post(null, { rawBody: 'this is not json' });
    expect(res).toEqual({ status: 400, body: { error: 'body is not JSON' } });
  });

  test('an unsigned body that is not JSON → 400', async () => {
    const res = await h.post(null, { rawBody: '<xml/>', header: null });
    expect(res.status).toBe(400);
  });

  test('a body over 1 MiB → 413, nothing recorded', async () => {
    const res = await h.post(null, { rawBody: 'x'.repeat(1024 * 1024 + 10) });
    expect(res.status).toBe(413);
    expect(await h.adapter.ledger.listEvents()).toHaveLength(0);
  });

  test('a signature 299 s old is accepted', async () => {
    const event = makeEvent('checkout.session.completed', paid());
    const res = await h.post(event, { timestamp: Math.floor(Date.now() / 1000) - 299 });
    expect(res.status).toBe(200);
  });

  test('the second of two configured secrets is accepted (secret roll)', async () => {
    const session = paid();
    expect(
      (await h.post(makeEvent('checkout.session.completed', session), { secret: OTHER_SECRET }))
        .status,
    ).toBe(200);
  });
});

describe('events the adapter does not act on', () => {
  test('other types → 200, nothing recorded', async () => {
    const res = await h.post(makeEvent('customer.created', { id: 'cus_1', object: 'customer' }));
    expect(res).toEqual({ status: 200, body: { received: true, outcome: 'ignored_type' } });
    expect(await h.adapter.ledger.listEvents()).toHaveLength(0);
  });

  test('a live event against a test key → 200, recorded as ignored, no job', async () => {
    const session = paid({ livemode: true });
    const res = await h.post(makeEvent('checkout.session.completed', session, { livemode: true }));
    expect(res.body).toMatchObject({ outcome: 'ignored_livemode' });
    expect(await h.adapter.ledger.listEvents(session.id)).toEqual([
      expect.objectContaining({ outcome: 'livemode_mismatch' }),
    ]);
    expect(await h.adapter.ledger.getJob(session.id)).toBeUndefined();
  });

  test('a signed session event whose object is unreadable → 200, recorded with the reason', async () => {
    const session = paid();
    delete (session as Record<string, unknown>)['payment_status'];
    const res = await h.post(makeEvent('checkout.session.completed', session));
    expect(res.body).toMatchObject({ outcome: 'invalid_payload' });
    const [event] = await h.adapter.ledger.listEvents(session.id);
    expect(event?.detail).toMatch(/payment_status/);
  });
});

describe('operations', () => {
  test('GET /healthz → 200', async () => {
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(200);
  });

  test('the ledger failing → 500, so Stripe redelivers', async () => {
    await h.adapter.ledger.close();
    const res = await h.post(makeEvent('checkout.session.completed', paid()));
    expect(res.status).toBe(500);
    expect(h.logs()).toMatch(/webhook not recorded/);
  });

  test('logs never contain the OPSCOM token, the webhook secret or a signature', async () => {
    const session = paid();
    const event = makeEvent('checkout.session.completed', session);
    await h.post(event);
    await h.post(event, { secret: 'whsec_forged' });
    await h.waitForJob(session.id, ['done']);
    const logs = h.logs();
    expect(logs).toMatch(/permit pushed to OPSCOM/);
    expect(logs).not.toContain(OPSCOM_TOKEN);
    expect(logs).not.toContain(WEBHOOK_SECRET);
    expect(logs).not.toContain('v1=');
  });
});
