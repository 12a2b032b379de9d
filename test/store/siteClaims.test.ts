import type { SessionSnapshot } from '../../src/domain/sessionSnapshot';
import { createLogger } from '../../src/logger';
import type { Ledger, SessionEventInput } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
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
  beforeEach(async () => {
    const store = await makeStore();
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
});
