import { harnessStores } from '../support/ledgerStores';
import { runReplayCli } from '../support/replay';
import { waitFor } from '../support/serverProcess';
import { makeEvent, makeSession, uniqueId } from '../support/stripeFixtures';
import { startTwoSites, type TwoSites } from '../support/twoSites';

// `replay --since … --site S` for a site recognised by metadata.site: the window lists the
// platform's events, which are every such site's. Refunds and disputes of other sites'
// payments are left alone (not recorded); the site's own are recorded; the progress total
// and the summary count only what is of the site, and say what was left out.
describe.each(harnessStores)('replay --site over a window (%s ledger)', (_name, storeEnv) => {
  let s: TwoSites;
  beforeEach(async () => {
    s = await startTwoSites({ env: await storeEnv() });
  });
  afterEach(() => s?.close());

  const ago = (seconds: number) => Math.floor(Date.now() / 1000) - seconds;
  const ledger = () => s.h.adapter.ledger;
  const piOf = (sessionId: string) =>
    s.h.stripe.sessions.get(sessionId)!['payment_intent'] as string;

  /** A full refund Stripe has for `pi`, whose webhook never came. */
  function lostRefund(pi: string): void {
    const charge = {
      id: uniqueId('ch'),
      object: 'charge',
      payment_intent: pi,
      amount: 1450,
      amount_refunded: 1450,
      refunded: true,
    };
    const created = ago(300);
    s.h.stripe.addEvent({ ...makeEvent('charge.refunded', charge, { created }), created });
  }

  /** A paid session of `site` whose webhook never came: the session and its completing event. */
  function missed(site: string, plate: string): { id: string; pi: string } {
    const created = ago(600);
    const paid = makeSession({ metadata: { plate, duration: '60', site } });
    const session = { ...paid, created };
    s.h.stripe.addSession(session);
    s.h.stripe.addEvent({
      ...makeEvent('checkout.session.completed', session, { created }),
      created,
    });
    return { id: session.id, pi: paid['payment_intent'] as string };
  }

  /** A paid session of `site`, delivered and done: its id and PaymentIntent. */
  async function done(site: string): Promise<{ id: string; pi: string }> {
    const id = await s.pay(site);
    await s.h.waitForJob(id, ['done']);
    return { id, pi: piOf(id) };
  }

  const standing = (sim: TwoSites['north']) =>
    [...sim.permits.values()].filter((p) => !p.deleted).map((p) => p.plate);

  test("another site's refunds are left alone; the site's own are recorded", async () => {
    const [northDone, eastDone] = [await done('north'), await done('east')];
    const northMissed = missed('north', 'NORTH 9');
    const eastMissed = missed('east', 'EAST 9');
    for (const pi of [northDone.pi, eastDone.pi, northMissed.pi, eastMissed.pi]) lostRefund(pi);

    const run = await runReplayCli(s.h, ['--since', 'PT1H', '--site', 'east', '--json']);
    expect(run.code).toBe(0);
    // North's: not recorded, its permit stands, its missed payment not touched.
    expect(await ledger().getPaymentFacts(northDone.pi)).toBeUndefined();
    expect(await ledger().getPaymentFacts(northMissed.pi)).toBeUndefined();
    expect(await ledger().getJob(northMissed.id)).toBeUndefined();
    expect(standing(s.north)).toEqual(['ABC123']);
    // East's: both recorded. The permit is revoked; the payment the ledger never saw (placed
    // by its Checkout Session in Stripe) is known refunded before its session is replayed.
    expect(await ledger().getPaymentFacts(eastDone.pi)).toMatchObject({ refundedFull: true });
    expect(await ledger().getPaymentFacts(eastMissed.pi)).toMatchObject({ refundedFull: true });
    await waitFor('east permit revoked', () => (standing(s.east).length === 0 ? true : undefined));
    expect([...s.east.permits.values()].filter((p) => p.plate === 'EAST9' && !p.deleted)).toEqual(
      [],
    );
    expect(new Set(run.outcomes.keys())).toEqual(new Set([eastDone.id, eastMissed.id]));
    expect(run.summary).toMatchObject({
      scope: '--site east',
      leftOut: { sessions: 1, events: 2 },
    });

    // Nothing is lost: north's own run records them.
    const northRun = await runReplayCli(s.h, ['--since', 'PT1H', '--site', 'north', '--json']);
    expect(northRun.code).toBe(0);
    expect(await ledger().getPaymentFacts(northDone.pi)).toMatchObject({ refundedFull: true });
    expect(northRun.summary?.leftOut).toEqual({ sessions: 1, events: 2 });
    await waitFor('north permit revoked', () =>
      standing(s.north).length === 0 ? true : undefined,
    );
  });

  test("--dry-run reports only the site's permits a refund would change", async () => {
    const [northDone, eastDone] = [await done('north'), await done('east')];
    lostRefund(northDone.pi);
    lostRefund(eastDone.pi);
    const run = await runReplayCli(s.h, [
      '--since',
      'PT1H',
      '--site',
      'east',
      '--dry-run',
      '--json',
    ]);
    expect([...run.outcomes.keys()]).toEqual([eastDone.id]);
    expect(run.outcomes.get(eastDone.id)).toMatchObject({ outcome: 'would change' });
    expect(run.summary?.leftOut).toEqual({ sessions: 0, events: 1 });
    expect(await ledger().getPaymentFacts(eastDone.pi)).toBeUndefined();
    expect(await ledger().getPaymentFacts(northDone.pi)).toBeUndefined();
  });

  test("the progress total counts the site's sessions only, and says what was left out", async () => {
    for (const n of [1, 2, 3]) missed('east', `EAST ${n}`);
    for (const n of [1, 2]) missed('north', `NORTH ${n}`);
    const run = await runReplayCli(s.h, ['--since', 'PT1H', '--site', 'east'], { isTTY: true });
    expect(run.code).toBe(0);
    const bars = run.stderr.split(/\r|\n/).filter((l) => l.includes(' sessions'));
    expect(bars.at(-1)).toMatch(/\] 3\/3 sessions, 2 out of scope$/);
    // Never a total larger than the site's sessions.
    for (const bar of bars) expect(bar).toMatch(/\/[0-3] sessions/);
    expect(run.stdout).toMatch(
      / {2}sessions\s+3\nOut of scope \(--site east\): left alone, not recorded\n {2}sessions\s+2\n {2}refunds, disputes\s+0/,
    );
    expect(standing(s.east).sort()).toEqual(['EAST1', 'EAST2', 'EAST3']);
    expect(standing(s.north)).toEqual([]);
  });
});

// A Connect site (east, its own account) beside a metadata site (north): --account lists only
// the account's refunds, all of them its own; --site north lists the platform's only.
describe.each(harnessStores)('replay --account over a window (%s ledger)', (_name, storeEnv) => {
  const EAST_ACCOUNT = 'acct_1EastLot';
  let s: TwoSites;
  beforeEach(async () => {
    s = await startTwoSites({ env: await storeEnv(), east: { stripeAccount: EAST_ACCOUNT } });
  });
  afterEach(() => s?.close());

  function refundEvent(pi: string) {
    const charge = {
      id: uniqueId('ch'),
      object: 'charge',
      payment_intent: pi,
      amount: 1450,
      amount_refunded: 1450,
      refunded: true,
    };
    const created = Math.floor(Date.now() / 1000) - 300;
    return { ...makeEvent('charge.refunded', charge, { created }), created };
  }

  test("each run records its own site's refunds only", async () => {
    const eastPaid = makeSession({ metadata: { plate: 'EAST 1', duration: '60' } });
    s.h.stripe.account(EAST_ACCOUNT).addSession(eastPaid);
    const delivered = {
      ...makeEvent('checkout.session.completed', eastPaid),
      account: EAST_ACCOUNT,
    };
    expect((await s.h.post(delivered)).status).toBe(200);
    await s.h.waitForJob(eastPaid.id, ['done']);
    const northPaid = await s.pay('north');
    await s.h.waitForJob(northPaid, ['done']);
    const eastPi = eastPaid['payment_intent'] as string;
    const northPi = s.h.stripe.sessions.get(northPaid)!['payment_intent'] as string;
    s.h.stripe.account(EAST_ACCOUNT).addEvent(refundEvent(eastPi));
    s.h.stripe.addEvent(refundEvent(northPi));
    const ledger = s.h.adapter.ledger;

    const east = await runReplayCli(s.h, ['--since', 'PT1H', '--account', EAST_ACCOUNT, '--json']);
    expect(east.code).toBe(0);
    expect(await ledger.getPaymentFacts(eastPi)).toMatchObject({ refundedFull: true });
    expect(await ledger.getPaymentFacts(northPi)).toBeUndefined();
    expect([...east.outcomes.keys()]).toEqual([eastPaid.id]);
    expect(east.summary).toMatchObject({
      scope: `--account ${EAST_ACCOUNT}`,
      leftOut: { sessions: 0, events: 0 },
    });

    const north = await runReplayCli(s.h, ['--since', 'PT1H', '--site', 'north', '--json']);
    expect(north.code).toBe(0);
    expect(await ledger.getPaymentFacts(northPi)).toMatchObject({ refundedFull: true });
    expect([...north.outcomes.keys()]).toEqual([northPaid]);
    expect(north.summary?.leftOut).toEqual({ sessions: 0, events: 0 });
  });
});
