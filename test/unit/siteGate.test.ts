import { createSiteGate } from '../../src/worker/siteGate';

function gate(siteIds: string[], concurrency = 8) {
  let now = 1_000_000;
  const g = createSiteGate({
    concurrency,
    siteIds,
    now: () => now,
    firstPauseMs: 1000,
    maxPauseMs: 4000,
  });
  return { g, advance: (ms: number) => (now += ms) };
}

describe('the site gate', () => {
  it('lets one site use every slot', () => {
    const { g } = gate(['default'], 4);
    for (let i = 0; i < 3; i++) g.started('default');
    expect(g.closedSites()).toEqual([]);
    g.started('default');
    expect(g.closedSites()).toEqual(['default']);
  });

  it('keeps any one of several sites to half the slots', () => {
    const { g } = gate(['north', 'east'], 8);
    for (let i = 0; i < 4; i++) g.started('north');
    expect(g.closedSites()).toEqual(['north']);
    g.finished('north', 'ok');
    expect(g.closedSites()).toEqual([]);
  });

  it('pauses a site after three failures in a row, probes it with one job, resumes on success', () => {
    const { g, advance } = gate(['north', 'east']);
    for (let i = 0; i < 3; i++) {
      g.started('north');
      g.finished('north', 'site_failure');
    }
    expect(g.closedSites()).toEqual(['north']);
    advance(999);
    expect(g.closedSites()).toEqual(['north']);
    advance(1);
    expect(g.closedSites()).toEqual([]);
    g.started('north'); // the probe
    expect(g.closedSites()).toEqual(['north']);
    g.finished('north', 'ok');
    expect(g.closedSites()).toEqual([]);
    expect(g.health().find((h) => h.site === 'north')).toEqual({
      site: 'north',
      inFlight: 0,
      pausedUntil: undefined,
      failuresInARow: 0,
    });
  });

  it('doubles the pause at each failed probe, up to its cap', () => {
    const { g, advance } = gate(['north', 'east']);
    for (let i = 0; i < 3; i++) {
      g.started('north');
      g.finished('north', 'site_failure');
    }
    const pauses: number[] = [];
    for (let round = 0; round < 4; round++) {
      let waited = 0;
      while (g.closedSites().includes('north')) {
        advance(250);
        waited += 250;
      }
      pauses.push(waited);
      g.started('north');
      g.finished('north', 'site_failure');
    }
    expect(pauses).toEqual([1000, 2000, 4000, 4000]);
  });

  it('counts neither a job of another kind of failure nor another site against the site', () => {
    const { g } = gate(['north', 'east']);
    for (let i = 0; i < 2; i++) {
      g.started('north');
      g.finished('north', 'site_failure');
    }
    g.started('north');
    g.finished('north', 'other');
    g.started('east');
    g.finished('east', 'site_failure');
    expect(g.closedSites()).toEqual([]);
    g.started('north');
    g.finished('north', 'site_failure');
    expect(g.closedSites()).toEqual(['north']);
  });
});
