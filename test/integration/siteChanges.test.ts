import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '../../src/store/ledger';
import { startOpscomSimulator, type OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { startHarness, type Harness } from '../support/harness';
import { harnessStores } from '../support/ledgerStores';
import { makeEvent, makeSession, uniqueId } from '../support/stripeFixtures';

// A job's permit stays with the OPSCOM it was sent to, whatever the sites file says later: a
// site removed from it never sends its jobs to another site's OPSCOM, and a job stored with
// no site keeps the site its permit was made in (issue 26's review).
describe.each(harnessStores)('sites changing under their jobs (%s ledger)', (_n, storeEnv) => {
  let north: OpscomSimulator;
  let east: OpscomSimulator;
  let dir: string;
  let env: Record<string, string>;
  const running: Harness[] = [];

  beforeEach(async () => {
    north = await startOpscomSimulator({ apiToken: 'north-token', client: 'OC-NORTH' });
    east = await startOpscomSimulator({ apiToken: 'east-token', client: 'OC-EAST' });
    dir = mkdtempSync(join(tmpdir(), 'site-changes-'));
    env = {
      SQLITE_PATH: join(dir, 'ledger.sqlite'),
      ...(await storeEnv()),
      NORTH_TOKEN: 'north-token',
      EAST_TOKEN: 'east-token',
    };
  });
  afterEach(async () => {
    for (const h of running.splice(0)) await h.close();
    await north.close();
    await east.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const entry = (id: 'north' | 'east') => {
    const sim = id === 'north' ? north : east;
    const client = id === 'north' ? 'OC-NORTH' : 'OC-EAST';
    const tokenEnv = id === 'north' ? 'NORTH_TOKEN' : 'EAST_TOKEN';
    return {
      id,
      onFullRefund: 'delete',
      opscom: {
        baseUrl: sim.url,
        client,
        tokenEnv,
        timezone: 'America/Toronto',
        zone: `Lot ${id}`,
      },
    };
  };
  const sitesFile = (name: string, ids: ('north' | 'east')[]) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify({ sites: ids.map(entry) }));
    return file;
  };
  const start = async (more: Record<string, string>) => {
    const h = await startHarness({ ...env, ...more });
    running.push(h);
    return h;
  };
  const stop = async (h: Harness) => {
    running.splice(running.indexOf(h), 1);
    await h.close();
  };
  const pay = async (h: Harness, metadata: Record<string, string>) => {
    const session = makeSession({ amount_total: 2000, metadata: { duration: '60', ...metadata } });
    h.stripe.addSession(session);
    expect((await h.post(makeEvent('checkout.session.completed', session))).status).toBe(200);
    return session;
  };
  const refundEvent = (session: ReturnType<typeof makeSession>) =>
    makeEvent('charge.refunded', {
      id: uniqueId('ch'),
      object: 'charge',
      payment_intent: session['payment_intent'],
      amount: 2000,
      amount_refunded: 2000,
      refunded: true,
    });
  /** Polls the ledger until `done` says the job is there (a wait, not a timed assertion). */
  const until = async (h: Harness, id: string, done: (job: Job) => boolean) => {
    for (let i = 0; i < 400; i++) {
      const job = await h.adapter.ledger.getJob(id);
      if (job && done(job)) return job;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(
      `job ${id} never got there: ${JSON.stringify(await h.adapter.ledger.getJob(id))}`,
    );
  };
  const reason =
    /site "east" is not in the configuration \(SITES_FILE\), and this payment's permit was already sent to its site's OPSCOM/;

  it("fails a job of a removed site whose request was sent, and asks no other site's OPSCOM", async () => {
    east.faults.next('500', 1000); // east's first attempt is stored, then retried
    const h1 = await start({
      SITES_FILE: sitesFile('both.json', ['north', 'east']),
      DEFAULT_SITE: 'north',
    });
    const session = await pay(h1, { plate: 'EAST 1', site: 'east' });
    await until(h1, session.id, (job) => job.permit !== null && job.opscomAttempts >= 1);
    await stop(h1);

    const h2 = await start({ SITES_FILE: sitesFile('north.json', ['north']) });
    const failed = await h2.waitForJob(session.id, ['failed']);
    expect(failed.lastError).toMatch(reason);
    expect(failed.site).toBe('east');
    expect(north.received).toEqual([]);
  });

  it("fails a refund of a removed site's permit instead of dropping it", async () => {
    const h1 = await start({
      SITES_FILE: sitesFile('both.json', ['north', 'east']),
      DEFAULT_SITE: 'north',
    });
    const session = await pay(h1, { plate: 'EAST 2', site: 'east' });
    await h1.waitForJob(session.id, ['done']);
    await stop(h1);

    const h2 = await start({ SITES_FILE: sitesFile('north.json', ['north']) });
    h2.stripe.addSession(session);
    expect((await h2.post(refundEvent(session))).status).toBe(200);
    const failed = await h2.waitForJob(session.id, ['failed']);
    expect(failed.lastError).toMatch(reason);
    expect([...east.permits.values()].map((p) => p.deleted)).toEqual([false]);
    expect(north.received).toEqual([]);
  });

  it('keeps the site a job of no stored site was made in, when DEFAULT_SITE changes', async () => {
    const both = sitesFile('both.json', ['north', 'east']);
    // Recorded by an intake process with no default: stored with no site.
    const h1 = await start({ SITES_FILE: both, PROCESS_TYPE: 'intake' });
    const session = await pay(h1, { plate: 'NOSITE 1' });
    expect((await h1.adapter.ledger.getJob(session.id))?.site).toBeNull();
    await stop(h1);

    const h2 = await start({ SITES_FILE: both, DEFAULT_SITE: 'north' });
    h2.stripe.addSession(session);
    const done = await h2.waitForJob(session.id, ['done']);
    expect(done.site).toBe('north');
    expect([...north.permits.values()].map((p) => p.plate)).toEqual(['NOSITE1']);
    await stop(h2);

    const h3 = await start({ SITES_FILE: both, DEFAULT_SITE: 'east' });
    h3.stripe.addSession(session);
    expect((await h3.post(refundEvent(session))).status).toBe(200);
    await until(h3, session.id, (job) => job.state === 'done' && job.live?.status === 'deleted');
    expect([...north.permits.values()].map((p) => p.deleted)).toEqual([true]);
    expect(east.received).toEqual([]);
  });

  it('keeps jobs from before the sites file with the OPSCOM they were made in', async () => {
    // One site from the OPSCOM_* variables: north's OPSCOM; the job is stored as 'default'.
    const h1 = await start({
      OPSCOM_BASE_URL: north.url,
      OPSCOM_API_TOKEN: 'north-token',
      OPSCOM_CLIENT: 'OC-NORTH',
    });
    const session = await pay(h1, { plate: 'OLD 1' });
    expect((await h1.waitForJob(session.id, ['done'])).site).toBe('default');
    await stop(h1);

    // The sites file, north the default: the old jobs become north's, for good.
    const both = sitesFile('both.json', ['north', 'east']);
    const h2 = await start({ SITES_FILE: both, DEFAULT_SITE: 'north' });
    await until(h2, session.id, (job) => job.site === 'north'); // adopted in the background
    await h2.adapter.stop(1000); // waits for the adoption to finish
    expect(h2.logs()).toContain("jobs recorded before SITES_FILE are now the default site's");
    await stop(h2);

    // The default changes later: the old job's refund still goes to north's OPSCOM.
    const h3 = await start({ SITES_FILE: both, DEFAULT_SITE: 'east' });
    h3.stripe.addSession(session);
    expect((await h3.post(refundEvent(session))).status).toBe(200);
    await until(h3, session.id, (job) => job.state === 'done' && job.live?.status === 'deleted');
    expect([...north.permits.values()].map((p) => p.deleted)).toEqual([true]);
    expect(east.received).toEqual([]);
  });
});
