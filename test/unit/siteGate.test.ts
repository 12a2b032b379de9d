import {
  OpscomAuthError,
  OpscomInDoubtError,
  OpscomRejectedError,
  OpscomUnavailableError,
} from '../../src/errors';
import type { OpscomClient } from '../../src/opscom/opscomClient';
import { indexSites } from '../../src/sites/site';
import {
  callOutcomeOf,
  createSiteGate,
  gatedOpscom,
  siteGateFor,
  type SiteGate,
} from '../../src/worker/siteGate';
import { testConfig } from '../support/config';
import { testSite } from '../support/siteFixtures';

function gate(siteIds: string[], concurrency = 8, defaultId?: string) {
  let now = 1_000_000;
  const g = createSiteGate({
    concurrency,
    sites: indexSites(
      siteIds.map((id) => testSite(id)),
      defaultId,
    ),
    now: () => now,
    firstPauseMs: 1000,
    maxPauseMs: 4000,
  });
  return { g, advance: (ms: number) => (now += ms) };
}

let seq = 0;
/** One job of the site whose one OPSCOM call ends with `outcome`. */
function job(g: SiteGate, site: string, outcome: 'ok' | 'site_failure' | 'other'): void {
  const id = `cs_${seq++}`;
  g.started(site, id);
  if (outcome !== 'other') g.called(site, outcome);
  g.finished(site, id);
}

describe('the site gate', () => {
  it('lets one site use every slot', () => {
    const { g } = gate(['default'], 4);
    // The worker's own slots bound it; jobs waiting for a late answer hold none.
    for (let i = 0; i < 8; i++) g.started('default', `cs_${i}`);
    expect(g.closedSites()).toEqual([]);
  });

  it('keeps any one of several sites to half the slots', () => {
    const { g } = gate(['north', 'east'], 8);
    for (let i = 0; i < 4; i++) g.started('north', `cs_${i}`);
    expect(g.closedSites()).toEqual(['north']);
    g.finished('north', 'cs_0');
    expect(g.closedSites()).toEqual([]);
  });

  it('pauses a site after three failures in a row, probes it with one job, resumes on success', () => {
    const { g, advance } = gate(['north', 'east']);
    for (let i = 0; i < 3; i++) job(g, 'north', 'site_failure');
    expect(g.closedSites()).toEqual(['north']);
    advance(999);
    expect(g.closedSites()).toEqual(['north']);
    advance(1);
    expect(g.closedSites()).toEqual([]);
    g.started('north', 'cs_probe');
    expect(g.closedSites()).toEqual(['north']);
    g.called('north', 'ok');
    expect(g.closedSites()).toEqual([]);
    g.finished('north', 'cs_probe');
    expect(g.health().find((h) => h.site === 'north')).toEqual({
      site: 'north',
      inFlight: 0,
      pausedUntil: undefined,
      failuresInARow: 0,
    });
  });

  it('doubles the pause at each failed probe, up to its cap', () => {
    const { g, advance } = gate(['north', 'east']);
    for (let i = 0; i < 3; i++) job(g, 'north', 'site_failure');
    const pauses: number[] = [];
    for (let round = 0; round < 4; round++) {
      let waited = 0;
      while (g.closedSites().includes('north')) {
        advance(250);
        waited += 250;
      }
      pauses.push(waited);
      job(g, 'north', 'site_failure');
    }
    expect(pauses).toEqual([1000, 2000, 4000, 4000]);
  });

  it('counts neither a job of another kind of failure nor another site against the site', () => {
    const { g } = gate(['north', 'east']);
    for (let i = 0; i < 2; i++) job(g, 'north', 'site_failure');
    job(g, 'north', 'other');
    job(g, 'east', 'site_failure');
    expect(g.closedSites()).toEqual([]);
    job(g, 'north', 'site_failure');
    expect(g.closedSites()).toEqual(['north']);
  });

  it('lets a new probe start when the probe ends without an answer, and only then', () => {
    const { g, advance } = gate(['north', 'east']);
    g.started('north', 'cs_old'); // claimed before the pause
    for (let i = 0; i < 3; i++) job(g, 'north', 'site_failure');
    advance(1000);
    g.started('north', 'cs_probe');
    g.finished('north', 'cs_old');
    expect(g.closedSites()).toEqual(['north']);
    g.finished('north', 'cs_probe'); // e.g. nothing to send to OPSCOM
    expect(g.closedSites()).toEqual([]);
  });

  it('keeps a failure from a job claimed before the pause from lengthening the pause', () => {
    const { g, advance } = gate(['north', 'east']);
    g.started('north', 'cs_old');
    for (let i = 0; i < 3; i++) job(g, 'north', 'site_failure');
    g.called('north', 'site_failure'); // cs_old's call
    g.finished('north', 'cs_old');
    advance(1000);
    expect(g.closedSites()).toEqual([]);
  });

  it('never pauses the only site', () => {
    const { g } = gate(['default']);
    for (let i = 0; i < 10; i++) job(g, 'default', 'site_failure');
    expect(g.closedSites()).toEqual([]);
    expect(g.health()[0]?.failuresInARow).toBe(10);
  });

  it("takes jobs stored as 'default' for the default site's, and closes both names", () => {
    const { g } = gate(['north', 'east'], 4, 'north');
    g.started('default', 'cs_a');
    g.started('north', 'cs_b');
    expect(g.closedSites()).toEqual(['north', 'default']);
    expect(g.health().find((h) => h.site === 'north')?.inFlight).toBe(2);
  });
});

/** How long each pause lasts: `failures` to pause, then a failed probe after each pause. */
function pauses(g: SiteGate, advance: (ms: number) => number, failures: number, rounds: number) {
  for (let i = 0; i < failures; i++) job(g, 'north', 'site_failure');
  const lasted: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let waited = 0;
    while (g.closedSites().includes('north')) {
      advance(250);
      waited += 250;
    }
    lasted.push(waited);
    job(g, 'north', 'site_failure');
  }
  return lasted;
}

describe("the site gate's pauses", () => {
  const twoSites = indexSites([testSite('north'), testSite('east')], undefined);

  it('default to three failures in a row, then 1 s doubling up to a minute', () => {
    let now = 0;
    const g = createSiteGate({ concurrency: 8, sites: twoSites, now: () => now });
    for (let i = 0; i < 2; i++) job(g, 'north', 'site_failure');
    expect(g.closedSites()).toEqual([]);
    const lasted = pauses(g, (ms) => (now += ms), 1, 9);
    expect(lasted).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('are what SITE_PAUSE_* configure, where the worker builds the gate', () => {
    const config = {
      ...testConfig({
        SITE_PAUSE_AFTER_FAILURES: '5',
        SITE_PAUSE_FIRST_MS: '500',
        SITE_PAUSE_MAX_MS: '1500',
      }),
      sites: twoSites,
    };
    let now = 0;
    const g = siteGateFor(config, () => now);
    for (let i = 0; i < 4; i++) job(g, 'north', 'site_failure');
    expect(g.closedSites()).toEqual([]);
    expect(pauses(g, (ms) => (now += ms), 1, 4)).toEqual([500, 1000, 1500, 1500]);
  });

  it('start again from the first after a success', () => {
    let now = 0;
    const g = createSiteGate({
      concurrency: 8,
      sites: twoSites,
      now: () => now,
      failuresToPause: 1,
      firstPauseMs: 1000,
      maxPauseMs: 8000,
    });
    expect(pauses(g, (ms) => (now += ms), 1, 3)).toEqual([1000, 2000, 4000]);
    while (g.closedSites().includes('north')) now += 250;
    job(g, 'north', 'ok');
    expect(pauses(g, (ms) => (now += ms), 1, 2)).toEqual([1000, 2000]);
  });
});

describe("a site's OPSCOM calls", () => {
  it('count down, in doubt and a refused token as the site failing, a refused request as neither', () => {
    expect(callOutcomeOf(new OpscomUnavailableError('down'))).toBe('site_failure');
    expect(callOutcomeOf(new OpscomInDoubtError('lost'))).toBe('site_failure');
    expect(callOutcomeOf(new OpscomAuthError(9001, 'token'))).toBe('site_failure');
    expect(callOutcomeOf(new OpscomRejectedError(9003, 'plate'))).toBeUndefined();
    expect(callOutcomeOf(new Error('bug'))).toBeUndefined();
  });

  it('report each outcome to the gate, passing answers and errors on unchanged', async () => {
    const calls: string[] = [];
    const g: SiteGate = {
      closedSites: () => [],
      started: () => undefined,
      finished: () => undefined,
      called: (site, outcome) => void calls.push(`${site}:${outcome}`),
      health: () => [],
    };
    const down = new OpscomUnavailableError('down');
    const refused = new OpscomRejectedError(9003, 'plate');
    const answer = { referenceId: 'R1' };
    const client = {
      createPermit: () => Promise.resolve(answer),
      updatePermit: () => Promise.reject(down),
      deletePermit: () => Promise.reject(refused),
    } as unknown as OpscomClient;
    const gated = gatedOpscom(client, 'north', g);
    await expect(gated.createPermit({} as never)).resolves.toBe(answer);
    await expect(gated.updatePermit({} as never)).rejects.toBe(down);
    await expect(gated.deletePermit('R1')).rejects.toBe(refused);
    expect(calls).toEqual(['north:ok', 'north:site_failure']);
  });
});
