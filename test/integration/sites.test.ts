import { DateTime } from 'luxon';
import { toOpscomTime } from '../../src/domain/localTime';
import type { OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { startHarness, type Harness } from '../support/harness';
import { harnessStores } from '../support/ledgerStores';
import { makeEvent, makeSession } from '../support/stripeFixtures';
import { startTwoSites, type TwoSites } from '../support/twoSites';

// Several sites in one adapter (SITES_FILE): each payment goes to its site's OPSCOM client,
// with its site's clock and zone; a payment of no site fails, saying why.
describe.each(harnessStores)('sites on the %s ledger', (_name, storeEnv) => {
  let sites: TwoSites;
  let h: Harness;
  let north: OpscomSimulator;
  let east: OpscomSimulator;

  beforeEach(async () => {
    sites = await startTwoSites({
      env: await storeEnv(),
      north: { stripeAccount: 'acct_1NorthCampus' },
      eastOpscom: { timezone: 'America/Halifax' },
    });
    ({ h, north, east } = sites);
  });
  afterEach(() => sites?.close());

  const paid = (metadata: Record<string, string>, account?: string) => {
    const session = makeSession({ metadata: { plate: 'ABC 123', duration: '120', ...metadata } });
    const event = makeEvent('checkout.session.completed', session);
    // Stripe has the session: the platform's, or the connected account's.
    (account ? h.stripe.account(account) : h.stripe).addSession(session);
    return { session, event: account ? { ...event, account } : event };
  };

  it("sends each payment to its own site's OPSCOM client, in its site's time", async () => {
    const byMetadata = paid({ site: 'east', plate: 'EAST 1' });
    const byAccount = paid({ plate: 'NORTH 1' }, 'acct_1NorthCampus');
    expect((await h.post(byMetadata.event)).status).toBe(200);
    expect((await h.post(byAccount.event)).status).toBe(200);
    const eastJob = await h.waitForJob(byMetadata.session.id, ['done']);
    const northJob = await h.waitForJob(byAccount.session.id, ['done']);

    expect(eastJob.site).toBe('east');
    expect(northJob.site).toBe('north');
    const plates = (sim: OpscomSimulator) => [...sim.permits.values()].map((p) => p.plate);
    expect(plates(east)).toEqual(['EAST1']);
    expect(plates(north)).toEqual(['NORTH1']);
    expect(plates(h.opscom)).toEqual([]);
    expect(east.received.every((r) => r.tokenValid)).toBe(true);
    expect(north.received.every((r) => r.tokenValid)).toBe(true);

    // The connected account's write-backs are made as that account; the platform's, as itself.
    const accounts = (sessionId: string) =>
      h.stripe.received
        .filter((r) => r.path.includes(sessionId))
        .map((r) => r.stripeAccount ?? 'platform');
    expect(accounts(byAccount.session.id)).toEqual(['acct_1NorthCampus']);
    expect(accounts(byMetadata.session.id)).toEqual(['platform']);

    const startOf = (created: number, zone: string) =>
      toOpscomTime(DateTime.fromSeconds(created), zone);
    const eastPermit = [...east.permits.values()][0];
    const northPermit = [...north.permits.values()][0];
    expect(eastPermit).toMatchObject({
      zone: 'Lot E',
      startTime: startOf(byMetadata.event.created as number, 'America/Halifax'),
    });
    expect(northPermit).toMatchObject({
      zone: 'Lot N',
      startTime: startOf(byAccount.event.created as number, 'America/Toronto'),
    });
  });

  it('fails a payment no site matches, saying why, and calls no OPSCOM', async () => {
    const unknownSite = paid({ site: 'south' });
    const noSite = paid({});
    const unknownAccount = paid({}, 'acct_1Elsewhere');
    for (const p of [unknownSite, noSite, unknownAccount]) {
      expect((await h.post(p.event)).status).toBe(200);
    }
    const failed = await Promise.all(
      [unknownSite, noSite, unknownAccount].map((p) => h.waitForJob(p.session.id, ['failed'])),
    );
    expect(failed.map((job) => job.lastError)).toEqual([
      'cannot map session to a permit: metadata.site "south" is not a configured site',
      'cannot map session to a permit: the payment names no site (no connected account, no metadata.site) and no DEFAULT_SITE is set',
      'cannot map session to a permit: the event comes from connected account acct_1Elsewhere, which no site has as its stripeAccount (SITES_FILE)',
    ]);
    expect(failed.map((job) => job.site)).toEqual([null, null, null]);
    expect(north.received.length + east.received.length + h.opscom.received.length).toBe(0);
  });
});

// Without SITES_FILE nothing about sites is checked: a payment naming a metadata.site, or a
// Connect event, is the one site's, as before sites (its write-backs carry the account).
describe.each(harnessStores)('one site, no SITES_FILE, on the %s ledger', (_name, storeEnv) => {
  let h: Harness;
  afterEach(() => h?.close());

  it('takes every payment, whatever its metadata.site or connected account', async () => {
    h = await startHarness(await storeEnv());
    const named = makeSession({ metadata: { plate: 'ONE 1', duration: '60', site: 'north' } });
    h.stripe.addSession(named);
    const connect = makeSession({ metadata: { plate: 'ONE 2', duration: '60' } });
    h.stripe.account('acct_1Elsewhere').addSession(connect);
    expect((await h.post(makeEvent('checkout.session.completed', named))).status).toBe(200);
    const event = makeEvent('checkout.session.completed', connect);
    expect((await h.post({ ...event, account: 'acct_1Elsewhere' })).status).toBe(200);

    const jobs = [await h.waitForJob(named.id, ['done']), await h.waitForJob(connect.id, ['done'])];
    expect(jobs.map((job) => job.site)).toEqual(['default', 'default']);
    expect([...h.opscom.permits.values()].map((p) => p.plate).sort()).toEqual(['ONE1', 'ONE2']);
    const accounts = h.stripe.received
      .filter((r) => r.path.includes(connect.id))
      .map((r) => r.stripeAccount);
    expect(accounts).toEqual(['acct_1Elsewhere']);
  });
});
