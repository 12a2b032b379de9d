import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import type { StripeSimulator } from '../../tools/simulators/stripeSimulator';
import { startBrowserStack, type BrowserStack } from '../support/browserStack';
import { waitFor } from '../support/serverProcess';
import { makeEvent, makeSession } from '../support/stripeFixtures';

// The console in a real browser (Chromium found by test/support/browser.ts, driven by
// playwright-core) against the built server (dist/) and the simulators. CONSOLE_SCREENSHOTS=docs writes the screenshots the
// README shows into docs/; otherwise they go to a temporary folder (still taken, not kept).
const PASSWORD = 'browser-test-password';
const EVIL = '<img src=x onerror=alert(1)>';

jest.setTimeout(90_000);

let stack: BrowserStack;
let opscom: OpscomSimulator;
let stripe: StripeSimulator;
let browser: Browser;
let dir: string;
let base: string;

beforeAll(async () => {
  stack = await startBrowserStack('console-browser', { CONSOLE_PASSWORD: PASSWORD });
  ({ opscom, stripe, browser, dir, base } = stack);
});

afterAll(async () => {
  await stack?.close();
});

async function pay(plate: string, extra: Record<string, unknown> = {}) {
  const session = makeSession({ metadata: { plate, duration: '120' }, ...extra });
  stripe.addSession(session);
  await stack.deliver(makeEvent('checkout.session.completed', session));
  return session;
}

async function signedIn(): Promise<{ context: BrowserContext; page: Page; dialogs: string[] }> {
  const context = await browser.newContext({
    httpCredentials: { username: 'operator', password: PASSWORD },
    viewport: { width: 1200, height: 900 },
  });
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { context, page, dialogs };
}

function screenshotPath(name: string): string {
  const folder =
    process.env['CONSOLE_SCREENSHOTS'] === 'docs' ? join(__dirname, '..', '..', 'docs') : dir;
  mkdirSync(folder, { recursive: true });
  return join(folder, name);
}

test('without the password, the browser is asked for a login and gets nothing', async () => {
  for (const httpCredentials of [undefined, { username: 'operator', password: 'wrong-password' }]) {
    const context = await browser.newContext(httpCredentials ? { httpCredentials } : {});
    const page = await context.newPage();
    // Headless Chromium cannot show the login prompt: with no credentials the challenge ends
    // the navigation; with wrong ones it shows the 401 page.
    const outcome = await page.goto(`${base}/console`).then(
      (r) => `HTTP ${r?.status()}`,
      (e: Error) => e.message,
    );
    expect(outcome).toMatch(/^HTTP 401$|ERR_INVALID_AUTH_CREDENTIALS/);
    await context.close();
  }
});

test('an operator sees a failed payment, corrects its plate, watches the permit made, revokes it', async () => {
  for (const plate of ['ABC123', 'XYZ789', 'PARK42']) await pay(plate);
  const session = await pay(EVIL);
  const { context, page, dialogs } = await signedIn();

  await page.goto(`${base}/console`);
  await hasText(page.locator('h1'), 'Overview');
  const failure = page.locator('tr', { hasText: session.id });
  await contains(failure, 'cannot map session to a permit');
  // The plate a driver typed is shown as text: no image element, no script ran.
  await contains(failure, EVIL);
  expect(await page.locator('main img').count()).toBe(0);
  await waitFor('the three good payments done', async () => {
    await page.reload();
    return (await page.locator('.card', { hasText: 'done' }).innerText()).startsWith('3');
  });
  await page.screenshot({ path: screenshotPath('console-overview.png'), fullPage: true });

  await failure.locator('a', { hasText: session.id }).click();
  await hasText(page.locator('h1'), `Job ${session.id}`);
  await contains(page.locator('ol.timeline'), 'Job failed');
  await page.fill('input[name=plate]', 'fix 123');
  await page.click('button:has-text("Correct and send")');
  await contains(page.locator('table'), 'created');
  await contains(page.locator('table'), 'FIX123');

  await page.goto(`${base}/console/jobs/${session.id}`);
  await hasText(page.locator('.state').first(), 'done');
  const reference = [...opscom.permits.values()].find((p) => p.plate === 'FIX123')?.referenceId;
  expect(reference).toBeDefined();
  await contains(page.locator('ol.timeline'), 'Correction by an operator');
  await contains(page.locator('ol.timeline'), 'by console:operator');
  await page.screenshot({ path: screenshotPath('console-job.png'), fullPage: true });

  await page.click('button:has-text("Revoke permit")');
  await contains(page.locator('.notice'), 'Revoke the permit of');
  await page.click('button:has-text("Yes, do it")');
  await contains(page.locator('table'), 'permit deleted');
  expect(opscom.permits.get(reference!)?.deleted).toBe(true);
  expect(dialogs).toEqual([]);
  await context.close();
});

test('a form on another site cannot make the console act', async () => {
  const session = await pay('CSRF1');
  const done = await waitFor('the permit', () =>
    [...opscom.permits.values()].find((p) => p.plate === 'CSRF1'),
  );
  // An attacker's page, on another origin, posting to the console in the operator's browser.
  const evil: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<form id="f" method="post" action="${base}/console/jobs/${session.id}/revoke">
      <input name="confirm" value="yes"><input name="_csrf" value="guessed"></form>
      <script>document.getElementById('f').submit()</script>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  try {
    const { context, page } = await signedIn();
    const answered = page.waitForResponse((r) => r.url().includes('/revoke'));
    await page.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`);
    const res = await answered;
    expect(res.status()).toBe(403);
    expect(await res.text()).toMatch(/Refused: a (cross-site|same-site) request/);
    expect(opscom.permits.get(done.referenceId)?.deleted).toBe(false);
    await context.close();
  } finally {
    await new Promise<void>((resolve) => evil.close(() => resolve()));
  }
});

/** Waits (10 s at most) until the locator's text contains `text`; fails with what it shows. */
async function contains(locator: Locator, text: string): Promise<void> {
  await shows(locator, (t) => t.includes(text), `text containing "${text}"`);
}

async function hasText(locator: Locator, text: string): Promise<void> {
  await shows(locator, (t) => t.trim() === text, `the text "${text}"`);
}

async function shows(locator: Locator, check: (text: string) => boolean, what: string) {
  const until = Date.now() + 10_000;
  let text = '';
  while (Date.now() < until) {
    text = await locator.innerText({ timeout: 1000 }).catch(() => '');
    if (check(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${what}; the page shows:\n${text}`);
}
