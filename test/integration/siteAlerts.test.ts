import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAlertMonitor } from '../../src/alerts/alertMonitor';
import { alertRoutes } from '../../src/alerts/alertRoutes';
import { alertWebhook } from '../../src/alerts/alertWebhook';
import { createLogger } from '../../src/logger';
import { indexSites } from '../../src/sites/site';
import { emptyJob } from '../../src/store/jobRow';
import type { Ledger } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { startAlertReceiver, type AlertReceiver } from '../support/alertReceiver';
import { harnessStores } from '../support/ledgerStores';
import { runReplayCli } from '../support/replay';
import { waitFor } from '../support/serverProcess';
import { testSite } from '../support/siteFixtures';
import { makeEvent, makeSession } from '../support/stripeFixtures';
import { startTwoSites, type SiteEntryChanges, type TwoSites } from '../support/twoSites';

// Two sites, east with an alert webhook of its own (alertWebhookUrlEnv): every alert about a
// site names it, and goes to that site's webhook, else to ALERT_WEBHOOK_URL.
describe.each(harnessStores)('alerts of two sites on the %s ledger', (_name, storeEnv) => {
  let sites: TwoSites;
  let main: AlertReceiver | undefined;
  let eastHook: AlertReceiver;
  afterEach(async () => {
    await sites?.close();
    await main?.close();
    await eastHook?.close();
    main = undefined;
  });

  /** The adapter with east's own route, and ALERT_WEBHOOK_URL unless `withMain` is false. */
  const start = async (
    env: Record<string, string> = {},
    withMain = true,
    east: SiteEntryChanges = {},
  ) => {
    eastHook = await startAlertReceiver('eastsecret');
    main = withMain ? await startAlertReceiver('mainsecret') : undefined;
    sites = await startTwoSites({
      env: {
        ...(await storeEnv()),
        ...(main ? { ALERT_WEBHOOK_URL: main.url } : {}),
        EAST_ALERT_WEBHOOK_URL: eastHook.url,
        PUBLIC_URL: 'https://permits.example.com/',
        ...env,
      },
      east: { alertWebhookUrlEnv: 'EAST_ALERT_WEBHOOK_URL', ...east },
      overrides: { alertIntervalMs: 30 },
    });
  };
  const unmappable = { plate: '<!channel>' };
  const settle = () => new Promise((r) => setTimeout(r, 300)); // many alert rounds

  it("sends a failed job of east to east's webhook, naming east; others to ALERT_WEBHOOK_URL", async () => {
    await start();
    const { h } = sites;
    const east = await sites.pay('east', unmappable);
    const north = await sites.pay('north', unmappable);
    const nowhere = await sites.pay(undefined);
    for (const id of [east, north, nowhere]) await h.waitForJob(id, ['failed']);

    const [eastMessage] = await waitFor(
      'east alert',
      () => eastHook.messages[0] && eastHook.messages,
    );
    expect(eastMessage).toMatch(
      new RegExp(`^\\[east\\] Permit not made: job ${east} is failed\\. Reason: cannot map`),
    );
    expect(eastMessage).toContain(`https://permits.example.com/console/jobs/${east}`);
    expect(eastMessage).toContain('&lt;!channel&gt;');
    await waitFor('the others', () => (main!.messages.length >= 2 ? true : undefined));
    await settle();
    expect(eastHook.messages).toHaveLength(1);
    expect([...main!.messages].sort()).toEqual([
      expect.stringMatching(new RegExp(`^\\[no site\\] Permit not made: job ${nowhere} is failed`)),
      expect.stringMatching(new RegExp(`^\\[north\\] Permit not made: job ${north} is failed`)),
    ]);
    expect(main!.messages.join('\n')).not.toContain(east);

    // Fixed: its resolution goes where its alert went, naming it too.
    await runReplayCli(h, ['--session', east, '--plate', 'FIXED1']);
    await waitFor('the resolution', () => eastHook.messages[1]);
    expect(eastHook.messages[1]).toMatch(
      new RegExp(`^\\[east\\] Resolved: job ${east} is now done`),
    );
    expect(h.logs()).not.toContain('eastsecret');
    expect(h.logs()).not.toContain('mainsecret');
  });

  it('reaches east without ALERT_WEBHOOK_URL; what has no webhook is not sent', async () => {
    await start({}, false);
    const { h } = sites;
    const north = await sites.pay('north', unmappable);
    const east = await sites.pay('east', unmappable);
    await h.waitForJob(north, ['failed']);
    await h.waitForJob(east, ['failed']);
    await waitFor('east alert', () => eastHook.messages[0]);
    await settle();
    expect(eastHook.messages).toEqual([
      expect.stringMatching(new RegExp(`^\\[east\\] Permit not made: job ${east} is failed`)),
    ]);
    // North's alert is still open in the ledger (the console lists it), sent nowhere.
    const open = await h.adapter.ledger.openAlerts();
    expect(open.map((a) => a.key).sort()).toEqual([`job:${east}`, `job:${north}`].sort());
    expect(h.logs()).toContain('alert not sent: no alert webhook for it');
  });

  it("one alert per site whose token OPSCOM refuses, naming the site and its token's variable", async () => {
    await start({ NORTH_TOKEN: 'wrong-north', EAST_TOKEN: 'wrong-east' });
    const { h } = sites;
    await sites.pay('east');
    await sites.pay('north');
    await waitFor('east token alert', () => eastHook.messages[0]);
    await waitFor('north token alert', () => main!.messages[0]);
    await settle();
    expect(eastHook.messages).toEqual([
      expect.stringMatching(
        /^\[east\] OPSCOM refuses the API token: no permit can be made until EAST_TOKEN is fixed/,
      ),
    ]);
    expect(main!.messages).toEqual([
      expect.stringMatching(
        /^\[north\] OPSCOM refuses the API token: no permit can be made until NORTH_TOKEN is fixed/,
      ),
    ]);
    expect((await h.adapter.ledger.openAlerts()).map((a) => a.key).sort()).toEqual([
      'opscom_token:east',
      'opscom_token:north',
    ]);
    expect(h.logs()).not.toContain('wrong-east');
  });
  it("Stripe refusing east's connected account: one alert naming east and the account, to east's route, cleared once it is accepted", async () => {
    const account = 'acct_1EastOperator';
    await start({}, true, { stripeAccount: account });
    const { h } = sites;
    h.stripe.refusedAccounts.add(account);
    const session = makeSession({ metadata: { plate: 'EAST 1', duration: '60' } });
    h.stripe.account(account).addSession(session);
    const event = { ...makeEvent('checkout.session.completed', session), account };
    expect((await h.post(event)).status).toBe(200);

    const [raised] = await waitFor(
      'the account alert',
      () => eastHook.messages[0] && eastHook.messages,
    );
    expect(raised).toMatch(
      new RegExp(
        `^\\[east\\] Stripe refuses the platform access to connected account ${account}: `,
      ),
    );
    expect(raised).toContain("its site's stripeAccount in SITES_FILE is right");
    expect(raised).toContain('(HTTP 403): The provided key');
    // North's payments go on; its key and the platform's are not in question.
    const north = await sites.pay('north');
    await h.waitForJob(north, ['done']);
    await waitFor('more refusals', async () => {
      const job = await h.adapter.ledger.getJob(session.id);
      return job && job.attempts >= 3 ? job : undefined;
    });
    expect(await h.adapter.ledger.getJob(session.id)).toMatchObject({
      state: 'pending',
      site: 'east',
    });
    expect((await h.adapter.ledger.openAlerts()).map((a) => a.key)).toEqual([
      'stripe_account:east',
    ]);
    expect(eastHook.messages).toHaveLength(1);
    expect(main!.messages).toEqual([]);

    // Reconnected: the next write-back as the account is accepted, and the alert clears.
    h.stripe.refusedAccounts.delete(account);
    await h.waitForJob(session.id, ['done']);
    await waitFor('the clearing', () => eastHook.messages[1]);
    expect(eastHook.messages[1]).toBe(
      `[east] Stripe accepts the platform's calls as connected account ${account} again: its permits' OPSCOM references are being written back.`,
    );
    await settle();
    expect(eastHook.messages).toHaveLength(2);
    expect(main!.messages).toEqual([]);
    expect(await h.adapter.ledger.openAlerts()).toEqual([]);
  });

  it("the console's open alerts name each alert's site, as their messages do", async () => {
    const password = 'console-password-for-tests';
    await start({ NORTH_TOKEN: 'wrong-north', CONSOLE_PASSWORD: password });
    const { h } = sites;
    await sites.pay('north');
    const east = await sites.pay('east', unmappable);
    const nowhere = await sites.pay(undefined);
    for (const id of [east, nowhere]) await h.waitForJob(id, ['failed']);
    const ledger = h.adapter.ledger;
    await waitFor('the three alerts', async () =>
      (await ledger.openAlerts()).length >= 3 ? true : undefined,
    );
    // About no site: a failed refund of a payment the ledger has no session of.
    await ledger.raiseAlert({
      key: 'refund_failed:re_unknown',
      kind: 'refund_failed',
      sessionId: null,
      message: 'refund re_unknown failed',
      now: Date.now(),
    });
    const authorization = `Basic ${Buffer.from(`operator:${password}`).toString('base64')}`;
    const res = await fetch(`${h.url}/console/`, { headers: { authorization } });
    expect(res.status).toBe(200);
    const overview = await res.text();
    const alerts = overview.slice(overview.indexOf('Open alerts'));
    expect(alerts).toContain('<th>Site</th>');
    const row = (site: string, text: string) =>
      new RegExp(`<td class="site">${site}</td>\\s*<td>\\s*(<a [^>]*>)?${text}`);
    expect(alerts).toMatch(row('north', 'OPSCOM refuses the API token'));
    expect(alerts).toMatch(row('east', `Permit not made: job ${east} is failed`));
    expect(alerts).toMatch(row('no site', `Permit not made: job ${nowhere} is failed`));
    expect(alerts).toMatch(/<td class="site muted">—<\/td>\s*<td>\s*refund re_unknown failed/);
  });
});

describe('the alert rounds of two sites', () => {
  const logger = createLogger({ level: 'error', pretty: false, silent: true });
  let dir: string;
  let ledger: Ledger;
  let main: AlertReceiver;
  let east: AlertReceiver;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'site-alerts-'));
    const store = { kind: 'sqlite' as const, sqlitePath: join(dir, 'ledger.sqlite') };
    await migrateLedger(store);
    ledger = await openLedger(store, logger);
    main = await startAlertReceiver();
    east = await startAlertReceiver();
  });
  afterEach(async () => {
    await ledger.close();
    await main.close();
    await east.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const clock = 1_800_000_000_000;
  const failedJob = (sessionId: string, site: string | null) =>
    ledger.changeJob(sessionId, () => ({
      result: undefined,
      write: { ...emptyJob(sessionId, clock), state: 'failed', site, lastError: 'bad plate' },
    }));

  it('many at once go as one message per webhook, each line naming its site', async () => {
    const sites = indexSites([testSite('north'), testSite('east', east.url)], 'north');
    const routes = alertRoutes(new URL(main.url), sites, (url) => alertWebhook(url));
    const monitor = createAlertMonitor({
      ledger,
      send: routes?.send,
      sites: routes?.sites,
      pendingMinutes: 15,
      publicUrl: undefined,
      now: () => clock,
      logger,
    });
    for (let i = 0; i < 6; i++) await failedJob(`cs_east_${i}`, 'east');
    await failedJob('cs_north', 'north');
    await failedJob('cs_before_sites', 'default'); // from before the sites file: the default's
    for (let i = 0; i < 4; i++) await failedJob(`cs_none_${i}`, null);
    await monitor.tick();

    const linesOf = (message: string | undefined) => (message ?? '').split('\n');
    expect(east.messages).toHaveLength(1);
    const eastLines = linesOf(east.messages[0]);
    expect(eastLines[0]).toBe('6 alerts at once:');
    expect(eastLines.slice(1)).toHaveLength(6);
    for (const line of eastLines.slice(1)) {
      expect(line).toMatch(/^• \[east\] Permit not made: job cs_east_/);
    }
    // ALERT_WEBHOOK_URL's six: one message too, each line naming its own site.
    expect(main.messages).toHaveLength(1);
    const mainLines = linesOf(main.messages[0]);
    expect(mainLines[0]).toBe('6 alerts at once:');
    expect(mainLines.slice(1).sort()).toEqual([
      expect.stringMatching(/^• \[no site\] Permit not made: job cs_none_0 is failed/),
      expect.stringMatching(/^• \[no site\] Permit not made: job cs_none_1 is failed/),
      expect.stringMatching(/^• \[no site\] Permit not made: job cs_none_2 is failed/),
      expect.stringMatching(/^• \[no site\] Permit not made: job cs_none_3 is failed/),
      expect.stringMatching(/^• \[north\] Permit not made: job cs_before_sites is failed/),
      expect.stringMatching(/^• \[north\] Permit not made: job cs_north is failed/),
    ]);
  });
});
