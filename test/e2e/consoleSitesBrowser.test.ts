import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startOpscomSimulator, type OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { launchBrowser } from '../support/browser';
import { OPSCOM_TOKEN } from '../support/config';
import { startHarness, type Harness } from '../support/harness';
import { makeEvent, makeSession } from '../support/stripeFixtures';

// The console with three sites in a real browser, at a phone's width and a desktop's (the
// tour of issue 26): no page is wider than the screen (tables scroll in their own box), ids
// and plates stay on one line, sites read `Name (id)`, each site's OPSCOM host is probed, the
// sites table's links are 24 px targets named with their site. CONSOLE_SHOTS=<folder> keeps
// the screenshots; otherwise they go to the test's temporary folder.
const PASSWORD = 'console-sites-browser-password';
const LONG_ID = 'vieux-port-montreal-secteur-est-longid';
const LONG_NAME = 'Stationnement du Vieux-Port de Montréal — Secteur Est, Quai Alexandra, niveau 2'
  .padEnd(80, '.')
  .slice(0, 80);
const NORTH_ACCOUNT = 'acct_1NorthCampus';
const VIEWPORTS = [
  { tag: 'phone', width: 390, height: 844 },
  { tag: 'desktop', width: 1280, height: 800 },
] as const;

jest.setTimeout(120_000);

let h: Harness;
let north: OpscomSimulator;
let mtl: OpscomSimulator;
let browser: Browser;
let dir: string;
const paid: Record<string, string> = {};

beforeAll(async () => {
  north = await startOpscomSimulator({ apiToken: 'north-token', client: 'OC-NORTH' });
  mtl = await startOpscomSimulator({ apiToken: 'mtl-token', client: 'OC-MTL' });
  dir = mkdtempSync(join(tmpdir(), 'console-sites-browser-'));
  writeFileSync(join(dir, 'sites.json'), JSON.stringify({ sites: sitesFile() }));
  h = await startHarness({
    SITES_FILE: join(dir, 'sites.json'),
    DEFAULT_SITE: 'east',
    NORTH_TOKEN: 'north-token',
    EAST_TOKEN: OPSCOM_TOKEN,
    MTL_TOKEN: 'mtl-token',
    CONSOLE_PASSWORD: PASSWORD,
  });
  browser = await launchBrowser();
  await seed();
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await north?.close();
  await mtl?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** North: named, Connect, its own OPSCOM; east: OPSCOM_BASE_URL; the long one: its own. */
function sitesFile() {
  const opscom = (client: string, tokenEnv: string, timezone: string, zone: string) => ({
    client,
    tokenEnv,
    timezone,
    zone,
  });
  return [
    {
      id: 'north',
      name: 'North Campus Parking',
      stripeAccount: NORTH_ACCOUNT,
      opscom: {
        baseUrl: north.url,
        ...opscom('OC-NORTH', 'NORTH_TOKEN', 'America/Vancouver', 'L4'),
      },
    },
    { id: 'east', opscom: opscom('OC-TOMA', 'EAST_TOKEN', 'America/Toronto', 'P1') },
    {
      id: LONG_ID,
      name: LONG_NAME,
      opscom: { baseUrl: mtl.url, ...opscom('OC-MTL', 'MTL_TOKEN', 'America/Montreal', 'QUAI-2') },
    },
  ];
}

async function pay(metadata: Record<string, string>, account?: string): Promise<string> {
  const session = makeSession({ metadata: { duration: '60', ...metadata } });
  (account ? h.stripe.account(account) : h.stripe).addSession(session);
  const event = makeEvent('checkout.session.completed', session);
  const res = await h.post(account ? { ...event, account } : event);
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
  return session.id;
}

/** Done, failed and pending jobs at each site; the long-named site paused, then unreachable. */
async function seed(): Promise<void> {
  paid['north'] = await pay({ plate: 'NORTH 222' }, NORTH_ACCOUNT);
  paid['northLong'] = await pay({ plate: 'N7NORTHLONGPLATE' }, NORTH_ACCOUNT);
  paid['east'] = await pay({ plate: 'EAST 111', site: 'east' });
  paid['mtl'] = await pay({ plate: 'MTL 333', site: LONG_ID });
  await h.waitForJob(paid['north'], ['done']);
  await h.waitForJob(paid['northLong'], ['failed', 'dead']);
  await h.waitForJob(paid['east'], ['done']);
  await h.waitForJob(paid['mtl'], ['done']);
  mtl.faults.setRate(1, ['500']);
  for (let i = 0; i < 4; i++) await pay({ plate: `MTL${i}`, site: LONG_ID });
  const deadline = Date.now() + 30_000;
  const paused = () => h.adapter.worker?.siteHealth().find((s) => s.site === LONG_ID);
  while (paused()?.pausedUntil === undefined) {
    if (Date.now() > deadline) throw new Error(`${LONG_ID} never paused`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await mtl.close();
}

async function openAt(viewport: (typeof VIEWPORTS)[number], path: string, shot: string) {
  const context = await browser.newContext({
    viewport: { width: viewport.width, height: viewport.height },
    httpCredentials: { username: 'operator', password: PASSWORD },
  });
  const page = await context.newPage();
  const res = await page.goto(`${h.url}${path}`);
  expect(res?.status()).toBe(200);
  const folder = process.env['CONSOLE_SHOTS'] ?? join(dir, 'shots');
  mkdirSync(folder, { recursive: true });
  await page.screenshot({ path: join(folder, `${shot}-${viewport.tag}.png`), fullPage: true });
  return { page, close: () => context.close() };
}

/** The page is no wider than the screen, and its header spans it. */
async function fitsTheScreen(page: Page): Promise<void> {
  // A string evaluated in the page (the tests' types have no DOM).
  const widths = await page.evaluate<{ page: number; screen: number; header: number }>(`({
    page: document.documentElement.scrollWidth,
    screen: document.documentElement.clientWidth,
    header: document.querySelector('header').getBoundingClientRect().width,
  })`);
  expect(widths.page).toBe(widths.screen);
  expect(widths.header).toBe(widths.screen);
}

/** Each element matching `selector` is on one line (a single box: not broken mid-id). */
async function oneLineEach(page: Page, selector: string): Promise<void> {
  const lines = await page.evaluate<{ text: string; boxes: number }[]>(
    `[...document.querySelectorAll(${JSON.stringify(selector)})].map((el) => ({
      text: el.textContent ?? '',
      boxes: el.getClientRects().length,
    }))`,
  );
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.filter((l) => l.boxes !== 1)).toEqual([]);
}

describe.each(VIEWPORTS)('the console with three sites, $tag', (viewport) => {
  test('the overview: each site by name, its host probed, its links big and named', async () => {
    const { page, close } = await openAt(viewport, '/console', 'overview');
    await fitsTheScreen(page);
    const rows = page.locator('h2:has-text("Sites") + .scroll tbody tr');
    expect(await rows.count()).toBe(3);
    const paused = rows.filter({ hasText: LONG_ID });
    expect(await paused.locator('td').first().innerText()).toMatch(/^paused until/);
    expect(await paused.locator('td', { hasText: 'unreachable' }).count()).toBe(1);
    expect(await rows.filter({ hasText: 'north' }).innerText()).toMatch(/reachable: HTTP \d+/);
    const flow = await page.locator('h2:has-text("Flow") + table').innerText();
    expect(flow).toMatch(/OPSCOM\s+unreachable: 1 of 3 hosts does not answer: \S+ \(vieux-port/);
    const anchors = page.locator('h2:has-text("Sites") + .scroll a');
    const links: { name: string; width: number; height: number }[] = [];
    for (let i = 0; i < (await anchors.count()); i++) {
      const box = await anchors.nth(i).boundingBox();
      const name = (await anchors.nth(i).textContent()) ?? '';
      links.push({ name, width: box?.width ?? 0, height: box?.height ?? 0 });
    }
    expect(links).toHaveLength(9);
    for (const link of links) {
      expect(link.width).toBeGreaterThanOrEqual(24);
      expect(link.height).toBeGreaterThanOrEqual(24);
      expect(link.name).toMatch(/^(all|failed or dead|pending) jobs of /);
    }
    expect(await headerContrast(page)).toBeGreaterThanOrEqual(4.5);
    await close();
  });

  test('the jobs list: sites by name, ids and plates on one line, ends in the site’s zone', async () => {
    const { page, close } = await openAt(viewport, '/console/jobs', 'jobs');
    await fitsTheScreen(page);
    await oneLineEach(page, 'main table a.mono, main table td.mono');
    const select = (await page.locator('select[name=site] option').allInnerTexts()).map((t) =>
      t.trim(),
    );
    expect(select).toEqual([
      'any',
      'North Campus Parking (north)',
      'east',
      `${LONG_NAME} (${LONG_ID})`,
      'no site',
    ]);
    const northRow = page.locator('tr', { hasText: paid['north']! });
    expect(await northRow.locator('td.site').innerText()).toMatch(
      /North Campus Parking\s+\(north\)/,
    );
    expect(await northRow.locator('time').first().innerText()).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d P[SD]T$/,
    );
    await close();

    const one = await openAt(viewport, `/console/jobs?site=${LONG_ID}`, 'jobs-one-site');
    await fitsTheScreen(one.page);
    expect(await one.page.locator('h1').innerText()).toContain(`site ${LONG_NAME} (${LONG_ID})`);
    expect(await one.page.locator('th', { hasText: /^Site$/ }).count()).toBe(0);
    await one.close();
  });

  test('a job page: its site by name, its timezone, its Stripe account', async () => {
    const { page, close } = await openAt(viewport, `/console/jobs/${paid['north']}`, 'job');
    await fitsTheScreen(page);
    const facts = page.locator('main table').first();
    expect(await facts.innerText()).toContain('North Campus Parking (north)');
    expect(await facts.innerText()).toContain('America/Vancouver');
    expect(await facts.innerText()).toContain(NORTH_ACCOUNT);
    expect(await facts.locator('tr', { hasText: 'Permit' }).innerText()).toMatch(/P[SD]T → /);
    await close();
    const long = await openAt(viewport, `/console/jobs/${paid['mtl']}`, 'job-long-site');
    await fitsTheScreen(long.page);
    await long.close();
  });
});

/** The contrast of the header's "signed in as" on the header's background (WCAG ratio). */
async function headerContrast(page: Page): Promise<number> {
  const colours = await page.evaluate<{ fg: string; bg: string }>(`({
    fg: getComputedStyle(document.querySelector('header .muted')).color,
    bg: getComputedStyle(document.querySelector('header')).backgroundColor,
  })`);
  const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
  const lum = (c: string) => {
    const [r = 0, g = 0, b = 0] = rgb(c).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const fg = lum(colours.fg);
  const bg = lum(colours.bg);
  return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
}
