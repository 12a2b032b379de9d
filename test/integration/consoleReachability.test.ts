import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MAX_SITE_HOSTS,
  reachabilityProbe,
  sitePeersOf,
  type Peer,
} from '../../src/console/reachability';
import { SITE_COUNT_CAP, sitesSection } from '../../src/console/views/sitesSection';

// The overview's probes with several sites (issue 26 tour): each site's own OPSCOM host is
// probed (each distinct base URL once), not only OPSCOM_BASE_URL; the flow table's line counts
// the hosts that answer, the sites table shows each site's.

interface Host {
  url: string;
  /** HEAD requests it answered, by path. */
  hits: string[];
  close(): Promise<void>;
}

async function host(): Promise<Host> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A URL where nothing listens: a port just freed. */
async function deadUrl(): Promise<string> {
  const gone = await host();
  await gone.close();
  return gone.url;
}

const site = (id: string, url: string) => ({ id, opscom: { baseUrl: new URL(url) } });

let a: Host;
let b: Host;
let stripe: Peer;
beforeEach(async () => {
  a = await host();
  b = await host();
  stripe = { name: 'Stripe', url: new URL(b.url + '/stripe') };
});
afterEach(async () => {
  await a.close();
  await b.close();
});

test("probes each site's OPSCOM host once, gives each site its answer, counts them for the flow", async () => {
  const dead = await deadUrl();
  const sites = [site('north', a.url), site('east', a.url), site('west', dead)];
  const probe = reachabilityProbe([stripe], {}, sitePeersOf('OPSCOM', sites));

  const found = await probe();
  const flow = found.filter((r) => r.site === undefined);
  expect(flow.map((r) => [r.name, r.ok])).toEqual([
    ['OPSCOM', false],
    ['Stripe', true],
  ]);
  expect(flow[0]?.detail).toBe(
    `1 of 2 hosts does not answer: ${new URL(dead).host} (west) — each site under Sites`,
  );
  const perSite = found.filter((r) => r.site !== undefined);
  expect(perSite.map((r) => [r.site, r.ok])).toEqual([
    ['north', true],
    ['east', true],
    ['west', false],
  ]);
  expect(perSite[0]?.detail).toMatch(
    new RegExp(`^HTTP 404 in \\d+ ms \\(${new URL(a.url).host}\\)$`),
  );
  // North and east share their OPSCOM: one request for both.
  expect(a.hits).toEqual(['/']);

  // Cached as before: reloading the overview does not probe again.
  await probe();
  expect(a.hits).toEqual(['/']);
});

test('every host answering says so; one site alone probes OPSCOM_BASE_URL as before', async () => {
  const sites = [site('north', a.url), site('east', b.url)];
  const [summary] = await reachabilityProbe([stripe], {}, sitePeersOf('OPSCOM', sites))();
  expect(summary).toEqual({
    name: 'OPSCOM',
    ok: true,
    detail: "every site's host answers (2 hosts) — each site under Sites",
  });

  const one = await reachabilityProbe([{ name: 'OPSCOM', url: new URL(a.url) }, stripe])();
  expect(one.map((r) => [r.name, r.ok, r.site])).toEqual([
    ['OPSCOM', true, undefined],
    ['Stripe', true, undefined],
  ]);
});

test(`probes ${MAX_SITE_HOSTS} hosts at most and says how many more were not`, async () => {
  const sites = Array.from({ length: MAX_SITE_HOSTS + 2 }, (_, i) =>
    site(`s${i}`, `${a.url}/s${i}`),
  );
  const found = await reachabilityProbe([], {}, sitePeersOf('OPSCOM', sites))();
  expect(a.hits).toHaveLength(MAX_SITE_HOSTS);
  expect(found[0]?.detail).toBe(
    `every site's host answers (${MAX_SITE_HOSTS} hosts, 2 hosts more not probed) — each site under Sites`,
  );
  expect(found.filter((r) => r.site !== undefined)).toHaveLength(MAX_SITE_HOSTS);
});

test("the sites table: a site's name and id, its host's answer, its links named for a reader", () => {
  const markup = sitesSection(
    {
      rows: [
        {
          id: 'north',
          name: 'North Campus Parking',
          health: undefined,
          counts: { failed: 3, pending: SITE_COUNT_CAP },
        },
        { id: 'east', health: undefined },
        { id: 'west', health: undefined },
      ],
      known: false,
    },
    [
      { site: 'north', ok: true, detail: 'HTTP 404 in 3 ms (opscom-a:443)' },
      { site: 'east', ok: false, detail: 'fetch failed (opscom-b:443)' },
    ],
  ).toString();
  expect(markup).toContain('<th>North Campus Parking (north)</th>');
  expect(markup).toContain('<th>OPSCOM host</th>');
  expect(markup).toContain('<td class="good">reachable: HTTP 404 in 3 ms (opscom-a:443)</td>');
  expect(markup).toContain('<td class="bad">unreachable: fetch failed (opscom-b:443)</td>');
  expect(markup).toContain('<td class="muted">not probed</td>');
  expect(markup).toMatch(
    /<a class="target" href="\/console\/jobs\?site=north&amp;state=failed%2Cdead"\s*>failed<span class="vh"> or dead jobs of North Campus Parking \(north\)<\/span> \(3\)<\/a/,
  );
  expect(markup).toContain(`jobs of North Campus Parking (north)</span> (${SITE_COUNT_CAP}+)</a`);
  // No counts given: none shown.
  expect(markup).toMatch(/>failed<span class="vh"> or dead jobs of east<\/span><\/a/);
});
