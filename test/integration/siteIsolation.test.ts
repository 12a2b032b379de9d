import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Job } from '../../src/store/ledger';
import type { SiteHealth } from '../../src/worker/siteGate';
import {
  startOpscomSimulator,
  type OpscomSimulator,
  type OpscomSimulatorOptions,
} from '../../tools/simulators/opscomSimulator';
import { startHarness, type Harness } from '../support/harness';
import { harnessStores } from '../support/ledgerStores';
import { makeEvent, makeSession } from '../support/stripeFixtures';

// Isolation between sites (issue 26): a site whose OPSCOM is down, slow or refusing the token
// holds no more than its share of the worker, is paused as a whole and probed, and resumes by
// itself once its OPSCOM answers; the other site's payments go through meanwhile.
const N = 12;
// Generous: a paused site is probed after 1 s, 2 s, 4 s … (no assertion on how fast).
const WAIT_MS = 45_000;

describe.each(harnessStores)('site isolation on the %s ledger', (_name, storeEnv) => {
  let h: Harness;
  let north: OpscomSimulator;
  let east: OpscomSimulator;
  // The simulator reads its token from here at each call: an operator can fix it in OPSCOM.
  let northOptions: OpscomSimulatorOptions;
  let dir: string;

  beforeEach(async () => {
    northOptions = { apiToken: 'north-token', client: 'OC-NORTH' };
    north = await startOpscomSimulator(northOptions);
    east = await startOpscomSimulator({ apiToken: 'east-token', client: 'OC-EAST' });
    dir = mkdtempSync(join(tmpdir(), 'site-isolation-'));
    const sitesFile = join(dir, 'sites.json');
    const site = (id: string, sim: OpscomSimulator, client: string) => ({
      id,
      opscom: {
        baseUrl: sim.url,
        client,
        tokenEnv: `${id.toUpperCase()}_TOKEN`,
        timezone: 'America/Toronto',
        zone: `Lot ${id}`,
      },
    });
    writeFileSync(
      sitesFile,
      JSON.stringify({
        sites: [site('north', north, 'OC-NORTH'), site('east', east, 'OC-EAST')],
      }),
    );
    h = await startHarness({
      ...(await storeEnv()),
      SITES_FILE: sitesFile,
      NORTH_TOKEN: 'north-token',
      EAST_TOKEN: 'east-token',
      WORKER_CONCURRENCY: '4',
    });
  });
  afterEach(async () => {
    await h?.close();
    await north?.close();
    await east?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** N payments of each site, north's first (due first), posted together. */
  async function postBoth(): Promise<{ north: string[]; east: string[] }> {
    const payments = ['north', 'east'].flatMap((site) =>
      Array.from({ length: N }, (_, i) => {
        const session = makeSession({
          metadata: { plate: `${site.slice(0, 1).toUpperCase()}X ${i}`, duration: '60', site },
        });
        h.stripe.addSession(session);
        return { site, session, event: makeEvent('checkout.session.completed', session) };
      }),
    );
    const statuses = await Promise.all(payments.map((p) => h.post(p.event)));
    expect(statuses.map((s) => s.status)).toEqual(payments.map(() => 200));
    const ids = (site: string) => payments.filter((p) => p.site === site).map((p) => p.session.id);
    return { north: ids('north'), east: ids('east') };
  }

  const allIn = (ids: string[], states: Job['state'][]) =>
    Promise.all(ids.map((id) => h.waitForJob(id, states, WAIT_MS)));
  const healthOf = (site: string): SiteHealth | undefined =>
    h.adapter.worker?.siteHealth().find((s) => s.site === site);

  /** Waits until `check` holds (polled), failing with `what` after WAIT_MS. */
  async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`never: ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The most requests north's OPSCOM had open at once (answered or given up on: closed). */
  function mostOpenAtNorth(): () => number {
    let open = 0;
    let most = 0;
    north.server.on('request', (_req, res: ServerResponse) => {
      most = Math.max(most, ++open);
      res.on('close', () => open--);
    });
    return () => most;
  }

  /** East's payments all done while north fails; then north fixed, north's done too. */
  async function eastThroughNorthResumes(fix: () => void): Promise<void> {
    const mostOpen = mostOpenAtNorth();
    const ids = await postBoth();
    const eastJobs = await allIn(ids.east, ['done']);
    expect(eastJobs.every((job) => job.site === 'east' && job.opscom !== null)).toBe(true);
    expect(east.permits.size).toBe(N);

    // North was tried, counted as failing as a whole, and paused; none of its jobs is done.
    await until('north paused', () => healthOf('north')?.pausedUntil !== undefined);
    expect(healthOf('north')?.failuresInARow).toBeGreaterThanOrEqual(3);
    expect(north.received.length).toBeGreaterThan(0);
    const northNow = await Promise.all(ids.north.map((id) => h.adapter.ledger.getJob(id)));
    expect(northNow.filter((job) => job?.state === 'done')).toEqual([]);
    expect(northNow.every((job) => job?.state === 'pending')).toBe(true);

    // Paused, north is called by one probe (plus calls of jobs claimed before the pause, at
    // most its share): not by every job retrying. A failed probe pauses it again.
    const pausedUntil = healthOf('north')?.pausedUntil;
    const callsBefore = north.received.length;
    await until('a probe failed', () => healthOf('north')?.pausedUntil !== pausedUntil);
    expect(north.received.length - callsBefore).toBeLessThanOrEqual(1 + 2);

    fix();
    const northJobs = await allIn(ids.north, ['done']);
    expect(northJobs.every((job) => job.site === 'north')).toBe(true);
    expect(north.permits.size).toBe(N);
    // Retried: more calls than permits. Never more than its share (half of 4 slots) at once.
    expect(north.received.length).toBeGreaterThan(N);
    expect(mostOpen()).toBeLessThanOrEqual(2);
    expect(healthOf('north')).toMatchObject({ pausedUntil: undefined, failuresInARow: 0 });
    expect(healthOf('east')).toMatchObject({ pausedUntil: undefined, failuresInARow: 0 });
  }

  it("lets the other site's payments through while one site's OPSCOM fails every call", async () => {
    north.faults.setRate(1, ['500']);
    await eastThroughNorthResumes(() => north.faults.clear());
    expect(healthOf('north')?.inFlight).toBe(0);
  });

  it("lets the other site's payments through while one site's OPSCOM refuses the token", async () => {
    northOptions.apiToken = 'rotated-north-token';
    await eastThroughNorthResumes(() => (northOptions.apiToken = 'north-token'));
    // Every refused call was refused for its token, and the payments went through once fixed.
    expect(north.received.some((r) => !r.tokenValid)).toBe(true);
  });

  it("lets the other site's payments through while one site's OPSCOM never answers", async () => {
    north.faults.setRate(1, ['hang']);
    await eastThroughNorthResumes(() => north.faults.clear());
  });
});
