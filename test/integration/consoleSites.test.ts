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
    // One site's list: the filter names the site, no column repeats it on every row.
    expect(ofNorth).not.toContain('<th>Site</th>');
    expect(ofNorth).not.toContain('<td class="site">');

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

describe('the console with named sites', () => {
  let sites: TwoSites;
  afterEach(() => sites?.close());

  test('reads `Name (id)`: the filter, the column, the title, the job page with its timezone', async () => {
    sites = await startTwoSites({
      env: { CONSOLE_PASSWORD: PASSWORD },
      north: { name: 'North Campus Parking' },
      northOpscom: { timezone: 'America/Vancouver' },
    });
    const { h } = sites;
    const north = await sites.pay('north');
    const east = await sites.pay('east');
    await h.waitForJob(north, ['done']);
    await h.waitForJob(east, ['done']);

    const all = await page(h, '/console/jobs');
    expect(all).toMatch(/<option value="north"\s*>\s*North Campus Parking \(north\)\s*</);
    expect(all).toMatch(/<option value="east"\s*>\s*east\s*</);
    expect(all).toContain(
      '<td class="site">North Campus Parking <span class="muted">(north)</span></td>',
    );
    expect(all).toContain('<td class="site">east</td>');
    // The permit's end in its site's zone, as a date and a time: `2026-12-03 12:10 PST`.
    const row = all.slice(all.indexOf(north), all.indexOf('</tr>', all.indexOf(north)));
    expect(row).toMatch(
      /<time datetime="[^"]+"\s*>\s*<span class="nowrap">\d{4}-\d\d-\d\d<\/span>\s*<span class="nowrap">\d\d:\d\d P[SD]T<\/span>/,
    );

    const ofNorth = await page(h, '/console/jobs?site=north');
    expect(ofNorth).toContain(
      '<title>Jobs: site North Campus Parking (north) · OPSCOM adapter</title>',
    );

    const job = await page(h, `/console/jobs/${north}`);
    expect(job).toMatch(/<th>Site<\/th>\s*<td>North Campus Parking \(north\)<\/td>/);
    expect(job).toMatch(/<th>Site&#39;s timezone<\/th>\s*<td>America\/Vancouver<\/td>/);
    // Not a Connect site: no Stripe account to show.
    expect(job).not.toContain('<th>Stripe account</th>');
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
