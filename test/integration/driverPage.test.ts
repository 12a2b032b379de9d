import { startHarness, type Harness } from '../support/harness';
import { harnessStores } from '../support/ledgerStores';
import { opscomCreates } from '../support/replay';
import { makeEvent, makeSession } from '../support/stripeFixtures';

// The driver's page (Checkout's success URL): it shows the permit, and fulfils the payment from
// Stripe when the webhook is late, exactly once, however the page and the webhook race.
let h: Harness;
afterEach(async () => {
  await h?.close();
});

interface PageJson {
  state: string;
  final: boolean;
  plate: string | null;
  zone: string | null;
  startsAt: string | null;
  endsAt: string | null;
  referenceId: string | null;
}

async function page(id: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.url}/permit/${encodeURIComponent(id)}`, {
    headers: { Accept: 'application/json', ...headers },
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as PageJson };
}

async function html(id: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.url}/permit/${encodeURIComponent(id)}`, {
    headers: { Accept: 'text/html', ...headers },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A session Stripe has, paid (charged) now. */
const fresh = (overrides: Parameters<typeof makeSession>[0]) => ({
  ...makeSession(overrides),
  created: Math.floor(Date.now() / 1000),
});

const stripeReads = () => h.stripe.received.filter((r) => r.method === 'GET').length;

describe.each(harnessStores)("the driver's page (%s ledger)", (_name, storeEnv) => {
  test('a paid session whose webhook never comes becomes its permit from the page alone', async () => {
    h = await startHarness({ ...(await storeEnv()), DRIVER_PAGE_WAIT_SECONDS: '10' });
    const session = fresh({ metadata: { plate: 'PG 101', duration: '90', zone: 'LOT-4' } });
    h.stripe.addSession(session);

    const first = await page(session.id);
    // The long poll held the answer until the permit was made.
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      state: 'active',
      final: true,
      plate: 'PG101',
      zone: 'LOT-4',
    });
    expect(first.body.endsAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$/);
    expect(first.body.startsAt).toMatch(/[-+]\d\d:\d\d$/);
    const job = await h.waitForJob(session.id, ['done']);
    expect(job.paidEventId).toBe(`page:${session.id}:paid`);
    expect(first.body.referenceId).toBe(job.opscom?.referenceId);
    expect(opscomCreates(h)).toHaveLength(1);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.headers.get('referrer-policy')).toBe('no-referrer');
    expect(first.headers.get('x-robots-tag')).toMatch(/noindex/);
    // The console's timeline says where the payment came from.
    const events = await h.adapter.ledger.listEvents(session.id);
    expect(events.map((e) => e.eventId)).toContain(`page:${session.id}:paid`);
  }, 30_000);

  test('20 page loads and 3 webhook deliveries of one session: one job, one permit', async () => {
    h = await startHarness(await storeEnv(), { latencyMs: 50 });
    const session = fresh({ metadata: { plate: 'RACE1', duration: '60' } });
    h.stripe.addSession(session);
    const event = makeEvent('checkout.session.completed', session);
    const loads = Array.from({ length: 20 }, () => page(session.id));
    const deliveries = Array.from({ length: 3 }, () => h.post(event));
    const answers = await Promise.all(loads);
    expect((await Promise.all(deliveries)).map((d) => d.status)).toEqual([200, 200, 200]);
    for (const a of answers) expect([200, 429]).toContain(a.status);
    await h.waitForJob(session.id, ['done']);
    expect(opscomCreates(h)).toHaveLength(1);
    expect(h.opscom.permits.size).toBe(1);
    // Each id is looked up in Stripe at most once a minute, however many loads race.
    const sessionReads = h.stripe.received.filter(
      (r) => r.method === 'GET' && r.path === `/v1/checkout/sessions/${session.id}`,
    );
    expect(sessionReads.length).toBeLessThanOrEqual(1);
  }, 30_000);

  test('a delayed payment shows waiting for the bank, and makes no permit until it succeeds', async () => {
    h = await startHarness({ ...(await storeEnv()), DRIVER_PAGE_WAIT_SECONDS: '0' });
    const session = fresh({
      payment_status: 'unpaid',
      metadata: { plate: 'PAD1', duration: '60' },
    });
    h.stripe.addSession(session);
    const waiting = await page(session.id);
    expect(waiting.body).toMatchObject({ state: 'waiting_bank', final: false, plate: 'PAD1' });
    const markup = await html(session.id);
    expect(markup.text).toContain('<meta http-equiv="refresh" content="60"');
    await new Promise((r) => setTimeout(r, 300));
    expect(h.opscom.received).toHaveLength(0);

    const paid = { ...session, payment_status: 'paid' };
    await h.post(makeEvent('checkout.session.async_payment_succeeded', paid));
    await h.waitForJob(session.id, ['done']);
    expect((await page(session.id)).body).toMatchObject({ state: 'active', final: true });
    expect(opscomCreates(h)).toHaveLength(1);
  }, 30_000);

  test('ids that cannot be sessions of this mode are 404 without a call to Stripe', async () => {
    h = await startHarness(await storeEnv());
    const before = stripeReads();
    for (const id of [
      'abc',
      'cs_test_',
      'cs_test_short',
      'cs_test_<script>alert(1)</script>',
      'cs_live_a1B2c3D4e5F6g7H8', // a live session, with a test key
      `cs_test_${'a'.repeat(300)}`,
      'pi_test_a1B2c3D4e5F6g7H8',
    ]) {
      const answer = await html(id);
      expect(answer.status).toBe(404);
      expect(answer.text).toContain('No permit found');
    }
    expect(stripeReads()).toBe(before);
  });

  test('a session of the other mode is 404; an unknown id is looked up once a minute', async () => {
    h = await startHarness(await storeEnv());
    // A test-mode id whose object says live (a forged or mixed-up session): never acted on.
    const live = fresh({ livemode: true });
    h.stripe.addSession(live);
    expect((await page(live.id)).status).toBe(404);
    expect(await h.adapter.ledger.getJob(live.id)).toBeUndefined();

    const unknown = 'cs_test_doesNotExist0001';
    expect((await page(unknown)).status).toBe(404);
    const again = await page(unknown);
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    const reads = h.stripe.received.filter((r) => r.path === `/v1/checkout/sessions/${unknown}`);
    expect(reads).toHaveLength(1);
  });

  test('one address looking up many unknown ids is limited (429 with Retry-After)', async () => {
    h = await startHarness({ ...(await storeEnv()), DRIVER_PAGE_LOOKUPS_PER_MINUTE: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await page(`cs_test_guess${i}aaaaaaaa`)).status);
    expect(statuses).toEqual([404, 404, 404, 429, 429, 429]);
    expect(stripeReads()).toBe(3);
  });

  test('an IPv6 client counts by its /64: its other addresses share its limit', async () => {
    h = await startHarness({
      ...(await storeEnv()),
      DRIVER_PAGE_LOOKUPS_PER_MINUTE: '3',
      TRUST_PROXY: 'loopback',
    });
    const from = (address: string) => ({ 'X-Forwarded-For': address });
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i++) {
      statuses.push((await page(`cs_test_v6guess${i}aaaaaaaa`, from(`2001:db8:1:2::${i}`))).status);
    }
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
    // Another subscriber's block is not held up.
    expect((await page('cs_test_v6other1aaaaaaaa', from('2001:db8:1:3::1'))).status).toBe(404);
    expect(stripeReads()).toBe(4);
  });

  test('what the driver typed renders as text; nothing but the permit is shown', async () => {
    h = await startHarness(await storeEnv());
    const session = {
      ...fresh({
        metadata: { plate: 'TXT1', duration: '60', zone: "O'Brien Lot", note: 'secret-note' },
      }),
      customer_details: { email: 'driver@example.com', name: 'Dana Driver' },
    };
    h.stripe.addSession(session);
    await h.post(makeEvent('checkout.session.completed', session));
    await h.waitForJob(session.id, ['done']);
    const answer = await html(session.id);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('O&#39;Brien Lot');
    for (const hidden of ['driver@example.com', 'Dana Driver', 'secret-note']) {
      expect(answer.text).not.toContain(hidden);
    }
    expect(answer.headers.get('content-security-policy')).toMatch(/default-src 'none'/);

    // Markup in a zone cannot be a permit: the driver is told it could not be made, without
    // the reason (internal) and without the markup.
    const marked = fresh({
      metadata: { plate: 'TXT2', duration: '60', zone: '<b onclick=x>Z</b>' },
    });
    h.stripe.addSession(marked);
    await h.post(makeEvent('checkout.session.completed', marked));
    await h.waitForJob(marked.id, ['failed']);
    const refused = await html(marked.id);
    expect(refused.text).toContain('We could not make your permit');
    expect(refused.text).not.toContain('onclick');
    expect(refused.text).not.toContain('zone has characters');
  });

  test('French from Accept-Language, English otherwise', async () => {
    h = await startHarness(await storeEnv());
    const session = fresh({ metadata: { plate: 'FR1', duration: '60' } });
    h.stripe.addSession(session);
    await h.post(makeEvent('checkout.session.completed', session));
    await h.waitForJob(session.id, ['done']);
    const fr = await html(session.id, { 'Accept-Language': 'fr-CA,fr;q=0.9,en;q=0.5' });
    expect(fr.text).toContain('<html lang="fr">');
    expect(fr.text).toContain('Votre permis est actif');
    const en = await html(session.id, { 'Accept-Language': 'en-US,fr;q=0.5' });
    expect(en.text).toContain('Your permit is active');
  });
});
