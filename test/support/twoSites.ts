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

/** A site's entry in the sites file, as a test adjusts it: its fields, and its `opscom`'s. */
export interface SiteEntryChanges {
  [field: string]: unknown;
  opscom?: Record<string, unknown>;
}

export interface TwoSitesOptions {
  /** Joins the adapter's environment (the tokens: NORTH_TOKEN, EAST_TOKEN). */
  env?: Record<string, string>;
  /** Joins north's entry in the sites file (e.g. its stripeAccount, name); `opscom` joins its opscom. */
  north?: SiteEntryChanges;
  /** Joins east's entry in the sites file (e.g. its alertWebhookUrlEnv). */
  east?: SiteEntryChanges;
  /** North's OPSCOM simulator (its timezone is also north's in the sites file). */
  northOpscom?: Partial<OpscomSimulatorOptions>;
  /** East's OPSCOM simulator (e.g. its latency; its timezone is also east's). */
  eastOpscom?: Partial<OpscomSimulatorOptions>;
  overrides?: AdapterOverrides;
}

export async function startTwoSites(options: TwoSitesOptions = {}): Promise<TwoSites> {
  const { env = {}, overrides = {} } = options;
  const simulator = (client: string, apiToken: string, more?: Partial<OpscomSimulatorOptions>) =>
    startOpscomSimulator({ apiToken, client, ...more });
  const northSim = await simulator('OC-NORTH', 'north-token', options.northOpscom);
  const eastSim = await simulator('OC-EAST', 'east-token', options.eastOpscom);
  const dir = mkdtempSync(join(tmpdir(), 'two-sites-'));
  const sitesFile = join(dir, 'sites.json');
  const entry = (
    id: string,
    sim: OpscomSimulator,
    opscom: { client: string; tokenEnv: string; zone: string; timezone: string | undefined },
    changes: SiteEntryChanges = {},
  ) => ({
    id,
    ...changes,
    opscom: {
      baseUrl: sim.url,
      ...opscom,
      timezone: opscom.timezone ?? 'America/Toronto',
      ...changes.opscom,
    },
  });
  const sites = [
    entry(
      'north',
      northSim,
      {
        client: 'OC-NORTH',
        tokenEnv: 'NORTH_TOKEN',
        zone: 'Lot N',
        timezone: options.northOpscom?.timezone,
      },
      options.north,
    ),
    entry(
      'east',
      eastSim,
      {
        client: 'OC-EAST',
        tokenEnv: 'EAST_TOKEN',
        zone: 'Lot E',
        timezone: options.eastOpscom?.timezone,
      },
      options.east,
    ),
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
