import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateSqlite } from '../../src/store/sqlite/sqliteDatabase';
import { openSqliteLedger } from '../../src/store/sqlite/sqliteLedger';
import type { Ledger } from '../../src/store/ledger';
import { startOpscomSimulator, type OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { startStripeSimulator, type StripeSimulator } from '../../tools/simulators/stripeSimulator';
import { OPSCOM_TOKEN, testEnv } from '../support/config';
import {
  runServerToExit,
  startServerProcess,
  waitFor,
  type ServerProcess,
} from '../support/serverProcess';
import { makeEvent, makeSession, signatureFor } from '../support/stripeFixtures';

// These tests run the built server (`dist/`, as `npm start` does): `npm test` builds first.
let opscom: OpscomSimulator;
let stripe: StripeSimulator;
let dir: string;
let env: Record<string, string>;
const running: ServerProcess[] = [];
let ledger: Ledger | undefined;

beforeEach(async () => {
  opscom = await startOpscomSimulator({ apiToken: OPSCOM_TOKEN });
  stripe = await startStripeSimulator();
  dir = mkdtempSync(join(tmpdir(), 'adapter-e2e-'));
  env = testEnv({
    OPSCOM_BASE_URL: opscom.url,
    STRIPE_API_URL: stripe.url,
    SQLITE_PATH: join(dir, 'ledger.sqlite'),
    WORKER_LEASE_SECONDS: '3',
    WORKER_POLL_MS: '100',
    OPSCOM_TIMEOUT_MS: '1000',
    STRIPE_TIMEOUT_MS: '1000',
  });
  migrateSqlite(env['SQLITE_PATH']!);
});
afterEach(async () => {
  for (const p of running.splice(0)) p.child.kill('SIGKILL');
  await ledger?.close();
  ledger = undefined;
  await opscom.close();
  await stripe.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<ServerProcess> {
  const p = await startServerProcess(env);
  running.push(p);
  return p;
}

async function deliver(port: number) {
  const session = makeSession();
  stripe.addSession(session);
  const body = JSON.stringify(makeEvent('checkout.session.completed', session));
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signatureFor(body) },
    body,
  });
  expect(res.status).toBe(200);
  return session;
}

async function waitDone(sessionId: string) {
  ledger ??= openSqliteLedger(env['SQLITE_PATH']!);
  const l = ledger;
  return waitFor(`job ${sessionId} done`, async () => {
    const job = await l.getJob(sessionId);
    return job?.state === 'done' ? job : undefined;
  });
}

test('end to end on dist/: a signed payment becomes a permit and a reference in Stripe; SIGTERM exits 0', async () => {
  const server = await start();
  expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
  const session = await deliver(server.port);
  const job = await waitDone(session.id);
  expect(opscom.permits.size).toBe(1);
  expect(stripe.sessions.get(session.id)?.metadata['opscom_reference_id']).toBe(
    job.opscom?.referenceId,
  );
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
  expect(server.output()).toMatch(/"message":"stopped"/);
});

test('SIGKILL while OPSCOM is being called: the restarted server finishes the job, one permit', async () => {
  opscom.faults.next('hang');
  const first = await start();
  const session = await deliver(first.port);
  await waitFor('OPSCOM call', () => (opscom.received.length === 1 ? true : undefined));
  first.child.kill('SIGKILL');
  await first.exited;

  await start();
  const job = await waitDone(session.id);
  expect(opscom.received).toHaveLength(2);
  expect(opscom.permits.size).toBe(1);
  expect(job.opscomAttempts).toBe(2);
  expect(stripe.sessions.get(session.id)?.metadata['opscom_reference_id']).toBe(
    job.opscom?.referenceId,
  );
});

test('SIGKILL after OPSCOM answered, during write-back: OPSCOM is never called again', async () => {
  stripe.faults.next('hang', 1, '/v1/checkout/sessions/');
  const first = await start();
  const session = await deliver(first.port);
  // The session's write hangs; the PaymentIntent's, made beside it, may land first.
  await waitFor('write-back call', () =>
    stripe.received.some((r) => r.path.startsWith('/v1/checkout/sessions/')) ? true : undefined,
  );
  first.child.kill('SIGKILL');
  await first.exited;

  await start();
  const job = await waitDone(session.id);
  expect(opscom.received).toHaveLength(1);
  expect(job.opscomAttempts).toBe(1);
  expect(stripe.sessions.get(session.id)?.metadata['opscom_reference_id']).toBe(
    job.opscom?.referenceId,
  );
});

test('SIGTERM while a job is in flight: the job finishes before the process exits 0', async () => {
  await opscom.close();
  opscom = await startOpscomSimulator({ apiToken: OPSCOM_TOKEN, latencyMs: 700 });
  env['OPSCOM_BASE_URL'] = opscom.url;
  const server = await start();
  const session = await deliver(server.port);
  await waitFor('OPSCOM call', () => (opscom.received.length === 1 ? true : undefined));
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
  ledger = openSqliteLedger(env['SQLITE_PATH']!);
  const job = await ledger.getJob(session.id);
  expect(job?.state).toBe('done');
  expect(stripe.sessions.get(session.id)?.metadata['opscom_reference_id']).toBe(
    job?.opscom?.referenceId,
  );
  const lines = server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines.find((l) => l['message'] === 'shutting down')).toMatchObject({ inFlight: 1 });
});

test('two processes on one ledger file: every delivery sent to both, concurrently, twice → one permit each', async () => {
  const [a, b] = [await start(), await start()];
  const sessions = Array.from({ length: 20 }, () => makeSession());
  for (const s of sessions) stripe.addSession(s);
  const post = (port: number, body: string) =>
    fetch(`http://127.0.0.1:${port}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signatureFor(body) },
      body,
    }).then((r) => r.status);
  const statuses = await Promise.all(
    sessions.flatMap((s) => {
      const body = JSON.stringify(makeEvent('checkout.session.completed', s));
      return [post(a.port, body), post(b.port, body), post(a.port, body), post(b.port, body)];
    }),
  );
  expect(new Set(statuses)).toEqual(new Set([200]));
  const references = new Set<string | undefined>();
  for (const s of sessions) {
    const job = await waitDone(s.id);
    references.add(job.opscom?.referenceId);
    expect(stripe.sessions.get(s.id)?.metadata['opscom_reference_id']).toBe(
      job.opscom?.referenceId,
    );
  }
  expect(references.size).toBe(20);
  expect(opscom.received).toHaveLength(20);
  expect(opscom.permits.size).toBe(20);
});

test('an unmigrated ledger stops start-up with what to do, exit 1', async () => {
  const { code, output } = await runServerToExit({
    ...env,
    SQLITE_PATH: join(dir, 'fresh.sqlite'),
  });
  expect(code).toBe(1);
  expect(output).toMatch(/schema version 0, this adapter needs \d+: run `npm run migrate`/);
});

test('bad configuration stops start-up with every problem named, exit 1', async () => {
  const { code, output } = await runServerToExit({
    STRIPE_SECRET_KEY: 'pk_test_x',
    OPSCOM_TIMEZONE: 'Mars/Base',
  });
  expect(code).toBe(1);
  for (const name of [
    'STRIPE_SECRET_KEY',
    'STRIPE_WEBHOOK_SECRET',
    'OPSCOM_API_TOKEN',
    'OPSCOM_TIMEZONE',
  ]) {
    expect(output).toContain(name);
  }
});
