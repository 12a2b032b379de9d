import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import type { SiteDirectory } from '../../src/domain/siteOf';
import { createBodyBudget } from '../../src/http/bodyBudget';
import { createRefusals } from '../../src/http/refusals';
import { createWebhookRouter } from '../../src/http/webhookRoute';
import { recordStripeEvent, type IntakeContext } from '../../src/intake/recordStripeEvent';
import { createLogger } from '../../src/logger';
import type { Ledger } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { EventEnvelope } from '../../src/stripe/sessionPayload';
import { makeEvent, makeSession, signatureFor, WEBHOOK_SECRET } from '../support/stripeFixtures';

// Intake decides a payment's site once (domain/siteOf.ts) and stores it with the job; a Connect
// event's account is kept in the snapshot for every later Stripe call about the session.
const logger = createLogger({ level: 'error', pretty: false, silent: true });

/** North is a connected account's; west is the default. */
const directory: SiteDirectory = {
  byId: new Map<string, unknown>([
    ['north', {}],
    ['east', {}],
    ['west', {}],
  ]),
  byAccount: new Map([['acct_1North', 'north']]),
  defaultId: 'west',
};

let dir: string;
let ledger: Ledger;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'intake-site-'));
  const store = { kind: 'sqlite' as const, sqlitePath: join(dir, 'ledger.sqlite') };
  await migrateLedger(store);
  ledger = await openLedger(store, logger);
});
afterAll(async () => {
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A paid session's completion, from `account` when given, through the real intake. */
async function receive(
  options: { account?: string; site?: string; sites?: SiteDirectory | undefined } = {},
) {
  const metadata: Record<string, string> = { plate: 'ABC 123', duration: '120' };
  if (options.site !== undefined) metadata['site'] = options.site;
  const session = makeSession({ metadata });
  const raw = makeEvent('checkout.session.completed', session);
  if (options.account !== undefined) raw['account'] = options.account;
  const ctx: IntakeContext = { ledger, livemode: false, now: 1_000 };
  const outcome = await recordStripeEvent(
    EventEnvelope.parse(raw),
    'sites' in options ? { ...ctx, sites: options.sites } : { ...ctx, sites: directory },
  );
  expect(outcome).toMatchObject({ status: 'recorded', job: 'created' });
  const job = await ledger.getJob(session.id);
  return { site: job?.site, session: job?.session };
}

test("a Connect event is its account's site, and the snapshot keeps the account", async () => {
  // The account wins over metadata: a connected account cannot claim another site.
  const { site, session } = await receive({ account: 'acct_1North', site: 'east' });
  expect(site).toBe('north');
  expect(session?.stripeAccount).toBe('acct_1North');
});

test('metadata.site names the site of a platform event', async () => {
  const { site, session } = await receive({ site: 'east' });
  expect(site).toBe('east');
  // The platform's own session: the snapshot is as before, no account.
  expect(session).not.toHaveProperty('stripeAccount');
});

test('a payment naming no site is the default site', async () => {
  expect((await receive()).site).toBe('west');
});

test('an unknown account or an unknown metadata.site is no site (null)', async () => {
  const unknownAccount = await receive({ account: 'acct_1Nobody' });
  expect(unknownAccount.site).toBeNull();
  expect(unknownAccount.session?.stripeAccount).toBe('acct_1Nobody');
  expect((await receive({ site: 'south' })).site).toBeNull();
  const noDefault: SiteDirectory = { ...directory, defaultId: undefined };
  expect((await receive({ sites: noDefault })).site).toBeNull();
});

test('without a sites directory (one site) every payment is the default site', async () => {
  expect((await receive({ site: 'east', sites: undefined })).site).toBe('default');
  const connect = await receive({ account: 'acct_1North', sites: undefined });
  expect(connect.site).toBe('default');
  expect(connect.session?.stripeAccount).toBe('acct_1North');
});

test('the webhook route hands its sites to intake', async () => {
  const app = express();
  app.use(
    createWebhookRouter({
      ledger,
      webhooks: new Stripe('sk_test_route_only').webhooks,
      webhookSecrets: [WEBHOOK_SECRET],
      livemode: false,
      logger,
      now: Date.now,
      onJobRecorded: () => undefined,
      refusals: createRefusals({ logger }),
      bodyBudget: createBodyBudget(1024 * 1024),
      sites: directory,
    }),
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const session = makeSession();
    const body = JSON.stringify({
      ...makeEvent('checkout.session.completed', session),
      account: 'acct_1North',
    });
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signatureFor(body) },
      body,
    });
    expect(res.status).toBe(200);
    expect(await ledger.getJob(session.id)).toMatchObject({
      site: 'north',
      session: { stripeAccount: 'acct_1North' },
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
