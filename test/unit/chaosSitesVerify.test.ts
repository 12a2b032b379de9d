import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSites } from '../../src/sites/loadSites';
import { makeChaosPlan, seededRandom } from '../../tools/chaos/chaosPlan';
import { startChaosSites, type ChaosSites } from '../../tools/chaos/chaosSites';
import { UNUSED_ZONE } from '../../tools/chaos/enforcementCases';
import { describeVerifyRound, mergeVerifyReports } from '../../tools/chaos/verifyPhase';
import type { VerifyReport } from '../../tools/chaos/verifyAudit';

// Chaos with --sites 3 runs the verification round: each site has planted cases of its own,
// and is asked at its own Plate Validation (two by validateUrl, one by OPSCOM_VALIDATE_URL).
describe('chaos --sites 3 and the verification round', () => {
  let dir: string;
  let sites: ChaosSites;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chaos-sites-'));
    sites = await startChaosSites(dir, seededRandom(1));
  });
  afterAll(async () => {
    await sites?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('plants a zone no lot uses and a staff removal at every site', () => {
    const plan = makeChaosPlan(200, seededRandom(7), Date.now());
    sites.assign(plan);
    const verifySites = sites.verifySites(plan);
    expect(verifySites.map((s) => s.id)).toEqual(['north', 'west', 'harbour']);
    expect(verifySites.reduce((n, s) => n + s.plan.sessions.length, 0)).toBe(200);
    for (const [i, { id, sim, plan: own }] of verifySites.entries()) {
      expect(sim).toBe(sites.sims[i]);
      expect(own.sessions.every((s) => sites.siteOf(s.session.id) === id)).toBe(true);
      const cases = own.sessions.map((s) => s.enforcement).filter(Boolean);
      expect(cases.sort()).toEqual(['staff_removed', 'unused_zone']);
      expect(sim.enforcement.unusedZones.has(UNUSED_ZONE)).toBe(true);
      for (const s of own.sessions) {
        const zone = (s.session['metadata'] as Record<string, string>)['zone'];
        expect(zone).toBe(s.enforcement === 'unused_zone' ? UNUSED_ZONE : undefined);
      }
    }
  });

  test("names two sites' own Plate Validation, the third's is OPSCOM_VALIDATE_URL", () => {
    const [north, west, harbour] = sites.sims;
    const path = '/api/v1/validate/plate';
    expect(sites.env['OPSCOM_VALIDATE_URL']).toBe(`${harbour!.url}${path}`);
    // The file the adapters read passes the adapter's own checks.
    const loaded = loadSites(
      sites.env['SITES_FILE']!,
      sites.env,
      {
        baseUrl: new URL('http://127.0.0.1:9'),
        client: 'OC-TOMA',
        policy: { onFullRefund: 'delete', onPartialRefund: 'keep', onDispute: 'keep' },
      },
      undefined,
    );
    expect(loaded.list.map((s) => s.opscom.validateUrl?.href)).toEqual([
      `${north!.url}${path}`,
      `${west!.url}${path}`,
      undefined,
    ]);
    expect(JSON.parse(readFileSync(sites.env['SITES_FILE']!, 'utf8'))).toMatchObject({
      sites: [{ id: 'north' }, { id: 'west' }, { id: 'harbour' }],
    });
  });

  test("the round's line gives every site's figures, and fails with any site", () => {
    const report = (visible: number, failing: string[]): VerifyReport => ({
      checked: 3,
      checks: 5,
      standing: 2,
      visible,
      planted: 1,
      found: 1,
      alerted: 1,
      transientAlerts: 0,
      failing,
    });
    const perSite = [
      { id: 'north', report: report(2, []) },
      { id: 'west', report: report(1, ['cs_1 (paid, plate A): standing, not seen visible']) },
    ];
    const merged = mergeVerifyReports(perSite.map((s) => s.report));
    expect(merged).toMatchObject({ checked: 6, standing: 4, visible: 3, planted: 2 });
    expect(merged.failing).toEqual(['cs_1 (paid, plate A): standing, not seen visible']);
    const line = describeVerifyRound({
      report: merged,
      perSite,
      passed: false,
      tookMs: 104_000,
      limitMs: 104_000,
    });
    expect(line).toContain('3 of 4 standing visible');
    expect(line).toContain('north: 2 of 2 visible, 1 of 1 planted found, 1 alerted once;');
    expect(line).toContain('west: 1 of 2 visible, 1 of 1 planted found, 1 alerted once, 1 failing');
  });
});
