import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { StripeApiError } from '../../src/errors';
import { createStripeClient } from '../../src/stripe/stripeClient';
import {
  createStripeReader,
  stripeReaders,
  type StripeReader,
} from '../../src/stripe/stripeReader';
import { createStripeWriteBack } from '../../src/stripe/stripeWriteBack';
import { noopTracer, setTracer, type SpanAttributes, type Tracer } from '../../src/tracing/tracer';
import { tracedStripeWriteBack } from '../../src/worker/tracedClients';
import { startOpscomSimulator, type OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { startStripeSimulator, type StripeSimulator } from '../../tools/simulators/stripeSimulator';
import { startHarness, type Harness } from '../support/harness';
import { makeEvent, makeSession } from '../support/stripeFixtures';

// Stripe Connect (issue 26): a connected account's objects are reached only with its
// `Stripe-Account` header, through stripe-node's `stripeAccount` request option.
const ACCOUNT = 'acct_1OperatorA';

const META = {
  opscom_reference_id: 'OC-1',
  opscom_internal_reference_id: '7',
  opscom_end_time: '2026-11-29T10:00:00-05:00',
  opscom_permit_status: 'active',
};

describe('Stripe calls as a connected account', () => {
  let sim: StripeSimulator;
  let stripe: Stripe;
  const options = () => ({ secretKey: 'sk_test_sim', apiUrl: new URL(sim.url), timeoutMs: 2000 });
  beforeEach(async () => {
    sim = await startStripeSimulator();
    stripe = createStripeClient(options());
    sim
      .account(ACCOUNT)
      .addSession({ id: 'cs_test_acct', payment_intent: 'pi_acct', metadata: {} });
    sim.addSession({ id: 'cs_test_platform', payment_intent: 'pi_platform', metadata: {} });
  });
  afterEach(() => sim.close());

  test('a write-back with an account carries Stripe-Account, its key, form and API version', async () => {
    const writeBack = createStripeWriteBack(options());
    await writeBack.updateSession('cs_test_acct', META, 'k-session', ACCOUNT);
    await writeBack.updatePaymentIntent('pi_acct', META, 'k-pi', ACCOUNT);
    expect(sim.received).toHaveLength(2);
    const [session, pi] = sim.received;
    expect(session).toMatchObject({
      method: 'POST',
      path: '/v1/checkout/sessions/cs_test_acct',
      status: 200,
      params: { metadata: META },
      idempotencyKey: 'k-session',
      stripeAccount: ACCOUNT,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(pi).toMatchObject({ idempotencyKey: 'k-pi', stripeAccount: ACCOUNT, status: 200 });
    for (const request of sim.received) expect(request.stripeVersion).toBe(Stripe.API_VERSION);
    expect(sim.account(ACCOUNT).sessions.get('cs_test_acct')?.metadata).toEqual(META);
    expect(sim.account(ACCOUNT).paymentIntents.get('pi_acct')?.metadata).toEqual(META);
  });

  test('without an account (undefined or null) no Stripe-Account is sent', async () => {
    const writeBack = createStripeWriteBack(options());
    await writeBack.updateSession('cs_test_platform', META, 'k1');
    await writeBack.updatePaymentIntent('pi_platform', META, 'k2', null);
    expect(sim.received.map((r) => [r.status, r.stripeAccount])).toEqual([
      [200, undefined],
      [200, undefined],
    ]);
    expect(sim.sessions.get('cs_test_platform')?.metadata).toEqual(META);
  });

  test('an account’s object is not the platform’s: a write-back without the account is a 404', async () => {
    const writeBack = createStripeWriteBack(options());
    const failure = await writeBack.updateSession('cs_test_acct', META, 'k').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(StripeApiError);
    expect(failure).toMatchObject({ kind: 'permanent', statusCode: 404 });
    expect(sim.account(ACCOUNT).sessions.get('cs_test_acct')?.metadata).toEqual({});
    // And the platform's object is not the account's.
    const other = await writeBack.updateSession('cs_test_platform', META, 'k2', ACCOUNT).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(other).toMatchObject({ kind: 'permanent', statusCode: 404 });
    expect((other as Error).message).toMatch(`on connected account ${ACCOUNT}`);
  });

  test('idempotency keys are kept per account', async () => {
    const writeBack = createStripeWriteBack(options());
    await writeBack.updateSession('cs_test_acct', META, 'same-key', ACCOUNT);
    await writeBack.updateSession('cs_test_acct', META, 'same-key', ACCOUNT);
    await writeBack.updateSession('cs_test_platform', META, 'same-key');
    expect(sim.received.map((r) => [r.status, r.replayed])).toEqual([
      [200, false],
      [200, true],
      [200, false],
    ]);
  });

  test('a reader made for an account reads its objects; the platform reader gets 404', async () => {
    const reader = createStripeReader(stripe, ACCOUNT);
    await expect(reader.retrieveSession('cs_test_acct')).resolves.toMatchObject({
      id: 'cs_test_acct',
    });
    await expect(reader.retrievePaymentIntent('pi_acct')).resolves.toMatchObject({
      id: 'pi_acct',
      latest_charge: { id: 'ch_acct', object: 'charge' },
    });
    const sessions = await reader.sessionsOfPaymentIntent('pi_acct');
    expect(sessions.data).toEqual([expect.objectContaining({ id: 'cs_test_acct' })]);
    expect(sim.received.map((r) => r.stripeAccount)).toEqual([ACCOUNT, ACCOUNT, ACCOUNT]);

    const platform = createStripeReader(stripe);
    const missing = await platform.retrieveSession('cs_test_acct').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(StripeApiError);
    expect(missing).toMatchObject({ kind: 'permanent', statusCode: 404 });
    expect((missing as Error).message).toMatch(/does not exist in this Stripe account/);
    expect(sim.received.at(-1)).toMatchObject({ stripeAccount: undefined, status: 404 });
    expect((await platform.sessionsOfPaymentIntent('pi_acct')).data).toEqual([]);
  });

  test('an account’s events are listed and read only as that account', async () => {
    const created = Math.floor(Date.now() / 1000);
    const event = { id: 'evt_acct', type: 'checkout.session.completed', created, account: ACCOUNT };
    sim.account(ACCOUNT).addEvent(event);
    const range = { gte: created - 60, lte: created + 60 };
    const reader = createStripeReader(stripe, ACCOUNT);
    expect((await reader.listSessionEvents(range)).data).toEqual([event]);
    await expect(reader.retrieveEvent('evt_acct')).resolves.toMatchObject({ id: 'evt_acct' });
    const platform = createStripeReader(stripe);
    expect((await platform.listSessionEvents(range)).data).toEqual([]);
    await expect(platform.retrieveEvent('evt_acct')).rejects.toMatchObject({ statusCode: 404 });
  });

  test('stripeReaders: one reader per account, the platform’s for no account', async () => {
    const readerFor = stripeReaders(stripe);
    expect(readerFor(ACCOUNT)).toBe(readerFor(ACCOUNT));
    expect(readerFor(null)).toBe(readerFor(undefined));
    expect(readerFor('')).toBe(readerFor());
    expect(readerFor(ACCOUNT)).not.toBe(readerFor());
    await readerFor(ACCOUNT).retrieveSession('cs_test_acct');
    await readerFor().retrieveSession('cs_test_platform');
    expect(sim.received.map((r) => [r.path, r.stripeAccount, r.status])).toEqual([
      ['/v1/checkout/sessions/cs_test_acct', ACCOUNT, 200],
      ['/v1/checkout/sessions/cs_test_platform', undefined, 200],
    ]);
  });

  test('stripeReaders wraps each reader once, as it is made (a pace shared by all)', async () => {
    const wrapped: StripeReader[] = [];
    const readerFor = stripeReaders(stripe, (reader) => {
      wrapped.push(reader);
      return { ...reader };
    });
    expect(readerFor(ACCOUNT)).toBe(readerFor(ACCOUNT));
    expect(wrapped).toHaveLength(2); // the platform's, made at once, and ACCOUNT's
    await expect(readerFor(ACCOUNT).retrieveSession('cs_test_acct')).resolves.toMatchObject({
      id: 'cs_test_acct',
    });
    expect(sim.received.map((r) => r.stripeAccount)).toEqual([ACCOUNT]);
  });

  test('POST /_sim/sessions with Stripe-Account seeds that account', async () => {
    const res = await fetch(`${sim.url}/_sim/sessions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Account': 'acct_seeded' },
      body: JSON.stringify({ id: 'cs_test_seeded', metadata: {} }),
    });
    expect(res.status).toBe(200);
    expect(sim.account('acct_seeded').sessions.has('cs_test_seeded')).toBe(true);
    expect(sim.sessions.has('cs_test_seeded')).toBe(false);
  });
});

describe('the traced write-back (tracing on)', () => {
  let sim: StripeSimulator;
  const spans: Array<{ name: string; attributes: SpanAttributes | undefined }> = [];
  // A tracer that only records what it is asked for (the real one needs a collector).
  const recording: Tracer = {
    enabled: true,
    inSpan: (name, options, fn) => {
      spans.push({ name, attributes: options.attributes });
      return noopTracer.inSpan(name, options, fn);
    },
    detached: (fn) => fn(),
  };
  beforeEach(async () => {
    sim = await startStripeSimulator();
    sim
      .account(ACCOUNT)
      .addSession({ id: 'cs_test_acct', payment_intent: 'pi_acct', metadata: {} });
    setTracer(recording);
  });
  afterEach(() => {
    setTracer(noopTracer);
    spans.length = 0;
    return sim.close();
  });

  test('passes the account through and names it on the span', async () => {
    const writeBack = tracedStripeWriteBack(
      createStripeWriteBack({
        secretKey: 'sk_test_sim',
        apiUrl: new URL(sim.url),
        timeoutMs: 2000,
      }),
    );
    await writeBack.updateSession('cs_test_acct', META, 'k-s', ACCOUNT);
    await writeBack.updatePaymentIntent('pi_acct', META, 'k-p', ACCOUNT);
    expect(sim.received.map((r) => [r.idempotencyKey, r.stripeAccount, r.status])).toEqual([
      ['k-s', ACCOUNT, 200],
      ['k-p', ACCOUNT, 200],
    ]);
    expect(spans).toEqual([
      {
        name: 'stripe checkout.sessions.update',
        attributes: {
          'peer.service': 'stripe',
          'stripe.checkout_session.id': 'cs_test_acct',
          'stripe.account': ACCOUNT,
        },
      },
      {
        name: 'stripe paymentIntents.update',
        attributes: {
          'peer.service': 'stripe',
          'stripe.payment_intent.id': 'pi_acct',
          'stripe.account': ACCOUNT,
        },
      },
    ]);
  });
});

describe('the worker writes back as the session’s connected account', () => {
  let h: Harness;
  let opscom: OpscomSimulator;
  let dir: string | undefined;
  afterEach(async () => {
    await h?.close();
    await opscom?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a Connect event’s permit is written into the account’s session and PaymentIntent', async () => {
    // One site, the connected account's (SITES_FILE): its events are that site's payments.
    opscom = await startOpscomSimulator({ apiToken: 'site-token', client: 'OC-SITE' });
    dir = mkdtempSync(join(tmpdir(), 'stripe-account-'));
    const sitesFile = join(dir, 'sites.json');
    const opscomSite = {
      baseUrl: opscom.url,
      client: 'OC-SITE',
      tokenEnv: 'SITE_TOKEN',
      timezone: 'America/Toronto',
      zone: 'Lot A',
    };
    writeFileSync(
      sitesFile,
      JSON.stringify({ sites: [{ id: 'a', stripeAccount: ACCOUNT, opscom: opscomSite }] }),
    );
    h = await startHarness({ SITES_FILE: sitesFile, SITE_TOKEN: 'site-token' });
    const session = makeSession({ metadata: { plate: 'AB123', duration: '60' } });
    h.stripe.account(ACCOUNT).addSession(session);
    const event = { ...makeEvent('checkout.session.completed', session), account: ACCOUNT };
    expect((await h.post(event)).status).toBe(200);
    await h.waitForJob(session.id, ['done']);
    expect(h.stripe.received.map((r) => [r.path, r.stripeAccount, r.status]).sort()).toEqual(
      [
        [`/v1/checkout/sessions/${session.id}`, ACCOUNT, 200],
        [`/v1/payment_intents/${String(session['payment_intent'])}`, ACCOUNT, 200],
      ].sort(),
    );
    const written = h.stripe.account(ACCOUNT).sessions.get(session.id)?.metadata;
    expect(written?.['opscom_reference_id']).toMatch(/^OC-/);
    expect(h.stripe.sessions.has(session.id)).toBe(false);
  });
});
