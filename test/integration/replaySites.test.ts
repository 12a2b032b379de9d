import type { OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import type { Harness } from '../support/harness';
import { runReplayCli } from '../support/replay';
import { makeEvent, makeSession } from '../support/stripeFixtures';
import { startTwoSites, type TwoSites } from '../support/twoSites';

// Replay with Stripe Connect (issue 26): a connected account's sessions, PaymentIntents and
// events are read as that account, and `--site` / `--account` limit a run.
const NORTH_ACCOUNT = 'acct_1NorthCampus';

let sites: TwoSites;
let h: Harness;
let north: OpscomSimulator;
let east: OpscomSimulator;

beforeEach(async () => {
  sites = await startTwoSites({
    env: { DEFAULT_SITE: 'east' },
    north: { stripeAccount: NORTH_ACCOUNT },
  });
  ({ h, north, east } = sites);
});
afterEach(() => sites?.close());

/**
 * A payment whose webhook never came: the session and its completing event, the platform's
 * or (account) the connected account's, which lists its events without naming itself.
 */
function missed(plate: string, account?: string) {
  const created = Math.floor(Date.now() / 1000) - 600;
  const session = { ...makeSession({ metadata: { plate, duration: '60' } }), created };
  const objects = account ? h.stripe.account(account) : h.stripe;
  objects.addSession(session);
  objects.addEvent({ ...makeEvent('checkout.session.completed', session, { created }), created });
  return session;
}

const accountsOf = (sessionId: string) =>
  h.stripe.received
    .filter((r) => r.path.includes(sessionId))
    .map((r) => `${r.method} ${r.stripeAccount ?? 'platform'} ${r.status}`);
const plates = (sim: OpscomSimulator) => [...sim.permits.values()].map((p) => p.plate);

describe('replay --session of a Connect payment', () => {
  test('a job the ledger has is read and written back as its account', async () => {
    const session = makeSession({ metadata: { plate: 'NORTH 1', duration: '60' } });
    h.stripe.account(NORTH_ACCOUNT).addSession(session);
    const event = { ...makeEvent('checkout.session.completed', session), account: NORTH_ACCOUNT };
    expect((await h.post(event)).status).toBe(200);
    await h.waitForJob(session.id, ['done']);
    // The write-back is lost on Stripe's side: replay finds it by reading as the account.
    const metadata = h.stripe.account(NORTH_ACCOUNT).sessions.get(session.id)!.metadata;
    delete metadata['opscom_reference_id'];
    h.stripe.received.length = 0;

    const run = await runReplayCli(h, ['--session', session.id, '--json']);
    expect(run.code).toBe(0);
    expect(run.outcomes.get(session.id)).toMatchObject({
      outcome: 'already done',
      detail: 'write-back to Stripe finished now',
    });
    expect(accountsOf(session.id)).toEqual([
      `GET ${NORTH_ACCOUNT} 200`,
      `POST ${NORTH_ACCOUNT} 200`,
    ]);
    expect(metadata['opscom_reference_id']).toMatch(/^OC-/);
    expect(plates(north)).toEqual(['NORTH1']);
  });

  test('a session the ledger does not know is found on its account and made there', async () => {
    const session = missed('NORTH 2', NORTH_ACCOUNT);
    const run = await runReplayCli(h, ['--session', session.id, '--json']);
    expect(run.code).toBe(0);
    expect(run.outcomes.get(session.id)).toMatchObject({ outcome: 'created', plate: 'NORTH2' });
    // The platform first (404), then the configured account; never guessed from the id.
    expect(accountsOf(session.id)[0]).toBe('GET platform 404');
    expect(
      accountsOf(session.id)
        .slice(1)
        .every((l) => l.includes(NORTH_ACCOUNT)),
    ).toBe(true);
    const job = await h.adapter.ledger.getJob(session.id);
    expect(job).toMatchObject({ state: 'done', site: 'north' });
    expect(job?.session.stripeAccount).toBe(NORTH_ACCOUNT);
    expect(plates(north)).toEqual(['NORTH2']);
    expect(plates(east)).toEqual([]);
  });

  test('--account reads it as that account at once', async () => {
    const session = missed('NORTH 3', NORTH_ACCOUNT);
    const run = await runReplayCli(h, ['--session', session.id, '--account', NORTH_ACCOUNT]);
    expect(run.code).toBe(0);
    expect(accountsOf(session.id).every((l) => l.includes(NORTH_ACCOUNT))).toBe(true);
    expect(plates(north)).toEqual(['NORTH3']);
  });
});

describe('replay --since across accounts', () => {
  test("--account finds a connected account's missed payment and makes its permit", async () => {
    const northSession = missed('NORTH 4', NORTH_ACCOUNT);
    const eastSession = missed('EAST 4');
    const run = await runReplayCli(h, ['--since', 'PT1H', '--account', NORTH_ACCOUNT, '--json']);
    expect(run.code).toBe(0);
    expect([...run.outcomes.keys()]).toEqual([northSession.id]);
    expect(run.outcomes.get(northSession.id)).toMatchObject({ outcome: 'created' });
    const job = await h.adapter.ledger.getJob(northSession.id);
    expect(job).toMatchObject({ state: 'done', site: 'north' });
    expect(job?.session.stripeAccount).toBe(NORTH_ACCOUNT);
    expect(h.stripe.account(NORTH_ACCOUNT).sessions.get(northSession.id)?.metadata).toMatchObject({
      opscom_reference_id: expect.stringMatching(/^OC-/) as unknown,
    });
    // The platform was not listed: its missed payment waits for a run that covers it.
    expect(h.stripe.received.filter((r) => !r.stripeAccount)).toEqual([]);
    expect(await h.adapter.ledger.getJob(eastSession.id)).toBeUndefined();
    expect(plates(north)).toEqual(['NORTH4']);
  });

  test('without flags a window covers the platform and every configured account', async () => {
    const northSession = missed('NORTH 5', NORTH_ACCOUNT);
    const eastSession = missed('EAST 5');
    const run = await runReplayCli(h, ['--since', 'PT1H', '--json']);
    expect(run.code).toBe(0);
    expect(run.outcomes.get(northSession.id)).toMatchObject({ outcome: 'created' });
    expect(run.outcomes.get(eastSession.id)).toMatchObject({ outcome: 'created' });
    expect(plates(north)).toEqual(['NORTH5']);
    expect(plates(east)).toEqual(['EAST5']);
  });

  test('--site limits to that site: a metadata site lists the platform only', async () => {
    const northSession = missed('NORTH 6', NORTH_ACCOUNT);
    const eastSession = missed('EAST 6');
    const run = await runReplayCli(h, ['--since', 'PT1H', '--site', 'east', '--json']);
    expect(run.code).toBe(0);
    expect([...run.outcomes.keys()]).toEqual([eastSession.id]);
    expect(await h.adapter.ledger.getJob(northSession.id)).toBeUndefined();
    expect(h.stripe.received.filter((r) => r.stripeAccount)).toEqual([]);
    const northRun = await runReplayCli(h, ['--since', 'PT1H', '--site', 'north', '--json']);
    expect([...northRun.outcomes.keys()]).toEqual([northSession.id]);
    expect(plates(north)).toEqual(['NORTH6']);
    expect(plates(east)).toEqual(['EAST6']);
  });

  test("--failed --site takes only that site's failed jobs; --event finds an account's event", async () => {
    // Two payments that cannot be mapped (no plate): each site's job fails.
    const northSession = makeSession({ metadata: { duration: '60' } });
    h.stripe.account(NORTH_ACCOUNT).addSession(northSession);
    const northEvent = {
      ...makeEvent('checkout.session.completed', northSession),
      account: NORTH_ACCOUNT,
    };
    const eastSession = makeSession({ metadata: { duration: '60' } });
    h.stripe.addSession(eastSession);
    for (const event of [northEvent, makeEvent('checkout.session.completed', eastSession)]) {
      expect((await h.post(event)).status).toBe(200);
    }
    await h.waitForJob(northSession.id, ['failed']);
    await h.waitForJob(eastSession.id, ['failed']);
    const run = await runReplayCli(h, ['--failed', '--site', 'north', '--dry-run', '--json']);
    expect([...run.outcomes.keys()]).toEqual([northSession.id]);

    // An event of the account, not in the ledger: found on the account after the platform.
    const later = missed('NORTH 7', NORTH_ACCOUNT);
    const event = [...h.stripe.account(NORTH_ACCOUNT).events.values()].find(
      (e) => (e as { data?: { object?: { id?: string } } }).data?.object?.id === later.id,
    )!;
    const byEvent = await runReplayCli(h, ['--event', event.id, '--json']);
    expect(byEvent.outcomes.get(later.id)).toMatchObject({ outcome: 'created' });
    expect((await h.adapter.ledger.getJob(later.id))?.session.stripeAccount).toBe(NORTH_ACCOUNT);
  });

  test('an unknown site, or an account no site has, is refused with the reason', async () => {
    const site = await runReplayCli(h, ['--since', 'PT1H', '--site', 'south']);
    expect(site.code).toBe(2);
    expect(site.stderr).toMatch(/--site south: no such site \(the sites are: north, east\)/);
    const account = await runReplayCli(h, ['--since', 'PT1H', '--account', 'acct_1Elsewhere']);
    expect(account.code).toBe(2);
    expect(account.stderr).toMatch(/--account acct_1Elsewhere: no site has this connected account/);
    const both = await runReplayCli(h, ['--failed', '--site', 'east', '--account', NORTH_ACCOUNT]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/is site north's, not east's/);
    expect(h.stripe.received).toEqual([]);
  });
});

describe('two Connect sites, one refused', () => {
  const EAST_ACCOUNT = 'acct_1EastSide';
  let connect: TwoSites;
  beforeEach(async () => {
    await sites.close();
    connect = await startTwoSites({
      north: { stripeAccount: NORTH_ACCOUNT },
      east: { stripeAccount: EAST_ACCOUNT },
    });
    ({ h, north, east } = connect);
  });
  afterEach(() => connect?.close());

  test('a connected account Stripe refuses holds up only itself: the others are replayed, then the run stops naming it', async () => {
    const northSession = missed('NORTH 9', NORTH_ACCOUNT);
    const eastSession = missed('EAST 9', EAST_ACCOUNT);
    // Listed platform, north, east: north refused must not keep east from being replayed.
    h.stripe.refusedAccounts.add(NORTH_ACCOUNT);
    const run = await runReplayCli(h, ['--since', 'PT1H', '--json']);
    expect(run.code).not.toBe(0);
    expect(run.outcomes.get(eastSession.id)).toMatchObject({ outcome: 'created' });
    expect(run.summary?.stopped?.reason).toMatch(
      /Stripe refuses the platform access to connected account acct_1NorthCampus/,
    );
    // Fixed (the account connected again): the printed command goes on and makes north's.
    h.stripe.refusedAccounts.clear();
    const resume = run.summary?.stopped?.resume ?? '';
    const args = resume
      .replace(/^npm run replay -- /, '')
      .split(' ')
      .filter((a) => a !== '--json');
    const again = await runReplayCli(h, [...args, '--json']);
    expect(again.code).toBe(0);
    expect(again.outcomes.get(northSession.id)).toMatchObject({ outcome: 'created' });
    expect(plates(north)).toEqual(['NORTH9']);
    expect(plates(east)).toEqual(['EAST9']);
  });
});
