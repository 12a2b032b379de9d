import { pacer } from '../../src/replay/pacedReader';
import type { StripeReader } from '../../src/stripe/stripeReader';

// Replay reads several connected accounts: one pace for all of them, not one per account.
const fakeReader = (log: number[]): StripeReader => {
  const at = () => {
    log.push(Date.now());
    return Promise.resolve({});
  };
  const page = () => {
    log.push(Date.now());
    return Promise.resolve({ data: [], hasMore: false });
  };
  return {
    retrieveSession: at,
    retrieveEvent: at,
    retrievePaymentIntent: at,
    listSessionEvents: page,
    listPaymentEvents: page,
    listCompleteSessions: page,
    sessionsOfPaymentIntent: page,
  };
};

describe('pacer', () => {
  test('readers wrapped by one pacer share its pace', async () => {
    const starts: number[] = [];
    const wrap = pacer({ perSecond: 20, tries: 1, backoffMs: 1 });
    const platform = wrap(fakeReader(starts));
    const account = wrap(fakeReader(starts));
    const began = Date.now();
    await Promise.all([
      platform.retrieveSession('cs_1'),
      account.retrieveSession('cs_2'),
      platform.retrieveEvent('evt_1'),
      account.listSessionEvents({ gte: 0, lte: 1 }),
    ]);
    // 20 a second: four starts take at least three intervals of 50 ms, whichever reader.
    expect(Math.max(...starts) - began).toBeGreaterThanOrEqual(140);
  });

  test('separate pacers do not wait for each other', async () => {
    const starts: number[] = [];
    const options = { perSecond: 20, tries: 1, backoffMs: 1 };
    const began = Date.now();
    await Promise.all([
      pacer(options)(fakeReader(starts)).retrieveSession('cs_1'),
      pacer(options)(fakeReader(starts)).retrieveSession('cs_2'),
    ]);
    expect(Math.max(...starts) - began).toBeLessThan(40);
  });
});
