import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Job } from '../../src/store/ledger';
import { makeEvent, makeSession } from '../support/stripeFixtures';
import { startTwoSites, type TwoSites } from '../support/twoSites';

// North's connected account no longer lets the platform in (disconnected from the platform,
// or the wrong id in the sites file): Stripe answers 403 to every call made for it. Its
// permits are made; their write-backs wait for an operator, naming the account; east goes on.
const GONE = 'acct_1NorthDisconnected';

let sites: TwoSites;
let stripeFront: Server;
let simulatorUrl = '';

function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/** Stripe as the platform sees it: GONE's calls refused, every other passed to the simulator. */
async function answer(req: IncomingMessage): Promise<{ status: number; text: string }> {
  const body = await bodyOf(req);
  if (req.headers['stripe-account'] === GONE) {
    const error = {
      type: 'invalid_request_error',
      code: 'account_invalid',
      message: `The provided key 'sk_test_***' does not have access to account '${GONE}' (or that account does not exist). Application access may have been revoked.`,
    };
    return { status: 403, text: JSON.stringify({ error }) };
  }
  const headers: Record<string, string> = {};
  for (const name of ['authorization', 'content-type', 'idempotency-key', 'stripe-account']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const passed = await fetch(`${simulatorUrl}${req.url ?? ''}`, {
    method: req.method ?? 'GET',
    headers,
    ...(req.method === 'GET' ? {} : { body }),
  });
  return { status: passed.status, text: await passed.text() };
}

beforeAll(async () => {
  stripeFront = createServer((req, res) => {
    answer(req).then(
      ({ status, text }) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(text);
      },
      () => {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end('{"error":{"type":"api_error","message":"front"}}');
      },
    );
  });
  await new Promise<void>((resolve) => stripeFront.listen(0, '127.0.0.1', resolve));
  const front = `http://127.0.0.1:${(stripeFront.address() as AddressInfo).port}`;
  sites = await startTwoSites({ north: { stripeAccount: GONE }, env: { STRIPE_API_URL: front } });
  simulatorUrl = sites.h.stripe.url;
});

afterAll(async () => {
  await sites.close();
  stripeFront.closeAllConnections();
  await new Promise((resolve) => stripeFront.close(resolve));
});

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
