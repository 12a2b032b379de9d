import { createAlertMonitor } from '../../src/alerts/alertMonitor';
import { alertRoutes } from '../../src/alerts/alertRoutes';
import { alertWebhook } from '../../src/alerts/alertWebhook';
import { createLogger } from '../../src/logger';
import { createPlateValidationClient } from '../../src/opscom/plateValidation';
import { indexSites, type Sites } from '../../src/sites/site';
import type { AlertKind, Ledger } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { createVerifier } from '../../src/verify/verifier';
import { startAlertReceiver, type AlertReceiver } from '../support/alertReceiver';
import { ledgerStores } from '../support/ledgerStores';
import { testSite } from '../support/siteFixtures';

// A site's condition is keyed `opscom_token` with one site and `opscom_token:<site>` with
// several (Plate Validation's the same). A deployment moved from one site to several (or back),
// or a site taken out of SITES_FILE, leaves keys that nothing raises or clears any more: the
// first round after start-up clears them, saying why.
const logger = createLogger({ level: 'error', pretty: false, silent: true });
const CLEARED = /Cleared: the configuration changed \(SITES_FILE: sites added or taken out\)/;

describe.each(ledgerStores('stale-alerts-', 2))(
  'alerts keyed for other sites on the %s ledger',
  (_name, makeStore) => {
    let ledger: Ledger;
    let hook: AlertReceiver;
    const clock = 1_800_000_000_000;
    beforeEach(async () => {
      const store = await makeStore();
      await migrateLedger(store);
      ledger = await openLedger(store, logger);
      hook = await startAlertReceiver();
    });
    afterEach(async () => {
      await ledger.close();
      await hook.close();
    });

    /** Open (and sent) alerts, as an earlier configuration left them. */
    async function left(keys: ReadonlyArray<[string, AlertKind]>): Promise<void> {
      for (const [key, kind] of keys) {
        const sessionId = kind === 'job' ? key.slice('job:'.length) : null;
        await ledger.raiseAlert({ key, kind, sessionId, message: `open: ${key}`, now: clock });
        await ledger.alertDelivered(key, 'open', clock);
      }
    }
    const monitorOf = (sites: Sites) => {
      const routes = alertRoutes(new URL(hook.url), sites, (url) => alertWebhook(url));
      return createAlertMonitor({
        ledger,
        send: routes?.send,
        sites: routes?.sites,
        pendingMinutes: 10_000,
        publicUrl: undefined,
        now: () => clock + 1000,
        logger,
      });
    };
    const openKeys = async () => (await ledger.openAlerts()).map((a) => a.key).sort();

    it('one site → several: the unsited keys and a site taken out are cleared at start-up', async () => {
      await left([
        ['opscom_token', 'opscom_token'],
        ['opscom_validation', 'opscom_validation'],
        ['opscom_token:gone', 'opscom_token'],
        ['opscom_validation:gone', 'opscom_validation'],
        ['opscom_token:east', 'opscom_token'],
        ['opscom_validation:north', 'opscom_validation'],
        ['job:cs_stays', 'job'],
        ['console_logins', 'console_logins'],
      ]);
      const sites = indexSites([testSite('north'), testSite('east')], 'north');
      const monitor = monitorOf(sites);
      await monitor.tick();
      expect(await openKeys()).toEqual([
        'console_logins',
        'job:cs_stays',
        'opscom_token:east',
        'opscom_validation:north',
      ]);
      // Each clearing is sent, naming the site its key meant (the key alone: the default's).
      expect([...hook.messages].sort()).toEqual([
        expect.stringMatching(new RegExp(`^\\[gone\\] ${CLEARED.source}`)),
        expect.stringMatching(new RegExp(`^\\[gone\\] ${CLEARED.source}`)),
        expect.stringMatching(new RegExp(`^\\[north\\] ${CLEARED.source}`)),
        expect.stringMatching(new RegExp(`^\\[north\\] ${CLEARED.source}`)),
      ]);
      // Only the first round looks: what the next rounds raise is theirs.
      await monitor.tick();
      expect(hook.messages).toHaveLength(4);
    });

    it('several sites → one: the sited keys are cleared, the unsited ones stay', async () => {
      await left([
        ['opscom_token', 'opscom_token'],
        ['opscom_validation', 'opscom_validation'],
        ['opscom_token:north', 'opscom_token'],
        ['opscom_validation:east', 'opscom_validation'],
      ]);
      await monitorOf(indexSites([testSite('north')], undefined)).tick();
      expect(await openKeys()).toEqual(['opscom_token', 'opscom_validation']);
      // One site: the messages are in today's words, no site named.
      expect(hook.messages).toHaveLength(2);
      for (const message of hook.messages)
        expect(message).toMatch(new RegExp(`^${CLEARED.source}`));
    });

    it("the verifier's first pass clears Plate Validation's, without an alert route", async () => {
      await left([
        ['opscom_validation', 'opscom_validation'],
        ['opscom_validation:gone', 'opscom_validation'],
        ['opscom_validation:north', 'opscom_validation'],
        ['opscom_token', 'opscom_token'], // the alert monitor's, left to it
      ]);
      const verifier = createVerifier({
        ledger,
        sites: indexSites([testSite('north'), testSite('east')], 'north'),
        validation: createPlateValidationClient({
          url: new URL('http://127.0.0.1:9/validate'), // never asked: nothing is due
          apiToken: 'token',
          client: 'OC-TEST',
          timeoutMs: 1000,
        }),
        timezone: 'America/Toronto',
        delayMs: 60_000,
        everyMs: 3_600_000,
        perSecond: 10,
        timeoutMs: 1000,
        now: () => clock,
        logger,
      });
      expect(await verifier.pass()).toBeUndefined();
      expect(await openKeys()).toEqual(['opscom_token', 'opscom_validation:north']);
      const cleared = await ledger.claimAlertDeliveries(clock, clock + 60_000, 10);
      expect(cleared.map((d) => [d.alert.key, d.phase]).sort()).toEqual([
        ['opscom_validation', 'clear'],
        ['opscom_validation:gone', 'clear'],
      ]);
      for (const d of cleared) expect(d.alert.clearMessage).toMatch(CLEARED);
    });
  },
);
