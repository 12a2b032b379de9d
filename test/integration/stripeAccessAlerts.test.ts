import { createAlertMonitor } from '../../src/alerts/alertMonitor';
import { alertRoutes } from '../../src/alerts/alertRoutes';
import { alertWebhook } from '../../src/alerts/alertWebhook';
import { watchStripeAccess } from '../../src/alerts/stripeAccessWatch';
import { createLogger } from '../../src/logger';
import { indexSites } from '../../src/sites/site';
import type { AlertKind, Ledger } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { createStripeWriteBack, type StripeWriteBack } from '../../src/stripe/stripeWriteBack';
import { startStripeSimulator, type StripeSimulator } from '../../tools/simulators/stripeSimulator';
import { startAlertReceiver, type AlertReceiver } from '../support/alertReceiver';
import { startHarness, type Harness } from '../support/harness';
import { harnessStores, ledgerStores } from '../support/ledgerStores';
import { waitFor } from '../support/serverProcess';
import { testSite } from '../support/siteFixtures';
import { makeEvent, makeSession } from '../support/stripeFixtures';
import { startTwoSites, type TwoSites } from '../support/twoSites';

// Stripe refusing the write-backs (401/403: 'operator'): the jobs wait and retry as before, and
// an alert says what to fix: STRIPE_SECRET_KEY (`stripe_access`), or a connected account's
// access (`stripe_account`, `stripe_account:<site>` with several sites).
const ACCOUNT = 'acct_1OneSiteOperator';
/** Accepted by the configuration, unknown to the simulator (it takes sk_test_… only): 401. */
const WRONG_KEY = 'sk_live_notTheRightKey4242';
const settle = () => new Promise((r) => setTimeout(r, 300)); // many alert rounds

/** A paid session of connected account `account` (its Connect event), posted to the adapter. */
async function payAs(h: Harness, account: string): Promise<string> {
  const session = makeSession({ metadata: { plate: 'CONNECT 1', duration: '60' } });
  h.stripe.account(account).addSession(session);
  const event = { ...makeEvent('checkout.session.completed', session), account };
  expect((await h.post(event)).status).toBe(200);
  return session.id;
}

/** A paid live-mode session (the key is a live one), of `account` when given. */
async function payLive(h: Harness, metadata: Record<string, string>, account?: string) {
  const session = makeSession({ metadata: { plate: 'LIVE 1', duration: '60', ...metadata } });
  session['livemode'] = true;
  const event = makeEvent('checkout.session.completed', session, { livemode: true });
  expect((await h.post(account ? { ...event, account } : event)).status).toBe(200);
  return session.id;
}

/** The job once it has been tried `n` times (each a refused write-back here). */
const triedTimes = (h: Harness, sessionId: string, n: number) =>
  waitFor(`${n} attempts`, async () => {
    const job = await h.adapter.ledger.getJob(sessionId);
    return job && job.attempts >= n ? job : undefined;
  });

describe.each(harnessStores)('Stripe refusing write-backs on the %s ledger', (_name, storeEnv) => {
  let receiver: AlertReceiver | undefined;
  let h: Harness | undefined;
  let sites: TwoSites | undefined;
  afterEach(async () => {
    await h?.close();
    await sites?.close();
    await receiver?.close();
    h = sites = receiver = undefined;
  });

  it('one site: a connected account refused is one alert in its words, cleared once accepted', async () => {
    receiver = await startAlertReceiver();
    h = await startHarness(
      { ...(await storeEnv()), ALERT_WEBHOOK_URL: receiver.url },
      {},
      { alertIntervalMs: 30 },
    );
    h.stripe.refusedAccounts.add(ACCOUNT);
    const sessionId = await payAs(h, ACCOUNT);

    await waitFor('the alert', () => receiver?.messages[0]);
    const waiting = await triedTimes(h, sessionId, 3);
    // The job as before: permit made, write-back waiting for an operator, naming the account.
    expect(waiting).toMatchObject({ state: 'pending', sessionWrittenAt: null });
    expect(waiting.opscom?.referenceId).toMatch(/^OC-/);
    expect(waiting.lastError).toContain(
      `Stripe refuses the platform access to connected account ${ACCOUNT}`,
    );
    expect(receiver.messages).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Stripe refuses the platform access to connected account ${ACCOUNT}: its payments' permits are made`,
        ),
      ),
    ]);
    expect(receiver.messages[0]).toContain('Stripe said: Stripe update of ');
    expect((await h.adapter.ledger.openAlerts()).map((a) => a.key)).toEqual(['stripe_account']);

    // A payment of the platform's own goes through meanwhile, and clears nothing.
    const own = makeSession({ metadata: { plate: 'OWN 1', duration: '60' } });
    h.stripe.addSession(own);
    expect((await h.post(makeEvent('checkout.session.completed', own))).status).toBe(200);
    await h.waitForJob(own.id, ['done']);
    await settle();
    expect(receiver.messages).toHaveLength(1);

    h.stripe.refusedAccounts.delete(ACCOUNT);
    await h.waitForJob(sessionId, ['done']);
    await waitFor('the clearing', () => receiver?.messages[1]);
    expect(receiver.messages[1]).toBe(
      `Stripe accepts the platform's calls as connected account ${ACCOUNT} again: its permits' OPSCOM references are being written back.`,
    );
    expect(await h.adapter.ledger.openAlerts()).toEqual([]);
  });

  it('a key Stripe refuses: one `stripe_access` alert of no site, whichever accounts are called', async () => {
    receiver = await startAlertReceiver('mainsecret');
    const east = await startAlertReceiver('eastsecret');
    try {
      sites = await startTwoSites({
        env: {
          ...(await storeEnv()),
          STRIPE_SECRET_KEY: WRONG_KEY,
          ALERT_WEBHOOK_URL: receiver.url,
          EAST_ALERT_WEBHOOK_URL: east.url,
        },
        north: { stripeAccount: ACCOUNT },
        east: { alertWebhookUrlEnv: 'EAST_ALERT_WEBHOOK_URL' },
        overrides: { alertIntervalMs: 30 },
      });
      const two = sites.h;
      const north = await payLive(two, {}, ACCOUNT); // north's connected account
      const eastJob = await payLive(two, { site: 'east' }); // the platform's own

      await waitFor('the alert', () => receiver?.messages[0]);
      await triedTimes(two, north, 3);
      await triedTimes(two, eastJob, 3);
      await settle();
      // A 401 is the key's, not the account's: no alert of north's account, nothing to east.
      expect(receiver.messages).toEqual([
        expect.stringMatching(
          /^Stripe refuses STRIPE_SECRET_KEY: permits are made, but no OPSCOM reference can be written back/,
        ),
      ]);
      expect(receiver.messages[0]).toContain('(HTTP 401): Invalid API Key provided');
      expect(receiver.messages[0]).toContain(
        'with write access to Checkout Sessions and PaymentIntents',
      );
      expect(east.messages).toEqual([]);
      expect((await two.adapter.ledger.openAlerts()).map((a) => a.key)).toEqual(['stripe_access']);
      for (const id of [north, eastJob]) {
        expect(await two.adapter.ledger.getJob(id)).toMatchObject({ state: 'pending' });
      }
      expect(sites.north.permits.size).toBe(1);
      expect(sites.east.permits.size).toBe(1);
      expect(receiver.messages.join('\n')).not.toContain(WRONG_KEY);
      expect(two.logs()).not.toContain(WRONG_KEY);
    } finally {
      await east.close();
    }
  });
});

describe.each(ledgerStores('stripe-access-', 2))(
  'the rounds of Stripe access on the %s ledger',
  (_name, storeConfig) => {
    const logger = createLogger({ level: 'error', pretty: false, silent: true });
    let ledger: Ledger;
    let receiver: AlertReceiver;
    let stripe: StripeSimulator;
    beforeEach(async () => {
      const store = await storeConfig();
      await migrateLedger(store);
      ledger = await openLedger(store, logger);
      receiver = await startAlertReceiver();
      stripe = await startStripeSimulator();
    });
    afterEach(async () => {
      await ledger.close();
      await receiver.close();
      await stripe.close();
    });

    let clock = 1_800_000_000_000;
    const metadata = {
      opscom_reference_id: 'OC-1',
      opscom_internal_reference_id: '1',
      opscom_end_time: '2027-01-01T00:00:00Z',
      opscom_permit_status: 'active',
    };
    const writeBackWith = (secretKey: string) =>
      createStripeWriteBack({ secretKey, apiUrl: new URL(stripe.url), timeoutMs: 2000 });

    it("at start-up, a connected account's alerts keyed for other sites are cleared; the key's never", async () => {
      // As an earlier configuration left them (one site, then a site taken out), sent.
      for (const key of [
        'stripe_account',
        'stripe_account:gone',
        'stripe_account:east',
        'stripe_access',
      ]) {
        const kind = (key === 'stripe_access'
          ? 'stripe_access'
          : 'stripe_account') as string as AlertKind;
        await ledger.raiseAlert({
          key,
          kind,
          sessionId: null,
          message: `open: ${key}`,
          now: clock,
        });
        await ledger.alertDelivered(key, 'open', clock);
      }
      const sites = indexSites([testSite('north'), testSite('east')], 'north');
      const routes = alertRoutes(new URL(receiver.url), sites, (url) => alertWebhook(url));
      const monitor = createAlertMonitor({
        ledger,
        send: routes?.send,
        sites: routes?.sites,
        pendingMinutes: 15,
        publicUrl: undefined,
        now: () => clock,
        logger,
      });
      await monitor.tick();
      expect((await ledger.openAlerts()).map((a) => a.key).sort()).toEqual([
        'stripe_access',
        'stripe_account:east',
      ]);
      expect([...receiver.messages].sort()).toEqual([
        expect.stringMatching(/^\[gone\] Cleared: the configuration changed/),
        expect.stringMatching(/^\[north\] Cleared: the configuration changed/),
      ]);
    });

    it('the key refused, then the key fixed: raised once, cleared once', async () => {
      const session = makeSession();
      stripe.addSession(session);
      // The write-back the worker holds, its key changed under it (a restart with the key fixed).
      let current: StripeWriteBack = writeBackWith('sk_live_wrongKey1');
      const switching: StripeWriteBack = {
        updateSession: (...args) => current.updateSession(...args),
        updatePaymentIntent: (...args) => current.updatePaymentIntent(...args),
      };
      const watched = watchStripeAccess(switching, () => clock);
      const monitor = createAlertMonitor({
        ledger,
        send: alertWebhook(new URL(receiver.url)),
        pendingMinutes: 15,
        publicUrl: undefined,
        stripeAccess: watched.state,
        now: () => clock,
        logger,
      });
      const write = () => watched.writeBack.updateSession(session.id, metadata, `k-${clock}`);
      await expect(write()).rejects.toThrow(/HTTP 401/);
      await monitor.tick();
      await monitor.tick();
      expect(receiver.messages).toEqual([
        expect.stringMatching(/^Stripe refuses STRIPE_SECRET_KEY/),
      ]);
      expect(receiver.messages[0]).not.toContain('wrongKey1');

      clock += 1000;
      current = writeBackWith('sk_test_adapter');
      await write();
      await monitor.tick();
      await monitor.tick();
      expect(receiver.messages.slice(1)).toEqual([
        'Stripe accepts STRIPE_SECRET_KEY again: OPSCOM references are being written back.',
      ]);
      expect(await ledger.openAlerts()).toEqual([]);
    });
  },
);
