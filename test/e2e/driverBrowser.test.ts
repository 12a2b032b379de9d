import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import type { StripeSimulator } from '../../tools/simulators/stripeSimulator';
import { startBrowserStack, type BrowserStack } from '../support/browserStack';
import { waitFor } from '../support/serverProcess';
import { makeEvent, makeSession } from '../support/stripeFixtures';

// The driver's page in a real browser on a phone's viewport, in each state and both languages,
// against the built server (dist/) and the simulators. DRIVER_SCREENSHOTS=docs writes the
// screenshots docs/driver-page.md shows into docs/; otherwise they go to a temporary folder.
jest.setTimeout(120_000);

let stack: BrowserStack;
let opscom: OpscomSimulator;
let stripe: StripeSimulator;
let browser: Browser;
let dir: string;
let base: string;
let deliver: BrowserStack['deliver'];

const PHONE = { width: 390, height: 844 };
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  stack = await startBrowserStack('driver-browser', {
    OPERATOR_NAME: 'Campus Parking',
    SUPPORT_CONTACT: '+1 555 0100',
    DRIVER_PAGE_WAIT_SECONDS: '0',
  });
  ({ opscom, stripe, browser, dir, base, deliver } = stack);
});

afterAll(async () => {
  await stack?.close();
});

async function jobState(id: string): Promise<string> {
  const res = await fetch(`${base}/permit/${id}`, { headers: { Accept: 'application/json' } });
  return ((await res.json()) as { state?: string }).state ?? `HTTP ${res.status}`;
}

/** A session paid `ago` seconds ago and delivered by its webhook. */
async function paid(
  metadata: Record<string, string>,
  ago = 60,
): Promise<Record<string, unknown> & { id: string }> {
  const session = { ...makeSession({ metadata }), created: now() - ago };
  stripe.addSession(session);
  await deliver(makeEvent('checkout.session.completed', session, { created: now() - ago }));
  return session;
}

const HEADINGS = {
  on_its_way: ['Your permit is on its way', 'Votre permis est en route'],
  waiting_bank: ['Waiting for your bank', 'En attente de votre banque'],
  active: ['Your permit is active', 'Votre permis est actif'],
  ended: ['Your permit has ended', 'Votre permis est terminé'],
  removed: ['Your permit was removed', 'Votre permis a été retiré'],
  payment_failed: ['The payment did not go through', 'Le paiement n’a pas abouti'],
  not_made: ['We could not make your permit', 'Nous n’avons pas pu créer votre permis'],
} as const;
type State = keyof typeof HEADINGS;

// The ones docs/driver-page.md shows; the others are taken all the same, into the temp folder.
const IN_DOCS = new Set([
  'driver-on_its_way-en.png',
  'driver-active-en.png',
  'driver-active-fr.png',
  'driver-not_made-fr.png',
]);

function screenshotPath(name: string): string {
  const docs = process.env['DRIVER_SCREENSHOTS'] === 'docs' && IN_DOCS.has(name);
  const folder = docs ? join(__dirname, '..', '..', 'docs') : dir;
  mkdirSync(folder, { recursive: true });
  return join(folder, name);
}

/** Opens the page as a phone in `lang`, checks what a driver must see, takes its picture. */
async function look(id: string, state: State, lang: 'en' | 'fr', facts: string[]): Promise<void> {
  const context = await browser.newContext({
    viewport: PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    locale: lang === 'fr' ? 'fr-CA' : 'en-CA',
    javaScriptEnabled: true,
  });
  const page: Page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => errors.push(m.text()));
  const res = await page.goto(`${base}/permit/${id}`);
  expect(res?.status()).toBe(200);
  expect((await page.locator('h1').innerText()).trim()).toBe(
    HEADINGS[state][lang === 'en' ? 0 : 1],
  );
  expect(await page.getAttribute('html', 'lang')).toBe(lang);
  const text = (await page.locator('body').textContent()) ?? '';
  for (const f of facts) expect(text).toContain(f);
  expect(text).toContain('Campus Parking');
  expect(text).toContain('+1 555 0100');
  // Fits the phone: no sideways scrolling; the heading in large type.
  // (Functions given as text: they run in the page, where the DOM is.)
  const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
  expect(width).toBeLessThanOrEqual(PHONE.width);
  // Large type: the page's own 38 px (a browser's default h1 is 32 px: the stylesheet loaded
  // under the CSP).
  const size = Number(
    await page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)"),
  );
  expect(size).toBeGreaterThanOrEqual(36);
  // It refreshes itself while something may still change, and only then; no script at all.
  const refresh = await page.locator('meta[http-equiv=refresh]').count();
  const final = !['on_its_way', 'waiting_bank'].includes(state);
  expect(refresh).toBe(final ? 0 : 1);
  expect(await page.locator('script').count()).toBe(0);
  expect(errors).toEqual([]);
  await page.screenshot({ path: screenshotPath(`driver-${state}-${lang}.png`), fullPage: true });
  await context.close();
}

test('each state, in English and French, on a phone', async () => {
  // On its way: OPSCOM refuses for now, so the permit stays on its way.
  opscom.faults.next('500', 1000, '/push');
  const waitingPermit = await paid({ plate: 'WAIT 1', duration: '120', zone: 'LOT-4' });
  await waitFor('the first OPSCOM attempt', () => opscom.received.length > 0 || undefined);
  for (const lang of ['en', 'fr'] as const) {
    await look(waitingPermit.id, 'on_its_way', lang, ['WAIT1', 'LOT-4']);
  }
  opscom.faults.clear();

  const active = await paid({ plate: 'ab 123', duration: '120', zone: 'LOT-4' });
  await waitFor('active', async () =>
    (await jobState(active.id)) === 'active' ? true : undefined,
  );
  const reference = [...opscom.permits.values()].find((p) => p.plate === 'AB123')!.referenceId;
  await look(active.id, 'active', 'en', ['AB123', 'LOT-4', reference, '14.50 CAD', 'today']);
  await look(active.id, 'active', 'fr', [
    'AB123',
    'LOT-4',
    reference,
    'Valide jusqu’à',
    '14,50 CAD',
  ]);

  // Paid three hours ago for one hour: over.
  const ended = await paid({ plate: 'OLD 1', duration: '60' }, 3 * 3600);
  await waitFor('ended', async () => ((await jobState(ended.id)) === 'ended' ? true : undefined));

  const removed = await paid({ plate: 'REF 1', duration: '120' });
  await waitFor('active', async () =>
    (await jobState(removed.id)) === 'active' ? true : undefined,
  );
  const charge = {
    id: `ch_${removed.id.slice(3)}`,
    object: 'charge',
    payment_intent: removed['payment_intent'],
    amount: removed['amount_total'],
    amount_refunded: removed['amount_total'],
    refunded: true,
  };
  await deliver(makeEvent('charge.refunded', charge));
  await waitFor('removed', async () =>
    (await jobState(removed.id)) === 'removed' ? true : undefined,
  );

  const bank = {
    ...makeSession({ payment_status: 'unpaid', metadata: { plate: 'PAD 1', duration: '60' } }),
    created: now(),
  };
  stripe.addSession(bank);
  await deliver(makeEvent('checkout.session.completed', bank));

  const refused = {
    ...makeSession({ payment_status: 'unpaid', metadata: { plate: 'PAD 2', duration: '60' } }),
    created: now(),
  };
  stripe.addSession(refused);
  await deliver(makeEvent('checkout.session.completed', refused));
  await deliver(makeEvent('checkout.session.async_payment_failed', refused));

  const unmappable = await paid({ duration: '60' }); // no plate
  await waitFor('not made', async () =>
    (await jobState(unmappable.id)) === 'not_made' ? true : undefined,
  );

  for (const lang of ['en', 'fr'] as const) {
    await look(ended.id, 'ended', lang, ['OLD1']);
    await look(removed.id, 'removed', lang, ['REF1']);
    await look(bank.id, 'waiting_bank', lang, ['PAD1']);
    await look(refused.id, 'payment_failed', lang, []);
    await look(unmappable.id, 'not_made', lang, []);
  }
});
