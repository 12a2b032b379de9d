import { startHarness, type Harness } from '../support/harness';
import { harnessStores } from '../support/ledgerStores';
import { waitFor } from '../support/serverProcess';
import { makeEvent, makeSession } from '../support/stripeFixtures';
import type { VerificationState } from '../../src/store/verificationLedger';

// The operator's two choices for a permit enforcement cannot see, from the console, on both
// ledgers: push it again (through the worker), or accept it; each recorded with their name.
const PASSWORD = 'console-password-for-tests';
const authorization = `Basic ${Buffer.from(`operator:${PASSWORD}`).toString('base64')}`;

describe.each(harnessStores)('on the %s ledger', (_name, storeEnv) => {
  let h: Harness;
  afterEach(() => h?.close());
  beforeEach(async () => {
    h = await startHarness({
      ...(await storeEnv()),
      CONSOLE_PASSWORD: PASSWORD,
      OPSCOM_VERIFY: 'on',
      OPSCOM_VERIFY_DELAY_SECONDS: '1',
      OPSCOM_VERIFY_EVERY_SECONDS: '1',
    });
  });

  const page = async (path: string) => {
    const res = await fetch(`${h.url}${path}`, { headers: { authorization } });
    expect(res.status).toBe(200);
    return res.text();
  };
  const post = async (path: string) => {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page('/console/jobs'))?.[1] ?? '';
    return fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/x-www-form-urlencoded',
        origin: h.url,
        'sec-fetch-site': 'same-origin',
      },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
  };
  async function unseenPermit(plate: string, lose: (referenceId: string) => void, zone?: string) {
    const session = makeSession({
      metadata: { plate, duration: '120', ...(zone ? { zone } : {}) },
    });
    h.stripe.addSession(session);
    await h.post(makeEvent('checkout.session.completed', session));
    const job = await h.waitForJob(session.id, ['done']);
    lose(job.opscom!.referenceId);
    await inState(session.id, 'not_visible');
    return { sessionId: session.id, referenceId: job.opscom!.referenceId };
  }
  const inState = (sessionId: string, state: VerificationState) =>
    waitFor(
      `verification ${state}`,
      async () => {
        const v = await h.adapter.ledger.getVerification(sessionId);
        return v?.state === state ? v : undefined;
      },
      20_000,
    );
  const noteTypes = async (sessionId: string) =>
    (await h.adapter.ledger.listEvents(sessionId)).map((e) => e.eventType);
  const alertOpen = async (sessionId: string) =>
    (await h.adapter.ledger.openAlerts()).some((a) => a.key === `seen:${sessionId}`);

  test('filtered and highlighted; pushed again as a new permit when OPSCOM shows nothing', async () => {
    const { sessionId, referenceId } = await unseenPermit('GONE1', (ref) =>
      h.opscom.enforcement.removeByStaff(ref),
    );
    const list = await page('/console/jobs?unseen=1');
    expect(list).toContain(sessionId);
    expect(list).toMatch(/<tr class="unseen">/);
    expect(await page(`/console/jobs/${sessionId}`)).toContain('Push it again');
    expect((await post(`/console/jobs/${sessionId}/push-again`)).status).toBe(200);
    const job = await waitFor('a new permit', async () => {
      const j = await h.adapter.ledger.getJob(sessionId);
      return j?.state === 'done' && j.opscom && j.opscom.referenceId !== referenceId
        ? j
        : undefined;
    });
    expect(h.opscom.permits.get(job.opscom!.referenceId)).toMatchObject({ plate: 'GONE1' });
    const v = await inState(sessionId, 'visible');
    expect(v).toMatchObject({ decision: 'push_again', decidedBy: 'console:operator' });
    await waitFor('its alert cleared', async () =>
      (await alertOpen(sessionId)) ? undefined : true,
    );
    expect(await noteTypes(sessionId)).toEqual(
      expect.arrayContaining(['verify.not_visible', 'verify.push_again', 'verify.resolved']),
    );
  });

  test('pushed again as an update of the same reference when OPSCOM shows another end', async () => {
    const { sessionId, referenceId } = await unseenPermit('CHG1', (ref) => {
      h.opscom.permits.get(ref)!.endTime = '2099-01-01T10:00:00';
    });
    expect((await post(`/console/jobs/${sessionId}/push-again`)).status).toBe(200);
    await inState(sessionId, 'visible');
    const job = await h.adapter.ledger.getJob(sessionId);
    expect(job?.opscom?.referenceId).toBe(referenceId);
    expect(h.opscom.received.map((r) => r.path.split('/').at(-1))).toContain('update');
    expect(h.opscom.received.filter((r) => r.path.endsWith('/push'))).toHaveLength(1);
  });

  test('accepted by the operator: its checks stop and its alert clears, with their name', async () => {
    h.opscom.enforcement.unusedZones.add('Z9');
    const { sessionId } = await unseenPermit('ZONE1', () => undefined, 'Z9');
    await waitFor('its alert', async () => ((await alertOpen(sessionId)) ? true : undefined));
    expect((await post(`/console/jobs/${sessionId}/accept-unseen`)).status).toBe(200);
    expect(await h.adapter.ledger.getVerification(sessionId)).toMatchObject({
      state: 'accepted',
      decidedBy: 'console:operator',
      countFrom: null,
    });
    expect(await alertOpen(sessionId)).toBe(false);
    expect(await noteTypes(sessionId)).toContain('verify.accepted');
    expect((await post(`/console/jobs/${sessionId}/accept-unseen`)).status).toBe(409);
    expect((await post(`/console/jobs/${sessionId}/push-again`)).status).toBe(409);
  });
});
