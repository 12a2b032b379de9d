import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOpscomSimulator, type OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { startHarness, type Harness } from '../support/harness';
import { harnessStores } from '../support/ledgerStores';
import { waitFor } from '../support/serverProcess';
import { makeEvent, makeSession } from '../support/stripeFixtures';

// A site's own Plate Validation endpoint (opscom.validateUrl): each site's permits are asked
// at its own; a site that names none is asked at OPSCOM_VALIDATE_URL.
const VERIFY = {
  OPSCOM_VERIFY: 'on',
  OPSCOM_VERIFY_DELAY_SECONDS: '1',
  OPSCOM_VERIFY_EVERY_SECONDS: '1',
  OPSCOM_VERIFY_PER_SECOND: '50',
};
const VALIDATE_PATH = '/api/v1/validate/plate';
// Each simulator answers Plate Validation at a path of its own, so a question sent to the
// right host at the wrong path is not answered as if it were right.
const pathOf = (id: string) => `/${id}/validate/plate`;

describe.each(harnessStores)("each site's validateUrl on the %s ledger", (_name, storeEnv) => {
  let h: Harness;
  const sims = new Map<string, OpscomSimulator>();
  let dir: string;

  beforeEach(async () => {
    for (const [id, timezone] of [
      ['north', 'America/Toronto'],
      ['east', 'America/Halifax'],
      ['west', 'America/Vancouver'],
    ] as const) {
      const sim = await startOpscomSimulator({
        apiToken: `${id}-token`,
        client: `OC-${id.toUpperCase()}`,
        timezone,
        validatePath: id === 'west' ? VALIDATE_PATH : pathOf(id),
      });
      sims.set(id, sim);
    }
    dir = mkdtempSync(join(tmpdir(), 'validate-url-'));
    const site = (id: string, timezone: string, own: boolean) => {
      const sim = sims.get(id)!;
      return {
        id,
        opscom: {
          baseUrl: sim.url,
          ...(own ? { validateUrl: `${sim.url}${pathOf(id)}` } : {}),
          client: `OC-${id.toUpperCase()}`,
          tokenEnv: `${id.toUpperCase()}_TOKEN`,
          timezone,
        },
      };
    };
    const sitesFile = join(dir, 'sites.json');
    writeFileSync(
      sitesFile,
      JSON.stringify({
        sites: [
          site('north', 'America/Toronto', true),
          site('east', 'America/Halifax', true),
          site('west', 'America/Vancouver', false),
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
        WEST_TOKEN: 'west-token',
        OPSCOM_VALIDATE_URL: `${sims.get('west')!.url}${VALIDATE_PATH}`,
      },
      {},
      { verifyOutageWaitMs: 50 },
    );
  });
  afterEach(async () => {
    await h?.close();
    for (const sim of sims.values()) await sim.close();
    sims.clear();
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
      `a check of ${sessionId}`,
      async () => {
        const v = await h.adapter.ledger.getVerification(sessionId);
        return v && v.checks >= 1 ? v : undefined;
      },
      20_000,
    );

  test('each site is asked at its own endpoint; one that names none at OPSCOM_VALIDATE_URL', async () => {
    // The same plate at every site: asked once per site, each at its own endpoint.
    const ids = [];
    for (const site of ['north', 'east', 'west']) {
      ids.push(await paid(site, `${site.slice(0, 3).toUpperCase()} 1`), await paid(site, 'SAME 1'));
    }
    for (const id of ids) {
      expect(await checked(id)).toMatchObject({ state: 'visible', lastResult: 'visible' });
    }
    for (const [id, sim] of sims) {
      const path = id === 'west' ? VALIDATE_PATH : pathOf(id);
      const asked = sim.received.filter((r) => r.path.endsWith('/validate/plate'));
      expect(new Set(asked.map((r) => r.body['plate']))).toEqual(
        new Set([`${id.slice(0, 3).toUpperCase()}1`, 'SAME1']),
      );
      for (const call of asked) {
        expect(call).toMatchObject({ path, tokenValid: true, answered: 'success' });
        expect(call.body['client']).toBe(`OC-${id.toUpperCase()}`);
      }
    }
    // The environment's own OPSCOM (the harness's) is asked nothing; no alert is open.
    expect(h.opscom.received.filter((r) => r.path.endsWith('/validate/plate'))).toEqual([]);
    expect(await h.adapter.ledger.openAlerts()).toEqual([]);
  });
});
