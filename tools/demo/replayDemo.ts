import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { startAdapter } from '../../src/adapter';
import { loadConfig } from '../../src/config';
import { toolArgs } from '../devtools/cliArgs';
import { runReplayScript } from '../devtools/replayScript';
import { createLogger } from '../../src/logger';
import { startOpscomSimulator } from '../simulators/opscomSimulator';
import { startStripeSimulator } from '../simulators/stripeSimulator';
import { migrateSqlite } from '../../src/store/sqlite/sqliteDatabase';
import { sampleEvent, sampleSession } from './sampleSession';

const DEMO_TOKEN = 'demo-opscom-token';
const DEMO_SECRET = 'whsec_demo_secret';

/**
 * `npm run demo:replay [-- --sessions 300]`: replay against the simulators, no credentials.
 * Stripe gets `--sessions` paid sessions spread over the last six hours; the adapter (running,
 * on a temporary SQLite ledger) hears about a fifth of them; some are unpaid or unmappable.
 * Then the real `npm run replay -- --since …` runs as an operator would run it: the reconcile
 * report (--dry-run), the run that recovers what was missed, and a second run that finds
 * everything already done.
 */
export async function runReplayDemo(argv: readonly string[]): Promise<number> {
  const { sessions: count } = toolArgs(argv, {
    sessions: { kind: 'number', default: 300, min: 1 },
  });
  const say = (line = '') => process.stdout.write(`${line}\n`);
  const opscom = await startOpscomSimulator({ apiToken: DEMO_TOKEN });
  const stripeSim = await startStripeSimulator();
  const dir = mkdtempSync(join(tmpdir(), 'adapter-replay-demo-'));
  const env = {
    PORT: '0',
    STRIPE_SECRET_KEY: 'sk_test_demo',
    STRIPE_WEBHOOK_SECRET: DEMO_SECRET,
    STRIPE_API_URL: stripeSim.url,
    OPSCOM_API_TOKEN: DEMO_TOKEN,
    OPSCOM_BASE_URL: opscom.url,
    OPSCOM_TIMEZONE: 'America/Toronto',
    OPSCOM_ZONE: 'DEMO-ZONE',
    SQLITE_PATH: join(dir, 'adapter.sqlite'),
  };
  migrateSqlite(env.SQLITE_PATH);
  const adapter = await startAdapter(
    loadConfig(env),
    createLogger({ level: 'error', pretty: true }),
  );
  const signer = new Stripe('sk_test_demo').webhooks;
  const now = Math.floor(Date.now() / 1000);
  let delivered = 0;
  for (let i = 0; i < count; i++) {
    const created = now - Math.floor(((i + 1) * 6 * 3600) / (count + 1));
    // One renewal of a permit OPSCOM does not know (it fails with 9009, as in real life).
    const metadata: Record<string, string> =
      i === 7
        ? { plate: 'DEMO 007', duration: '1h', reference_id: 'OC-999999' }
        : i % 29 === 3
          ? { plate: 'NO PLATE HERE!', duration: '2h' }
          : {
              plate: `DEMO ${String(i).padStart(3, '0')}`,
              duration: ['30', '1h', '2h', 'P1D'][i % 4]!,
            };
    const session: Record<string, unknown> & { id: string } = {
      ...sampleSession(metadata),
      created,
      payment_status: i % 13 === 5 ? 'unpaid' : 'paid',
    };
    stripeSim.addSession(session);
    const event = { ...sampleEvent(session), created };
    stripeSim.addEvent(event);
    if (i % 5 === 0 || i === 7) {
      const body = JSON.stringify(event);
      const signature = signer.generateTestHeaderString({ payload: body, secret: DEMO_SECRET });
      await fetch(`http://127.0.0.1:${adapter.port}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
        body,
      });
      delivered++;
    }
  }
  await waitForIdle(() => adapter.worker?.inFlight ?? 0);
  // Someone edited the first session's metadata in the Dashboard: its write-back is gone.
  const edited = [...stripeSim.sessions.values()].find((s) => s.metadata['opscom_reference_id']);
  if (edited) delete edited.metadata['opscom_reference_id'];
  say(`Stripe simulator: ${count} Checkout Sessions over the last 6 hours; the adapter`);
  say(`received the webhooks of ${delivered}. OPSCOM has ${opscom.permits.size} permits.`);
  const since = new Date((now - 6 * 3600 - 60) * 1000).toISOString();
  for (const [round, extra] of [
    ['the reconcile report', ['--dry-run']],
    ['first run', []],
    ['second run', []],
  ] as const) {
    say();
    say(`$ npm run replay -- --since ${since} ${extra.join(' ')}     (${round})`);
    const { code } = await runReplayScript(
      ['--since', since, ...extra],
      { ...process.env, ...env },
      'inherit',
    );
    say(`(exit ${code}; OPSCOM now has ${opscom.permits.size} permits)`);
  }
  await adapter.stop(1000);
  await opscom.close();
  await stripeSim.close();
  rmSync(dir, { recursive: true, force: true });
  return 0;
}

async function waitForIdle(inFlight: () => number): Promise<void> {
  await sleep(300);
  while (inFlight() > 0) await sleep(50);
}
