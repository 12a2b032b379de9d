import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/logger';
import { startOpscomSimulator, type OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { startStripeSimulator, type StripeSimulator } from '../../tools/simulators/stripeSimulator';
import type { Job, Ledger } from '../../src/store/ledger';
import { parseOwnerId } from '../../src/store/owner';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { OPSCOM_TOKEN, testConfig, testEnv } from '../support/config';
import { freshDatabase } from '../support/postgres';
import { startServerProcess, waitFor, type ServerProcess } from '../support/serverProcess';
import { makeEvent, makeSession, signatureFor } from '../support/stripeFixtures';

// Two built servers (dist/) on one ledger. The one calling OPSCOM is frozen (SIGSTOP: its event
// loop, timers and ledger writes all stop; its sockets stay open) while OPSCOM answers, for
// three times its lease. A frozen process is slow, not gone: the other must not take its job.
// Thawed (SIGCONT), it reads the answer that waited in its socket and records it.
const logger = createLogger({ level: 'error', pretty: false, silent: true });
const LEASE_MS = 1000;
let opscom: OpscomSimulator;
let stripe: StripeSimulator;
let ledger: Ledger | undefined;
let dir: string;
const running: ServerProcess[] = [];

beforeEach(async () => {
  // The answer leaves 400 ms after the request arrived: after the owner is frozen.
  opscom = await startOpscomSimulator({ apiToken: OPSCOM_TOKEN, latencyMs: 400 });
  stripe = await startStripeSimulator();
  dir = mkdtempSync(join(tmpdir(), 'frozen-owner-'));
});
afterEach(async () => {
  for (const p of running.splice(0)) {
    p.child.kill('SIGCONT');
    p.child.kill('SIGKILL');
  }
  await ledger?.close();
  ledger = undefined;
  await opscom.close();
  await stripe.close();
  rmSync(dir, { recursive: true, force: true });
});

test.each([
  ['sqlite', () => Promise.resolve({ SQLITE_PATH: join(dir, 'ledger.sqlite') })],
  ['postgres', async () => ({ DATABASE_URL: await freshDatabase(), DATABASE_SSL: 'off' })],
])(
  'on %s: an owner frozen after OPSCOM answered keeps its job; thawed, it records the one permit',
  async (_name, storeEnv) => {
    const env = testEnv({
      ...(await storeEnv()),
      OPSCOM_BASE_URL: opscom.url,
      STRIPE_API_URL: stripe.url,
      WORKER_LEASE_SECONDS: String(LEASE_MS / 1000),
      WORKER_POLL_MS: '100',
      OPSCOM_TIMEOUT_MS: '500',
      STRIPE_TIMEOUT_MS: '400',
    });
    const store = testConfig(env).store;
    await migrateLedger(store);
    ledger = await openLedger(store, logger);
    const l = ledger;
    for (let i = 0; i < 2; i++) running.push(await startServerProcess(env));

    const session = makeSession();
    stripe.addSession(session);
    const body = JSON.stringify(makeEvent('checkout.session.completed', session));
    const res = await fetch(`http://127.0.0.1:${running[0]!.port}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signatureFor(body) },
      body,
    });
    expect(res.status).toBe(200);

    // Whichever process took the job is the one to freeze, as soon as OPSCOM has the request.
    await waitFor('the OPSCOM request', () => (opscom.received.length === 1 ? true : undefined));
    const claimed = await l.getJob(session.id);
    const pid = parseOwnerId(claimed?.leaseOwner ?? '')?.pid;
    const owner = running.find((p) => p.child.pid === pid);
    if (!owner) throw new Error(`no server owns the job: ${claimed?.leaseOwner ?? 'none'}`);
    owner.child.kill('SIGSTOP');
    const frozenAt = Date.now();

    await waitFor('OPSCOM to answer', () =>
      opscom.received[0]?.answered === 'success' ? true : undefined,
    );
    // Three leases frozen; the other process looks for work every 100 ms meanwhile.
    const frozen = await l.getJob(session.id);
    expect(frozen).toMatchObject({ opscomAttempts: 1, opscom: null });
    await new Promise((r) => setTimeout(r, Math.max(0, frozenAt + 3 * LEASE_MS - Date.now())));
    expect(await l.getJob(session.id)).toMatchObject({ opscomAttempts: 1 });
    expect(opscom.received).toHaveLength(1);

    owner.child.kill('SIGCONT');
    const job = await waitFor<Job>('the job done', async () => {
      const j = await l.getJob(session.id);
      return j?.state === 'done' ? j : undefined;
    });
    expect(job.opscomAttempts).toBe(1);
    expect(opscom.received).toHaveLength(1);
    expect(opscom.permits.size).toBe(1);
    expect(stripe.sessions.get(session.id)?.metadata['opscom_reference_id']).toBe(
      job.opscom?.referenceId,
    );
  },
);
