import { toolArgs } from '../devtools/cliArgs';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { startAdapter } from '../../src/adapter';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startOpscomSimulator } from '../simulators/opscomSimulator';
import { startStripeSimulator } from '../simulators/stripeSimulator';
import { migrateSqlite } from '../../src/store/sqlite/sqliteDatabase';
import { sampleEvent, sampleSession } from './sampleSession';
import { showSeenByEnforcement } from './seenDemo';

const DEMO_TOKEN = 'demo-opscom-token';
const DEMO_SECRET = 'whsec_demo_secret';

/**
 * `npm run demo`: the whole path on this machine, no credentials. Starts the OPSCOM and Stripe
 * simulators and the adapter on a temporary SQLite file, sends one signed paid session, and
 * shows what OPSCOM received and what Stripe now holds. `--serve` keeps everything running.
 */
/** The demo's console password (the demo runs on this machine only, against simulators). */
const DEMO_CONSOLE_PASSWORD = 'demo-console-password';

export async function runDemo(argv: readonly string[]): Promise<number> {
  const { serve, refund } = toolArgs(argv, { serve: { kind: 'flag' }, refund: { kind: 'flag' } });
  const say = (line = '') => process.stdout.write(`${line}\n`);
  const opscom = await startOpscomSimulator({ apiToken: DEMO_TOKEN });
  const stripeSim = await startStripeSimulator({ acceptUnknown: serve });
  const dir = mkdtempSync(join(tmpdir(), 'adapter-demo-'));
  const ledgerPath = join(dir, 'adapter.sqlite');
  const config = loadConfig({
    PORT: process.env['PORT'] ?? (serve ? '3000' : '0'),
    STRIPE_SECRET_KEY: 'sk_test_demo',
    // With --serve, a `stripe listen` secret can be added to the demo's own.
    STRIPE_WEBHOOK_SECRET: [DEMO_SECRET, process.env['STRIPE_WEBHOOK_SECRET']]
      .filter(Boolean)
      .join(','),
    STRIPE_API_URL: stripeSim.url,
    OPSCOM_API_TOKEN: DEMO_TOKEN,
    OPSCOM_BASE_URL: opscom.url,
    OPSCOM_TIMEZONE: process.env['OPSCOM_TIMEZONE'] ?? 'America/Toronto',
    OPSCOM_ZONE: 'DEMO-ZONE',
    // Seen by enforcement, checked 1 s after the permit (docs/enforcement.md).
    OPSCOM_VERIFY: 'on',
    OPSCOM_VALIDATE_URL: `${opscom.url}/api/v1/validate/plate`,
    OPSCOM_VERIFY_DELAY_SECONDS: '1',
    SQLITE_PATH: ledgerPath,
    // The console, so that a first run can look around (a demo password: never in production).
    CONSOLE_PASSWORD: process.env['CONSOLE_PASSWORD'] ?? DEMO_CONSOLE_PASSWORD,
  });
  migrateSqlite(ledgerPath);
  const logger = createLogger({ level: 'info', pretty: process.stdout.isTTY === true });
  const adapter = await startAdapter(config, logger);
  const url = `http://127.0.0.1:${adapter.port}`;
  say(`OPSCOM simulator  ${opscom.url}`);
  say(`Stripe simulator  ${stripeSim.url}`);
  say(`adapter           ${url}  (ledger ${ledgerPath})`);

  const session = sampleSession({ plate: 'demo 123', duration: '2h' });
  stripeSim.addSession(session);
  const send = async (event: Record<string, unknown>, what: string) => {
    const body = JSON.stringify(event);
    const signature = new Stripe('sk_test_demo').webhooks.generateTestHeaderString({
      payload: body,
      secret: DEMO_SECRET,
    });
    const sentAt = performance.now();
    const res = await fetch(`${url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
      body,
    });
    say();
    say(`→ POST /webhooks/stripe (signed ${what})`);
    say(`← ${res.status} ${await res.text()} in ${(performance.now() - sentAt).toFixed(1)} ms`);
  };
  await send(sampleEvent(session), `checkout.session.completed for ${session.id}`);

  const deadline = Date.now() + 15_000;
  let job = await adapter.ledger.getJob(session.id);
  while (job?.state !== 'done' && Date.now() < deadline) {
    await sleep(20);
    job = await adapter.ledger.getJob(session.id);
  }
  let ok = job?.state === 'done';
  const request = opscom.received[0];
  say();
  say('OPSCOM received:');
  say(`  POST ${request?.path ?? '(nothing)'}`);
  say(
    `  ${JSON.stringify({ apiToken: request?.tokenValid ? '[valid token, not shown]' : '[WRONG]', ...request?.body })}`,
  );
  say('Stripe Checkout Session metadata now:');
  say(`  ${JSON.stringify(stripeSim.sessions.get(session.id)?.metadata)}`);
  say('Stripe PaymentIntent metadata now:');
  say(
    `  ${JSON.stringify(stripeSim.paymentIntents.get(session['payment_intent'] as string)?.metadata)}`,
  );
  say();
  say(
    ok
      ? `✔ permit ${job?.opscom?.referenceId} for plate DEMO123 until ${job?.opscom?.endsAt}`
      : `✘ job not done: ${JSON.stringify(job)}`,
  );
  // What the driver sees on Checkout's success URL (success_url: …/permit/{CHECKOUT_SESSION_ID}).
  const driverUrl = `${url}/permit/${session.id}`;
  const shown = await fetch(driverUrl, { headers: { Accept: 'application/json' } });
  say(`driver's page     ${driverUrl}`);
  say(`  ${shown.status} ${await shown.text()}`);
  if (ok) ok = await showSeenByEnforcement(adapter.ledger, opscom, session.id, say);

  if (refund && ok) {
    // A full refund, as Stripe sends it: the permit is deleted (ON_FULL_REFUND=delete).
    const revision = job!.revision;
    const charge = {
      id: `ch_${session.id.slice(3)}`,
      object: 'charge',
      payment_intent: session['payment_intent'],
      amount: session['amount_total'],
      amount_refunded: session['amount_total'],
      refunded: true,
    };
    await send(
      { ...sampleEvent(charge), type: 'charge.refunded' },
      `charge.refunded for ${charge.id}, in full`,
    );
    const until = Date.now() + 15_000;
    job = await adapter.ledger.getJob(session.id);
    while (!(job?.state === 'done' && job.revision > revision) && Date.now() < until) {
      await sleep(20);
      job = await adapter.ledger.getJob(session.id);
    }
    const last = opscom.received.filter((r) => !r.path.endsWith('/validate/plate')).at(-1);
    say();
    say('OPSCOM received:');
    say(`  POST ${last?.path ?? '(nothing)'}`);
    say(`  ${JSON.stringify({ apiToken: '[valid token, not shown]', ...last?.body })}`);
    say('Stripe Checkout Session metadata now:');
    say(`  ${JSON.stringify(stripeSim.sessions.get(session.id)?.metadata)}`);
    say();
    const deleted = job?.live?.status === 'deleted';
    say(
      deleted
        ? `✔ refunded in full: permit ${job?.opscom?.referenceId} deleted in OPSCOM`
        : `✘ permit not deleted: ${JSON.stringify(job)}`,
    );
    if (!deleted) ok = false;
  }

  if (serve && ok) {
    say();
    say(`Serving. Send more: stripe listen --forward-to ${url}/webhooks/stripe`);
    say(`The driver's page: ${driverUrl} (the success_url Checkout sends the driver to).`);
    say(
      `The console: ${url}/console (user operator, password ${process.env['CONSOLE_PASSWORD'] ? 'your CONSOLE_PASSWORD' : DEMO_CONSOLE_PASSWORD}).`,
    );
    say('(run with STRIPE_WEBHOOK_SECRET=<the whsec_ stripe listen prints>). Ctrl-C stops.');
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
  await adapter.stop(1000);
  await opscom.close();
  await stripeSim.close();
  rmSync(dir, { recursive: true, force: true });
  return ok ? 0 : 1;
}
