import { startHarness, type Harness } from '../support/harness';
import { seedPaidSession } from '../support/replay';

const PASSWORD = 'console-password-for-tests';
const auth = (user = 'operator', password = PASSWORD) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('the console', () => {
  let h: Harness;
  afterEach(() => h?.close());

  const get = (path: string, authorization = auth()) =>
    fetch(`${h.url}${path}`, { headers: { authorization } });
  const text = async (path: string) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    return res.text();
  };
  const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const post = (
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: auth(),
        'content-type': 'application/x-www-form-urlencoded',
        origin: h.url,
        'sec-fetch-site': 'same-origin',
        ...headers,
      },
      body: new URLSearchParams(fields).toString(),
    });

  /** A paid session whose plate cannot be mapped: a failed job with its reason. */
  async function failedJob(plate: string) {
    const { session, event } = seedPaidSession(h, { metadata: { plate, duration: '60' } });
    await h.post(event);
    return { session, job: await h.waitForJob(session.id, ['failed']) };
  }

  test('is off (404) unless CONSOLE_PASSWORD is set', async () => {
    h = await startHarness();
    expect((await get('/console')).status).toBe(404);
  });

  test('asks for a login, refuses a wrong one, and makes a guesser wait', async () => {
    h = await startHarness({ CONSOLE_PASSWORD: PASSWORD });
    const none = await fetch(`${h.url}/console`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await get('/console', auth('operator', 'wrong'))).status).toBe(401);
    expect((await get('/console', auth('admin', PASSWORD))).status).toBe(401);
    for (let i = 0; i < 8; i++) await get('/console', auth('operator', `guess${i}`));
    const throttled = await get('/console', auth());
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(h.logs()).not.toContain(PASSWORD);
  });

  test('shows a failed payment with its reason, finds it, and renders what a driver typed as text', async () => {
    h = await startHarness({ CONSOLE_PASSWORD: PASSWORD });
    const evil = '<img src=x onerror=alert(1)>';
    const { session } = await failedJob(evil);
    const ok = seedPaidSession(h, { metadata: { plate: 'OK123', duration: '60' } });
    await h.post(ok.event);
    await h.waitForJob(ok.session.id, ['done']);

    const res = await get('/console');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const overview = await res.text();
    expect(overview).toContain(session.id);
    expect(overview).toMatch(/cannot map session to a permit/);
    expect(overview).not.toContain('<img src=x');
    expect(overview).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(overview).toMatch(/reachable: HTTP \d+/);

    const failed = await text('/console/jobs?state=failed%2Cdead');
    expect(failed).toContain(session.id);
    expect(failed).not.toContain(ok.session.id);
    expect(await text('/console/jobs?q=ok-123')).toContain(ok.session.id);
    expect(await text(`/console/jobs?q=${ok.session.payment_intent as string}`)).toContain(
      ok.session.id,
    );

    const page = await text(`/console/jobs/${session.id}`);
    expect(page).not.toContain('<img src=x');
    expect(page).toMatch(/Job failed/);
    expect(page).not.toContain(h.config.opscom.apiToken);
    expect((await get('/console/jobs/cs_nope')).status).toBe(404);
  });

  test('a correction from the console makes the permit, recorded with the console user', async () => {
    h = await startHarness({ CONSOLE_PASSWORD: PASSWORD });
    const { session } = await failedJob('???');
    const csrf = csrfOf(await text(`/console/jobs/${session.id}`));
    const res = await post(`/console/jobs/${session.id}/correct`, { _csrf: csrf, plate: 'fix 1' });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/created/);
    const job = await h.waitForJob(session.id, ['done']);
    expect(h.opscom.permits.get(job.opscom!.referenceId)?.plate).toBe('FIX1');
    const page = await text(`/console/jobs/${session.id}`);
    expect(page).toMatch(/Correction by an operator<\/strong> — by console:operator/);

    const bad = await post(`/console/jobs/${session.id}/correct`, { _csrf: csrf, plate: '!!' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/Refused: plate !!/);
  });

  test('revoking asks first, then deletes the permit once', async () => {
    h = await startHarness({ CONSOLE_PASSWORD: PASSWORD });
    const { session, event } = seedPaidSession(h, { metadata: { plate: 'REV1', duration: '60' } });
    await h.post(event);
    const done = await h.waitForJob(session.id, ['done']);
    const csrf = csrfOf(await text(`/console/jobs/${session.id}`));
    const asked = await post(`/console/jobs/${session.id}/revoke`, { _csrf: csrf });
    expect(await asked.text()).toMatch(/Revoke the permit of/);
    expect(h.opscom.permits.get(done.opscom!.referenceId)?.deleted).toBe(false);
    const res = await post(`/console/jobs/${session.id}/revoke`, { _csrf: csrf, confirm: 'yes' });
    expect(await res.text()).toMatch(/permit deleted/);
    expect(h.opscom.permits.get(done.opscom!.referenceId)?.deleted).toBe(true);
    expect(h.stripe.sessions.get(session.id)?.metadata['opscom_permit_status']).toBe('deleted');
  });

  test('refuses cross-site posts and posts without the token; nothing changes', async () => {
    h = await startHarness({ CONSOLE_PASSWORD: PASSWORD });
    const { session, event } = seedPaidSession(h, { metadata: { plate: 'SAFE1', duration: '60' } });
    await h.post(event);
    const done = await h.waitForJob(session.id, ['done']);
    const csrf = csrfOf(await text(`/console/jobs/${session.id}`));
    const path = `/console/jobs/${session.id}/revoke`;
    const attempts = [
      post(path, { confirm: 'yes' }),
      post(path, { _csrf: 'forged', confirm: 'yes' }),
      post(path, { _csrf: csrf, confirm: 'yes' }, { origin: 'https://evil.example' }),
      post(path, { _csrf: csrf, confirm: 'yes' }, { 'sec-fetch-site': 'cross-site' }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(/Nothing was changed/);
    }
    expect(h.opscom.permits.get(done.opscom!.referenceId)?.deleted).toBe(false);
    expect(h.opscom.received).toHaveLength(1);
  });

  test('retry all asks with the count, then retries each matching job through replay', async () => {
    h = await startHarness({ CONSOLE_PASSWORD: PASSWORD });
    const a = await failedJob('???');
    const b = await failedJob('!!!');
    const csrf = csrfOf(await text('/console/jobs?state=failed'));
    const asked = await post('/console/actions/retry-matching', {
      _csrf: csrf,
      state: 'failed',
      q: '',
    });
    expect(await asked.text()).toMatch(/Retry all 2 failed or dead jobs/);
    const res = await post('/console/actions/retry-matching', {
      _csrf: csrf,
      state: 'failed',
      q: '',
      confirm: 'yes',
    });
    expect(await res.text()).toMatch(/Retrying 2 jobs now/);
    for (const { session } of [a, b]) {
      // Still unmappable: each fails again, and its timeline says who retried it.
      const page = await waitForText(`/console/jobs/${session.id}`, /Retried by an operator/);
      expect(page).toMatch(/Retried by an operator<\/strong> — by console:operator/);
    }
  });

  test('looks a session up in Stripe and replays it', async () => {
    h = await startHarness({ CONSOLE_PASSWORD: PASSWORD });
    // Paid, but its webhook never arrived.
    const { session } = seedPaidSession(h, { metadata: { plate: 'LOST1', duration: '60' } });
    const csrf = csrfOf(await text('/console/jobs'));
    const res = await post('/console/actions/lookup', { _csrf: csrf, session: session.id });
    expect(await res.text()).toMatch(/created/);
    const job = await h.waitForJob(session.id, ['done']);
    expect(h.opscom.permits.get(job.opscom!.referenceId)?.plate).toBe('LOST1');
  });

  async function waitForText(path: string, pattern: RegExp): Promise<string> {
    const until = Date.now() + 10_000;
    for (;;) {
      const page = await text(path);
      if (pattern.test(page) || Date.now() > until) return page;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});
