import type { Job } from '../../src/store/ledger';
import { makeEvent, makeSession } from '../support/stripeFixtures';
import { startTwoSites, type TwoSites } from '../support/twoSites';

// North's connected account no longer lets the platform in (disconnected from the platform,
// or the wrong id in the sites file): Stripe answers 403 to every call made for it. Its
// permits are made; their write-backs wait for an operator, naming the account; east goes on.
const GONE = 'acct_1NorthDisconnected';

let sites: TwoSites;

beforeAll(async () => {
  sites = await startTwoSites({ north: { stripeAccount: GONE } });
  // Stripe as the platform sees it: GONE's calls refused (403 account_invalid).
  sites.h.stripe.refusedAccounts.add(GONE);
});

afterAll(() => sites.close());

/** The job once `ready` says so (polled, like waitForJob). */
async function jobWhen(sessionId: string, ready: (job: Job) => boolean): Promise<Job> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const job = await sites.h.adapter.ledger.getJob(sessionId);
    if (job && ready(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${sessionId}: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a connected account refusing the platform holds only its own write-backs, naming it', async () => {
  const session = makeSession({ metadata: { plate: 'NORTH 1', duration: '60' } });
  sites.h.stripe.account(GONE).addSession(session);
  const event = { ...makeEvent('checkout.session.completed', session), account: GONE };
  expect((await sites.h.post(event)).status).toBe(200);

  // The permit is made; the write-back is retried (twice here), never failed or dead.
  const waiting = await jobWhen(session.id, (job) => job.attempts >= 2);
  expect(waiting).toMatchObject({ state: 'pending', site: 'north', sessionWrittenAt: null });
  expect(waiting.opscom?.referenceId).toMatch(/^OC-/);
  expect(sites.north.permits.size).toBe(1);
  expect(waiting.lastError).toContain(
    `on connected account ${GONE} failed (HTTP 403): The provided key 'sk_test_***' does not have access to account '${GONE}'`,
  );
  expect(waiting.lastError).toContain(
    `Stripe refuses the platform access to connected account ${GONE}: check that the account is still connected to the platform (Dashboard → Connect) and that the stripeAccount of its site in SITES_FILE is right`,
  );
  expect(waiting.lastError).not.toContain('Stripe refuses STRIPE_SECRET_KEY');
  expect(sites.h.logs()).toContain('step failed: needs an operator');

  // East's payments, and the platform's key, are unaffected.
  const east = await sites.pay('east');
  await sites.h.waitForJob(east, ['done']);
  const still = await sites.h.adapter.ledger.getJob(session.id);
  expect(still).toMatchObject({ state: 'pending' });
  expect(sites.north.permits.size).toBe(1);
});
