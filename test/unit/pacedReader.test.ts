import { StripeApiError } from '../../src/errors';
import { pacedReader } from '../../src/replay/pacedReader';
import { startStripeSimulator, type StripeSimulator } from '../../tools/simulators/stripeSimulator';
import { createStripeClient } from '../../src/stripe/stripeClient';
import { createStripeReader } from '../../src/stripe/stripeReader';

let sim: StripeSimulator;
const retries: string[] = [];
const reader = () =>
  pacedReader(
    createStripeReader(
      createStripeClient({ secretKey: 'sk_test_sim', apiUrl: new URL(sim.url), timeoutMs: 2000 }),
    ),
    {
      perSecond: 1000,
      tries: 3,
      backoffMs: 5,
      onRetry: (what, err, waitMs) => retries.push(`${what} ${err.statusCode} ${waitMs}`),
    },
  );
beforeEach(async () => {
  sim = await startStripeSimulator();
  sim.addSession({ id: 'cs_test_1', payment_intent: 'pi_1', metadata: {} });
  retries.length = 0;
});
afterEach(() => sim.close());

describe('replay’s Stripe reads', () => {
  test('a first 429 waits twice as long as a first 500; each wait then doubles', async () => {
    sim.faults.next('500');
    await expect(reader().retrieveSession('cs_test_1')).resolves.toMatchObject({ id: 'cs_test_1' });
    sim.faults.next('429');
    sim.faults.next('429');
    await expect(reader().retrieveSession('cs_test_1')).resolves.toMatchObject({ id: 'cs_test_1' });
    expect(retries).toEqual([
      'retrieveSession 500 5',
      'retrieveSession 429 10',
      'retrieveSession 429 20',
    ]);
    expect(sim.received.map((r) => r.status)).toEqual([500, 200, 429, 429, 200]);
  });

  test('gives up after its tries, with the reason', async () => {
    sim.faults.next('500', 5);
    await expect(reader().retrieveSession('cs_test_1')).rejects.toThrow(/HTTP 500/);
    expect(sim.received).toHaveLength(3);
  });

  test('a missing object or a refused key is not retried', async () => {
    const err = await reader()
      .retrieveSession('cs_test_missing')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StripeApiError);
    expect((err as StripeApiError).statusCode).toBe(404);
    expect(sim.received).toHaveLength(1);
  });

  test('lists are newest first and paged with cursors', async () => {
    for (let i = 0; i < 5; i++) {
      sim.addEvent({
        id: `evt_${i}`,
        object: 'event',
        type: 'checkout.session.completed',
        created: 1_800_000_000 + i,
        livemode: false,
        data: { object: { id: `cs_${i}` } },
      });
    }
    sim.addEvent({
      id: 'evt_other',
      type: 'charge.succeeded',
      created: 1_800_000_010,
      data: { object: {} },
    });
    const r = reader();
    const range = { gte: 1_800_000_001, lte: 1_800_000_100 };
    const first = await r.listSessionEvents(range);
    expect(first.data.map((e) => (e as { id: string }).id)).toEqual([
      'evt_4',
      'evt_3',
      'evt_2',
      'evt_1',
    ]);
    expect(first.hasMore).toBe(false);
  });
});
