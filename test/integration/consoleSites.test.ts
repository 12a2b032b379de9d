import type { Job } from '../../src/store/ledger';
import { startHarness, type Harness } from '../support/harness';
import { harnessStores } from '../support/ledgerStores';
import { makeEvent, makeSession } from '../support/stripeFixtures';
import { startTwoSites, type TwoSites } from '../support/twoSites';

// The console with several sites (issue 26): the jobs list filters by site and shows each
// job's site, the overview each site's health; with one site nothing about sites appears.
const PASSWORD = 'console-password-for-tests';
const authorization = `Basic ${Buffer.from(`operator:${PASSWORD}`).toString('base64')}`;

async function page(h: Harness, path: string): Promise<string> {
  const res = await fetch(`${h.url}${path}`, { headers: { authorization } });
  expect(res.status).toBe(200);
  return res.text();
}

describe.each(harnessStores)('the console with two sites on the %s ledger', (_name, storeEnv) => {
  let sites: TwoSites;
  afterEach(() => sites?.close());

  const start = async () => {
    sites = await startTwoSites({ env: { ...(await storeEnv()), CONSOLE_PASSWORD: PASSWORD } });
    return sites.h;
  };
  const settle = (h: Harness, id: string, states: Job['state'][]) =>
    h.waitForJob(id, states, 20_000);

  test("filters the jobs list by site, shows each job's site, and retries only the site's", async () => {
    const h = await start();
    const north = [await sites.pay('north'), await sites.pay('north')];
    const east = await sites.pay('east');
    const none = await sites.pay(undefined); // no site matches: fails, saying why
    for (const id of [...north, east]) await settle(h, id, ['done']);
    await settle(h, none, ['failed', 'dead']);

    const all = await page(h, '/console/jobs');
    expect(all).toContain('<th>Site</th>');
    expect(all).toMatch(/<option value="north"/);
    expect(all).toMatch(/<option value="~none"\s*>\s*no site/);
    for (const id of [...north, east, none]) expect(all).toContain(id);

    const ofNorth = await page(h, '/console/jobs?site=north');
    for (const id of north) expect(ofNorth).toContain(id);
    expect(ofNorth).not.toContain(east);
    expect(ofNorth).not.toContain(none);
    expect(ofNorth).toMatch(/<option value="north"\s+selected/);
    expect(ofNorth).toMatch(/<td class="site">north<\/td>/);
    expect(ofNorth).not.toMatch(/<td class="site">east<\/td>/);

    const ofEast = await page(h, '/console/jobs?site=east');
    expect(ofEast).toContain(east);
    expect(ofEast).not.toContain(north[0]);

    const ofNone = await page(h, `/console/jobs?site=${encodeURIComponent('~none')}`);
    expect(ofNone).toContain(none);
    expect(ofNone).not.toContain(east);
    expect(ofNone).toMatch(/Retry all 1 failed or dead jobs matching/);
    expect(ofNone).toMatch(/name="site" value="~none"/);
    // North has no failed job: "retry all" under its filter has nothing to take.
    expect(await page(h, '/console/jobs?site=north&state=failed%2Cdead')).not.toMatch(/Retry all/);

    const job = await page(h, `/console/jobs/${east}`);
    expect(job).toMatch(/<th>Site<\/th>\s*<td>east<\/td>/);
    expect(await page(h, `/console/jobs/${none}`)).toMatch(/<th>Site<\/th>\s*<td>no site<\/td>/);
  });

  test('shows each site on the overview, a paused site marked as such', async () => {
    const h = await start();
    sites.east.faults.setRate(1, ['500']);
    const north = await sites.pay('north');
    for (let i = 0; i < 4; i++) await sites.pay('east', { plate: `EP ${i}` });
    await settle(h, north, ['done']);
    const deadline = Date.now() + 20_000;
    const eastHealth = () => h.adapter.worker?.siteHealth().find((s) => s.site === 'east');
    while (eastHealth()?.pausedUntil === undefined) {
      if (Date.now() > deadline) throw new Error('east never paused');
      await new Promise((r) => setTimeout(r, 20));
    }

    const overview = await page(h, '/console');
    expect(overview).toContain('<h2>Sites</h2>');
    expect(overview).toMatch(/<tr class="">\s*<th>north<\/th>\s*<td class="good">working<\/td>/);
    const east =
      /<tr class="paused">\s*<th>east<\/th>\s*<td class="bad">paused until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/td>\s*<td class="num">(\d+)<\/td>/.exec(
        overview,
      );
    expect(Number(east?.[1])).toBeGreaterThanOrEqual(3);
    expect(overview).toContain('/console/jobs?site=east');
  });
});

describe('the console with one site', () => {
  let h: Harness;
  afterEach(() => h?.close());

  test('shows no site column, filter or health, and ignores a site in the URL', async () => {
    h = await startHarness({ CONSOLE_PASSWORD: PASSWORD });

    const session = makeSession({ metadata: { plate: 'ONE 1', duration: '60' } });
    h.stripe.addSession(session);
    await h.post(makeEvent('checkout.session.completed', session));
    await h.waitForJob(session.id, ['done']);

    const jobs = await page(h, '/console/jobs?site=north');
    expect(jobs).toContain(session.id);
    expect(jobs).not.toContain('<th>Site</th>');
    expect(jobs).not.toContain('name="site"');
    expect(await page(h, `/console/jobs/${session.id}`)).not.toContain('<th>Site</th>');
    const overview = await page(h, '/console');
    expect(overview).not.toContain('<h2>Sites</h2>');
  });
});
