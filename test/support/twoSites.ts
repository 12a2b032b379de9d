import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdapterOverrides } from '../../src/adapter';
import {
  startOpscomSimulator,
  type OpscomSimulator,
  type OpscomSimulatorOptions,
} from '../../tools/simulators/opscomSimulator';
import { startHarness, type Harness } from './harness';
import { makeEvent, makeSession } from './stripeFixtures';

/** An adapter serving two sites, north and east, each with its own OPSCOM simulator. */
export interface TwoSites {
  h: Harness;
  north: OpscomSimulator;
  east: OpscomSimulator;
  /** A paid session of `site` (metadata.site; none: no site matches), posted as its webhook. */
  pay(site: string | undefined, metadata?: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

export interface TwoSitesOptions {
  /** Joins the adapter's environment (the tokens: NORTH_TOKEN, EAST_TOKEN). */
  env?: Record<string, string>;
  /** Joins east's entry in the sites file (e.g. its alertWebhookUrlEnv). */
  east?: Record<string, unknown>;
  /** East's OPSCOM simulator (e.g. its latency). */
  eastOpscom?: Partial<OpscomSimulatorOptions>;
  overrides?: AdapterOverrides;
}

export async function startTwoSites(options: TwoSitesOptions = {}): Promise<TwoSites> {
  const { env = {}, east = {}, overrides = {} } = options;
  const northSim = await startOpscomSimulator({ apiToken: 'north-token', client: 'OC-NORTH' });
  const eastSim = await startOpscomSimulator({
    apiToken: 'east-token',
    client: 'OC-EAST',
    ...options.eastOpscom,
  });
  const dir = mkdtempSync(join(tmpdir(), 'two-sites-'));
  const sitesFile = join(dir, 'sites.json');
  const opscom = (sim: OpscomSimulator, client: string, tokenEnv: string, zone: string) => ({
    baseUrl: sim.url,
    client,
    tokenEnv,
    timezone: 'America/Toronto',
    zone,
  });
  const sites = [
    { id: 'north', opscom: opscom(northSim, 'OC-NORTH', 'NORTH_TOKEN', 'Lot N') },
    { id: 'east', opscom: opscom(eastSim, 'OC-EAST', 'EAST_TOKEN', 'Lot E'), ...east },
  ];
  writeFileSync(sitesFile, JSON.stringify({ sites }));
  const h = await startHarness(
    { SITES_FILE: sitesFile, NORTH_TOKEN: 'north-token', EAST_TOKEN: 'east-token', ...env },
    {},
    overrides,
  );
  return {
    h,
    north: northSim,
    east: eastSim,
    async pay(site, metadata = {}) {
      const session = makeSession({
        metadata: { plate: 'ABC 123', duration: '60', ...(site ? { site } : {}), ...metadata },
      });
      h.stripe.addSession(session);
      const res = await h.post(makeEvent('checkout.session.completed', session));
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
      return session.id;
    },
    async close() {
      await h.close();
      await northSim.close();
      await eastSim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
