import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Verification } from '../../src/store/verificationLedger';
import { startOpscomSimulator, type OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { listen, readBody, sendJson, type SimServer } from '../../tools/simulators/simHttp';
import { startHarness, type Harness } from '../support/harness';
import { harnessStores } from '../support/ledgerStores';
import { waitFor } from '../support/serverProcess';
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

/** Plate Validation for several clients at one URL: each question goes to its client's simulator. */
function validationFront(byClient: Map<string, OpscomSimulator>): Promise<SimServer> {
  return listen((req, res) => {
    void readBody(req).then(async (text) => {
      const { client } = JSON.parse(text) as { client?: string };
      const sim = byClient.get(client ?? '');
      if (!sim) return sendJson(res, 200, { error: 9000, data: null, message: 'Unknown client' });
      const answer = await fetch(`${sim.url}${VALIDATE_PATH}`, { method: 'POST', body: text });
      sendJson(res, answer.status, await answer.json());
    });
  });
}

describe.each(harnessStores)('seen by enforcement per site on the %s ledger', (_name, storeEnv) => {
  let h: Harness;
  let north: OpscomSimulator;
  let east: OpscomSimulator;
  let front: SimServer;
  let dir: string;

  beforeEach(async () => {
    north = await startOpscomSimulator({ apiToken: 'north-token', client: 'OC-NORTH' });
    // East keeps Halifax time: its `expires` read in Toronto's would be an hour off, unseen.
    east = await startOpscomSimulator({
      apiToken: 'east-token',
      client: 'OC-EAST',
      timezone: 'America/Halifax',
    });
    front = await validationFront(
      new Map([
        ['OC-NORTH', north],
        ['OC-EAST', east],
      ]),
    );
    dir = mkdtempSync(join(tmpdir(), 'seen-sites-'));
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
    h = await startHarness(
      {
        ...(await storeEnv()),
        ...VERIFY,
        SITES_FILE: sitesFile,
        NORTH_TOKEN: 'north-token',
        EAST_TOKEN: 'east-token',
        OPSCOM_VALIDATE_URL: `${front.url}${VALIDATE_PATH}`,
      },
      {},
      { verifyOutageWaitMs: 50 },
    );
  });
  afterEach(async () => {
    await h?.close();
    await front?.close();
    await north?.close();
    await east?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function paid(site: string, plate: string): Promise<string> {
    const session = makeSession({ metadata: { plate, duration: '120', zone: 'Z1', site } });
    h.stripe.addSession(session);
    expect((await h.post(makeEvent('checkout.session.completed', session))).status).toBe(200);
    await h.waitForJob(session.id, ['done']);
    return session.id;
  }
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
});
