import type { StoreConfig } from '../../src/config';
import type { SessionSnapshot } from '../../src/domain/sessionSnapshot';
import { createLogger } from '../../src/logger';
import type { Ledger, SessionEventInput } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { newOwnerId } from '../../src/store/owner';
import { startAttemptThenDie } from '../support/deadOwner';
import { ledgerStores } from '../support/ledgerStores';

// The worker's site gate (issue 26) names the sites its next claim must leave alone; the claim
// holds to it on both ledgers, and a job of no site is never left behind.
const logger = createLogger({ level: 'error', pretty: false, silent: true });
const backends = ledgerStores('ledger-site-claims-', 4);

let seq = 0;
const session = (id: string): SessionSnapshot => ({
  id,
  livemode: false,
  paymentStatus: 'paid',
  amountTotal: 1450,
  currency: 'cad',
  metadata: { plate: 'A1', duration: '60' },
  customFields: {},
  paymentIntentId: `pi_${id}`,
});
/** A paid job of `site`, due at `at`. */
const paid = (sessionId: string, site: string | null, at: number): SessionEventInput => ({
  eventId: `evt_claim_${seq++}`,
  eventType: 'checkout.session.completed',
  eventCreated: 1_780_000_000,
  action: 'paid',
  session: session(sessionId),
  receivedAt: at,
  site,
});

describe.each(backends)('claims skipping sites on the %s ledger', (_name, makeStore) => {
  let ledger: Ledger;
  let store: StoreConfig;
  beforeEach(async () => {
    store = await makeStore();
    await migrateLedger(store);
    ledger = await openLedger(store, logger);
    // Due in this order: north's first, then the default site's, east's, and one of no site.
    await ledger.recordSessionEvent(paid('cs_n1', 'north', 1_000));
    await ledger.recordSessionEvent(paid('cs_n2', 'north', 1_001));
    await ledger.recordSessionEvent(paid('cs_d1', 'default', 1_002));
    await ledger.recordSessionEvent(paid('cs_e1', 'east', 1_003));
    await ledger.recordSessionEvent(paid('cs_x1', null, 1_004));
  });
  afterEach(() => ledger.close());

  test("jobs stored as 'default' are adopted by a site a batch at a time, once", async () => {
    await ledger.recordSessionEvent(paid('cs_d2', 'default', 1_005));
    await ledger.recordSessionEvent(paid('cs_d3', 'default', 1_006));
    expect(await ledger.adoptLegacySite('north', 2)).toBe(2);
    expect(await ledger.adoptLegacySite('north', 2)).toBe(1);
    expect(await ledger.adoptLegacySite('north', 2)).toBe(0);
    const sites = await Promise.all(
      ['cs_d1', 'cs_d2', 'cs_d3', 'cs_e1', 'cs_x1'].map(
        async (id) => (await ledger.getJob(id))?.site,
      ),
    );
    expect(sites).toEqual(['north', 'north', 'north', 'east', null]);
  });

  /** Claims until nothing is left, skipping `skip`: the sessions in the order claimed. */
  async function claimAll(skip?: readonly string[]): Promise<string[]> {
    const claimed: string[] = [];
    for (;;) {
      const job = await ledger.claimNextJob('w1', 5_000, 10_000, skip);
      if (!job) return claimed;
      claimed.push(job.sessionId);
    }
  }

  test('never returns a job of a skipped site; the rest come due first first', async () => {
    expect(await claimAll(['north', 'default'])).toEqual(['cs_e1', 'cs_x1']);
    // The skipped sites' jobs are still there, free, for a claim that does not skip them.
    expect(await claimAll([])).toEqual(['cs_n1', 'cs_n2', 'cs_d1']);
  });

  test('without the argument, or with none to skip, claims as before', async () => {
    const first = await ledger.claimNextJob('w1', 5_000, 10_000);
    expect(first).toMatchObject({ sessionId: 'cs_n1', site: 'north', leaseOwner: 'w1' });
    expect(await claimAll([])).toEqual(['cs_n2', 'cs_d1', 'cs_e1', 'cs_x1']);
  });

  test('never skips a job of no site, even when every site is skipped', async () => {
    expect(await claimAll(['north', 'default', 'east'])).toEqual(['cs_x1']);
  });

  test('skips by the exact site only', async () => {
    expect(await claimAll(['nor', "north'", 'NORTH'])).toEqual([
      'cs_n1',
      'cs_n2',
      'cs_d1',
      'cs_e1',
      'cs_x1',
    ]);
  });

  // A claim that skips sites takes each other site's first free job (jobs_pending_site), not
  // the first of the walk: still the one due first, never a leased or future one.
  test('skipping, passes over jobs leased, not yet due, or of a site with none free', async () => {
    await ledger.recordSessionEvent(paid('cs_e2', 'east', 1_005));
    await ledger.recordSessionEvent(paid('cs_s1', 'south', 9_000));
    // cs_e1 leased until 20,000 by another worker.
    expect(await ledger.claimNextJob('w0', 5_000, 15_000, ['north', 'default'])).toMatchObject({
      sessionId: 'cs_e1',
    });
    expect(await claimAll(['north', 'default'])).toEqual(['cs_x1', 'cs_e2']);
    // At 21,000 every lease above has run out, and south's job is due.
    const at21 = async (skip: string[]) =>
      (await ledger.claimNextJob('w1', 21_000, 100_000, skip))?.sessionId;
    expect(await at21(['north'])).toBe('cs_d1');
    expect(await at21(['north'])).toBe('cs_e1');
    expect(await at21(['north', 'east'])).toBe('cs_x1');
    expect(await at21(['north', 'east'])).toBe('cs_s1');
    expect(await at21(['north', 'east'])).toBeUndefined();
    expect(await at21(['north'])).toBe('cs_e2');
  });

  test('claims made at once, skipping a site, each take a job of their own', async () => {
    for (let i = 0; i < 12; i++) {
      await ledger.recordSessionEvent(paid(`cs_m${i}`, i % 2 === 0 ? 'east' : 'south', 2_000 + i));
    }
    const claims = Array.from({ length: 16 }, (_v, i) =>
      ledger.claimNextJob(`w${i}`, 5_000, 10_000, ['north']),
    );
    const taken = (await Promise.all(claims)).flatMap((job) => (job ? [job.sessionId] : []));
    // Every job not of north, each once (the default site's, east's, south's, no site's).
    expect(taken.sort()).toEqual(
      ['cs_d1', 'cs_e1', 'cs_x1', ...Array.from({ length: 12 }, (_v, i) => `cs_m${i}`)].sort(),
    );
  });

  test('skipping, an attempt in flight stays with its live owner; a dead one is taken over', async () => {
    const permit = {
      action: 'create' as const,
      plate: 'A1',
      zone: 'Z',
      startTime: '2026-01-01T10:00:00',
      endTime: '2026-01-01T11:00:00',
      endsAt: '2026-01-01T11:00:00-05:00',
      amount: '14.50',
      currency: 'CAD' as const,
    };
    for (let i = 0; i < 3; i++) await ledger.claimNextJob('w0', 1_500, 1_000_000); // n1, n2, d1
    const live = newOwnerId('worker');
    expect(await ledger.claimNextJob(live, 1_500, 1_000)).toMatchObject({ sessionId: 'cs_e1' });
    const e1 = { sessionId: 'cs_e1', owner: live, now: 1_600, leaseMs: 1_000 };
    expect(await ledger.startOpscomAttempt(e1, permit)).toBe(true);
    await startAttemptThenDie(store, ledger, 'cs_x1', 1_600, permit);
    // Long after every lease ran out: east's attempt is still its owner's, no site's is free.
    // PostgreSQL frees the dead owner's lock once it has seen its connection close: a moment.
    const skip = ['north', 'default'];
    let taken = await ledger.claimNextJob('w2', 3_600_000, 1_000, skip);
    for (let tries = 0; !taken && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      taken = await ledger.claimNextJob('w2', 3_600_000, 1_000, skip);
    }
    expect(taken).toMatchObject({ sessionId: 'cs_x1', opscomStartedAt: 1_600 });
    expect(await ledger.claimNextJob('w2', 3_600_000, 1_000, skip)).toBeUndefined();
  });

  // Past the head of the queue (the 200 jobs due first; src/store/sqlite/claimSql.ts HEAD,
  // migrations/postgres/016), a claim that skips north looks site by site.
  test('behind a backlog of a skipped site, the rest come due first first', async () => {
    const backlog = Array.from({ length: 250 }, (_v, i) => paid(`cs_b${i}`, 'north', 100 + i));
    await Promise.all(backlog.map((event) => ledger.recordSessionEvent(event)));
    await ledger.recordSessionEvent(paid('cs_s1', 'south', 900));
    const leased = await ledger.claimNextJob('w0', 5_000, 1_000_000, ['north']);
    expect(leased).toMatchObject({ sessionId: 'cs_s1' });
    expect(await claimAll(['north'])).toEqual(['cs_d1', 'cs_e1', 'cs_x1']);
    expect(await claimAll(['north', 'default', 'east'])).toEqual([]);
    expect((await claimAll([])).length).toBe(252); // north's
  });
});
