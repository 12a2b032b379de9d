import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdapterOverrides } from '../../src/adapter';
import { createAlertMonitor } from '../../src/alerts/alertMonitor';
import { alertRoutes } from '../../src/alerts/alertRoutes';
import { alertWebhook } from '../../src/alerts/alertWebhook';
import { createLogger } from '../../src/logger';
import { createVerifier } from '../../src/verify/verifier';
import { validationAccess } from '../../src/verify/validationAlert';
import { verifyServices } from '../../src/verify/verifyServices';
import type { Verification } from '../../src/store/verificationLedger';
import { startOpscomSimulator, type OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { listen, readBody, sendJson, type SimServer } from '../../tools/simulators/simHttp';
import { startHarness, type Harness } from '../support/harness';
import { harnessStores } from '../support/ledgerStores';
import { waitFor } from '../support/serverProcess';
import { startAlertReceiver, type AlertReceiver } from '../support/alertReceiver';
import { makeEvent, makeSession } from '../support/stripeFixtures';

// Seen by enforcement with several sites (issue 26): each permit is checked with its own
// site's client code, token and clock. OPSCOM_VALIDATE_URL is one endpoint for every client
// (as OPSCOM's is): here a front that hands each question to the simulator of its client.
const VERIFY = {
  OPSCOM_VERIFY: 'on',
  OPSCOM_VERIFY_DELAY_SECONDS: '1',
  OPSCOM_VERIFY_EVERY_SECONDS: '1',
  OPSCOM_VERIFY_PER_SECOND: '50',
};
const VALIDATE_PATH = '/api/v1/validate/plate';

/**
 * Plate Validation for several clients at one URL: each question goes to its client's
 * simulator. The token of a client in `refusing` is refused (9002), as OPSCOM does when the
 * Pull API is not granted to it; `refused` counts those answers per client.
 */
interface ValidationFront extends SimServer {
  refusing: Set<string>;
  refused: Map<string, number>;
}
async function validationFront(byClient: Map<string, OpscomSimulator>): Promise<ValidationFront> {
  const refusing = new Set<string>();
  const refused = new Map<string, number>();
  const server = await listen((req, res) => {
    void readBody(req).then(async (text) => {
      const { client } = JSON.parse(text) as { client?: string };
      const sim = byClient.get(client ?? '');
      if (!sim) return sendJson(res, 200, { error: 9000, data: null, message: 'Unknown client' });
      if (refusing.has(client ?? '')) {
        refused.set(client ?? '', (refused.get(client ?? '') ?? 0) + 1);
        const message = 'API token does not have permission';
        return sendJson(res, 200, { error: 9002, data: null, message });
      }
      const answer = await fetch(`${sim.url}${VALIDATE_PATH}`, { method: 'POST', body: text });
      sendJson(res, answer.status, await answer.json());
    });
  });
  return Object.assign(server, { refusing, refused });
}

/** The adapter with two sites, north and east, each its own OPSCOM behind one validation front. */
interface SitesRun {
  h: Harness;
  north: OpscomSimulator;
  east: OpscomSimulator;
  front: ValidationFront;
  close(): Promise<void>;
}

async function startSites(
  env: Record<string, string>,
  overrides: AdapterOverrides = {},
): Promise<SitesRun> {
  const north = await startOpscomSimulator({ apiToken: 'north-token', client: 'OC-NORTH' });
  // East keeps Halifax time: its `expires` read in Toronto's would be an hour off, unseen.
  const east = await startOpscomSimulator({
    apiToken: 'east-token',
    client: 'OC-EAST',
    timezone: 'America/Halifax',
  });
  const front = await validationFront(
    new Map([
      ['OC-NORTH', north],
      ['OC-EAST', east],
    ]),
  );
  const dir = mkdtempSync(join(tmpdir(), 'seen-sites-'));
  const site = (id: string, sim: OpscomSimulator, client: string, timezone: string) => ({
    id,
    opscom: { baseUrl: sim.url, client, tokenEnv: `${id.toUpperCase()}_TOKEN`, timezone },
  });
  const sitesFile = join(dir, 'sites.json');
  writeFileSync(
    sitesFile,
    JSON.stringify({
      sites: [
        site('north', north, 'OC-NORTH', 'America/Toronto'),
        site('east', east, 'OC-EAST', 'America/Halifax'),
      ],
    }),
  );
  const h = await startHarness(
    {
      ...VERIFY,
      SITES_FILE: sitesFile,
      NORTH_TOKEN: 'north-token',
      EAST_TOKEN: 'east-token',
      OPSCOM_VALIDATE_URL: `${front.url}${VALIDATE_PATH}`,
      ...env,
    },
    {},
    { verifyOutageWaitMs: 50, ...overrides },
  );
  return {
    h,
    north,
    east,
    front,
    async close() {
      await h.close();
      await front.close();
      await north.close();
      await east.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A paid session of `site`, its permit made. */
async function paidAt(h: Harness, site: string, plate: string): Promise<string> {
  const session = makeSession({ metadata: { plate, duration: '120', zone: 'Z1', site } });
  h.stripe.addSession(session);
  expect((await h.post(makeEvent('checkout.session.completed', session))).status).toBe(200);
  await h.waitForJob(session.id, ['done']);
  return session.id;
}

describe.each(harnessStores)('seen by enforcement per site on the %s ledger', (_name, storeEnv) => {
  let run: SitesRun | undefined;
  let h: Harness;
  let north: OpscomSimulator;
  let east: OpscomSimulator;

  beforeEach(async () => {
    run = await startSites(await storeEnv());
    ({ h, north, east } = run);
  });
  afterEach(async () => {
    await run?.close();
    run = undefined;
  });

  const paid = (site: string, plate: string) => paidAt(h, site, plate);
  const checked = (sessionId: string) =>
    waitFor(
      `two checks of ${sessionId}`,
      async () => {
        const v = await h.adapter.ledger.getVerification(sessionId);
        return v && v.checks >= 2 ? v : undefined;
      },
      20_000,
    );
  const validations = (sim: OpscomSimulator) =>
    sim.received.filter((r) => r.path === VALIDATE_PATH);

  test("each site's permits are checked with its own client code, token and timezone", async () => {
    // The same plate at both sites: one question per plate and site, each to its own client.
    const northIds = [await paid('north', 'NOR 1'), await paid('north', 'SAME 1')];
    const eastIds = [await paid('east', 'EAS 1'), await paid('east', 'SAME 1')];
    const results: Verification[] = [];
    for (const id of [...northIds, ...eastIds]) results.push(await checked(id));
    for (const v of results) expect(v).toMatchObject({ state: 'visible', lastResult: 'visible' });

    const asked = (sim: OpscomSimulator) => new Set(validations(sim).map((r) => r.body['plate']));
    expect(asked(north)).toEqual(new Set(['NOR1', 'SAME1']));
    expect(asked(east)).toEqual(new Set(['EAS1', 'SAME1']));
    for (const [sim, client] of [
      [north, 'OC-NORTH'],
      [east, 'OC-EAST'],
    ] as const) {
      for (const call of validations(sim)) {
        expect(call.body['client']).toBe(client);
        expect(call.tokenValid).toBe(true);
        expect(call.answered).toBe('success');
      }
    }
    // The environment's own OPSCOM (the harness's) is asked nothing; no alert is open.
    expect(validations(h.opscom)).toEqual([]);
    expect(await h.adapter.ledger.openAlerts()).toEqual([]);
    expect(h.logs()).not.toContain('east-token');
    // Each site's calls are counted under its own label.
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    for (const site of ['north', 'east']) {
      const series = new RegExp(
        `opscom_calls_total\\{[^}]*operation="validate"[^}]*site="${site}"`,
      );
      expect(metrics).toMatch(series);
    }
  });
  test('a site whose token Plate Validation refuses stops only its own checks, with its own alert', async () => {
    const front = run!.front;
    front.refusing.add('OC-EAST');
    const eastId = await paid('east', 'EAS 9');
    const alertOf = async (key: string) =>
      (await h.adapter.ledger.openAlerts()).find((a) => a.key === key);
    const alert = await waitFor('east refused', () => alertOf('opscom_validation:east'), 20_000);
    expect(alert.message).toMatch(/^OPSCOM Plate Validation refuses this site's token/);
    expect(alert.message).toMatch(/EAST_TOKEN for client OC-EAST/);
    // North's permits go on being checked (twice) while east is refused: the loop goes on.
    const northId = await paid('north', 'NOR 9');
    expect(await checked(northId)).toMatchObject({ state: 'visible', lastError: null });
    const eastNow = await h.adapter.ledger.getVerification(eastId);
    expect(eastNow).toMatchObject({ checks: 0, misses: 0 });
    expect(eastNow?.lastError).toMatch(/9002/);
    expect((await h.adapter.ledger.openAlerts()).map((a) => a.key)).toEqual([
      'opscom_validation:east',
    ]);
    expect(h.logs()).toContain("Plate Validation refuses a site's token or client code");
    expect(h.logs()).not.toContain('checks resume later'); // the loop's own wait: not taken
    expect(h.logs()).not.toContain('east-token');

    // Granted again: east's permit is checked at its next turn, and its alert clears.
    front.refusing.delete('OC-EAST');
    expect(await checked(eastId)).toMatchObject({ state: 'visible', lastError: null });
    await waitFor('the alert cleared', async () =>
      (await alertOf('opscom_validation:east')) ? undefined : true,
    );
    expect(await h.adapter.ledger.openAlerts()).toEqual([]);
  });
});

// The same refusal, one round at a time: the verifier's pass driven with a clock of its own
// (the loop's own clock never finds these permits due: DELAY is an hour).
const HOUR = 3_600_000;
const silent = createLogger({ level: 'error', pretty: false, silent: true });
const aRound = (h: Harness, now: () => number) =>
  createVerifier({
    ledger: h.adapter.ledger,
    ...verifyServices(h.config, h.config.verify!),
    sites: h.config.sites,
    perSecond: 50,
    timeoutMs: 2000,
    now,
    logger: silent,
  });

describe.each(harnessStores)('a round with a site refused on the %s ledger', (_name, storeEnv) => {
  let run: SitesRun | undefined;
  let hook: AlertReceiver | undefined;
  afterEach(async () => {
    await run?.close();
    await hook?.close();
    run = undefined;
    hook = undefined;
  });

  test("east refused: north's permits are checked in the same round, east's put back; one alert naming east, cleared once east is accepted", async () => {
    hook = await startAlertReceiver();
    run = await startSites({
      ...(await storeEnv()),
      OPSCOM_VERIFY_DELAY_SECONDS: '3600',
      OPSCOM_VERIFY_EVERY_SECONDS: '3600',
    });
    const { h, front } = run;
    const northIds = [await paidAt(h, 'north', 'NOR 1'), await paidAt(h, 'north', 'NOR 2')];
    const eastIds: string[] = [];
    for (const plate of ['EAS 1', 'EAS 2', 'EAS 3']) eastIds.push(await paidAt(h, 'east', plate));
    front.refusing.add('OC-EAST');
    let clock = Date.now() + HOUR + 60_000;
    const verifier = aRound(h, () => clock);

    const first = await verifier.pass();
    expect(first).toMatchObject({
      stopped: undefined,
      checked: 2,
      refused: [{ site: 'east', error: expect.stringMatching(/9002/) as unknown }],
      answered: ['north'],
    });
    const ledger = h.adapter.ledger;
    for (const id of northIds) {
      expect(await ledger.getVerification(id)).toMatchObject({
        state: 'visible',
        checks: 1,
        leaseOwner: null,
      });
    }
    for (const id of eastIds) {
      const v = await ledger.getVerification(id);
      expect(v).toMatchObject({ state: 'scheduled', checks: 0, misses: 0, leaseOwner: null });
      expect(v?.lastError).toMatch(/9002/);
    }
    // Once refused, east's other plates were not asked (two at once at most: the concurrency).
    expect(front.refused.get('OC-EAST')).toBeLessThanOrEqual(2);
    const open = await ledger.openAlerts();
    expect(open.map((a) => a.key)).toEqual(['opscom_validation:east']);
    // The alerts' rounds, on the same clock (a message is due from its alert's time).
    const routes = alertRoutes(new URL(hook.url), h.config.sites, (url) => alertWebhook(url));
    const alerts = createAlertMonitor({
      ledger,
      send: routes?.send,
      sites: routes?.sites,
      pendingMinutes: 10_000,
      publicUrl: undefined,
      now: () => clock,
      logger: silent,
    });
    await alerts.tick();
    expect(hook.messages[0]).toMatch(
      /^\[east\] OPSCOM Plate Validation refuses this site's token or client code: its permits are not being checked/,
    );

    // Accepted again: east's permits, put back for an outage's wait, are checked; it clears.
    front.refusing.delete('OC-EAST');
    clock += 61_000;
    const second = await verifier.pass();
    expect(second).toMatchObject({
      stopped: undefined,
      checked: 3,
      refused: [],
      answered: ['east'],
    });
    for (const id of eastIds) {
      expect(await ledger.getVerification(id)).toMatchObject({
        state: 'visible',
        checks: 1,
        lastError: null,
      });
    }
    expect(await ledger.openAlerts()).toEqual([]);
    await alerts.tick();
    expect(hook.messages[1]).toMatch(/^\[east\] OPSCOM Plate Validation answers again/);
    expect(hook.messages).toHaveLength(2);
  });

  test('with one site, a refusal is one alert as before, and the loop waits', async () => {
    const h = await startHarness({
      ...(await storeEnv()),
      ...VERIFY,
      OPSCOM_VERIFY_DELAY_SECONDS: '3600',
      OPSCOM_VERIFY_EVERY_SECONDS: '3600',
    });
    run = { h, close: () => h.close() } as SitesRun;
    const session = makeSession({ metadata: { plate: 'ONE 1', duration: '120', zone: 'Z1' } });
    h.stripe.addSession(session);
    await h.post(makeEvent('checkout.session.completed', session));
    await h.waitForJob(session.id, ['done']);
    h.opscom.enforcement.failNext(9002, 1);
    let clock = Date.now() + HOUR + 60_000;
    const verifier = aRound(h, () => clock);

    const first = await verifier.pass();
    expect(first?.refused).toEqual([
      { site: 'default', error: expect.stringMatching(/9002/) as unknown },
    ]);
    // The loop waits, as it did when a refusal stopped the round.
    expect(validationAccess(h.config.sites).failed(first!, silent)).toMatch(/9002/);
    const [alert, ...others] = await h.adapter.ledger.openAlerts();
    expect(others).toEqual([]);
    expect(alert).toMatchObject({ key: 'opscom_validation', kind: 'opscom_validation' });
    expect(alert?.message).toMatch(
      /^OPSCOM Plate Validation refuses the adapter: permits are not being checked against enforcement \(they are still being made\)\. OPSCOM said: .*9002/,
    );

    clock += 61_000;
    const second = await verifier.pass();
    expect(second).toMatchObject({ stopped: undefined, checked: 1, refused: [] });
    expect(await h.adapter.ledger.openAlerts()).toEqual([]);
  });
});
