import type { SessionSnapshot } from '../../src/domain/sessionSnapshot';
import type { SessionEventAction } from '../../src/domain/classifyEvent';
import { createLogger } from '../../src/logger';
import type { Ledger, SessionEventInput } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { ledgerStores } from '../support/ledgerStores';

// A job's session keeps the Connect account it was recorded with (src/store/sessionAccount.ts,
// migrations/postgres/017): an event that advances the job replaces the snapshot, but never its
// stripeAccount, whether the newer snapshot lacks one or names another (noted on the event).
const logger = createLogger({ level: 'error', pretty: false, silent: true });
const backends = ledgerStores('ledger-session-account-', 4);

let seq = 0;
const session = (
  id: string,
  paymentStatus: SessionSnapshot['paymentStatus'],
  account?: string | null,
): SessionSnapshot => ({
  id,
  livemode: false,
  paymentStatus,
  amountTotal: 1450,
  currency: 'cad',
  metadata: { plate: 'A1', duration: '60' },
  customFields: {},
  paymentIntentId: `pi_${id}`,
  ...(account === undefined ? {} : { stripeAccount: account }),
});
const event = (snapshot: SessionSnapshot, action: SessionEventAction): SessionEventInput => ({
  eventId: `evt_account_${seq++}`,
  eventType:
    action === 'awaiting_payment'
      ? 'checkout.session.completed'
      : 'checkout.session.async_payment_succeeded',
  eventCreated: 1_780_000_000 + seq,
  action,
  session: snapshot,
  receivedAt: 1_000 + seq,
  site: 'north',
});

describe.each(backends)('a recorded session keeps its account on the %s ledger', (_n, store) => {
  let ledger: Ledger;
  beforeEach(async () => {
    const config = await store();
    await migrateLedger(config);
    ledger = await openLedger(config, logger);
  });
  afterEach(() => ledger.close());

  /** A delayed payment recorded with `first`, then its success recorded with `later`. */
  async function advance(id: string, first: SessionSnapshot, later: SessionSnapshot) {
    await ledger.recordSessionEvent(event(first, 'awaiting_payment'));
    const paid = event(later, 'paid');
    const outcome = await ledger.recordSessionEvent(paid);
    expect(outcome).toEqual({ event: 'recorded', job: 'updated', state: 'pending' });
    const job = await ledger.getJob(id);
    const note = (await ledger.listEvents(id)).find((e) => e.eventId === paid.eventId)?.detail;
    return { session: job?.session, note: note == null ? null : (JSON.parse(note) as unknown) };
  }

  test('an event recorded without the account keeps the stored one', async () => {
    const { session: kept, note } = await advance(
      'cs_a1',
      session('cs_a1', 'unpaid', 'acct_north'),
      session('cs_a1', 'paid'),
    );
    // The rest of the snapshot is the newer one's.
    expect(kept).toEqual(session('cs_a1', 'paid', 'acct_north'));
    expect(note).toBeNull();
  });

  test('an event naming another account does not switch it, and says so', async () => {
    const { session: kept, note } = await advance(
      'cs_a2',
      session('cs_a2', 'unpaid', 'acct_north'),
      session('cs_a2', 'paid', 'acct_south'),
    );
    expect(kept).toEqual(session('cs_a2', 'paid', 'acct_north'));
    expect(note).toEqual({ stripeAccountKept: 'acct_north', stripeAccountIgnored: 'acct_south' });
  });

  test("the platform's session stays the platform's", async () => {
    const { session: kept, note } = await advance(
      'cs_a3',
      session('cs_a3', 'unpaid'),
      session('cs_a3', 'paid', 'acct_south'),
    );
    expect(kept).toEqual(session('cs_a3', 'paid'));
    expect(kept).not.toHaveProperty('stripeAccount');
    expect(note).toEqual({ stripeAccountKept: null, stripeAccountIgnored: 'acct_south' });
  });

  test('the same account, or none on both, changes nothing but the payment', async () => {
    const same = await advance(
      'cs_a4',
      session('cs_a4', 'unpaid', 'acct_north'),
      session('cs_a4', 'paid', 'acct_north'),
    );
    expect(same).toEqual({ session: session('cs_a4', 'paid', 'acct_north'), note: null });
    const none = await advance('cs_a5', session('cs_a5', 'unpaid'), session('cs_a5', 'paid'));
    expect(none).toEqual({ session: session('cs_a5', 'paid'), note: null });
  });
});
