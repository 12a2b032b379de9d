import {
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../../tools/devtools/throwawayPostgres';
import { createLogger } from '../../src/logger';
import type { Job, Ledger } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { startOpscomSimulator, type OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { startStripeSimulator, type StripeSimulator } from '../../tools/simulators/stripeSimulator';
import type { StoreConfig } from '../../src/config';
import { OPSCOM_TOKEN, testEnv } from '../support/config';
import { freshDatabase } from '../support/postgres';
import { startServerProcess, waitFor, type ServerProcess } from '../support/serverProcess';
import { makeEvent, makeSession, signatureFor } from '../support/stripeFixtures';

// Built servers (dist/) sharing one PostgreSQL ledger.
const logger = createLogger({ level: 'error', pretty: false, silent: true });
let opscom: OpscomSimulator;
let stripe: StripeSimulator;
let env: Record<string, string>;
let ledger: Ledger;
const running: ServerProcess[] = [];

async function useDatabase(url: string): Promise<void> {
  const store: StoreConfig = { kind: 'postgres', url, ssl: false, poolSize: 4 };
  await migrateLedger(store);
  ledger = await openLedger(store, logger);
  env = testEnv({
    DATABASE_URL: url,
    OPSCOM_BASE_URL: opscom.url,
    STRIPE_API_URL: stripe.url,
    WORKER_LEASE_SECONDS: '3',
    WORKER_POLL_MS: '200',
    OPSCOM_TIMEOUT_MS: '1000',
    STRIPE_TIMEOUT_MS: '1000',
  });
}

beforeEach(async () => {
  opscom = await startOpscomSimulator({ apiToken: OPSCOM_TOKEN });
  stripe = await startStripeSimulator();
});
afterEach(async () => {
  for (const p of running.splice(0)) p.child.kill('SIGKILL');
  await ledger?.close();
  await opscom.close();
  await stripe.close();
});

async function start(extra: Record<string, string> = {}): Promise<ServerProcess> {
  const p = await startServerProcess({ ...env, ...extra });
  running.push(p);
  return p;
}

function post(port: number, body: string): Promise<number> {
  return fetch(`http://127.0.0.1:${port}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signatureFor(body) },
    body,
  }).then(
    (r) => r.status,
    () => 0,
  );
}

function newSessions(n: number) {
  const sessions = Array.from({ length: n }, () => makeSession());
  for (const s of sessions) stripe.addSession(s);
  return sessions.map((s) => ({
    session: s,
    body: JSON.stringify(makeEvent('checkout.session.completed', s)),
  }));
}

async function expectOnePermitEach(sessionIds: string[]): Promise<void> {
  const references = new Set<string>();
  for (const id of sessionIds) {
    const job = await waitFor<Job>(
      `job ${id} done`,
      async () => {
        const j = await ledger.getJob(id);
        return j?.state === 'done' ? j : undefined;
      },
      30_000,
    );
    references.add(job.opscom!.referenceId);
    expect(stripe.sessions.get(id)?.metadata['opscom_reference_id']).toBe(job.opscom?.referenceId);
  }
  expect(references.size).toBe(sessionIds.length);
  expect(opscom.permits.size).toBe(sessionIds.length);
  expect(opscom.received.filter((r) => r.answered === 'success')).toHaveLength(sessionIds.length);
}

test('two web processes, 50 sessions, each delivery duplicated and sent concurrently to both: exactly 50 permits', async () => {
  await useDatabase(await freshDatabase());
  const [a, b] = [await start(), await start()];
  const deliveries = newSessions(50);
  const statuses = await Promise.all(
    deliveries.flatMap(({ body }) => [
      post(a.port, body),
      post(b.port, body),
      post(a.port, body),
      post(b.port, body),
    ]),
  );
  expect(new Set(statuses)).toEqual(new Set([200]));
  await expectOnePermitEach(deliveries.map((d) => d.session.id));
  // Both processes did work: the job started by NOTIFY or claim is spread over them.
  const owners = new Set([a, b].filter((p) => /permit pushed to OPSCOM/.test(p.output())));
  expect(owners.size).toBe(2);
});

test('an intake-only process and a worker-only process: the worker starts a job at once (NOTIFY)', async () => {
  await useDatabase(await freshDatabase());
  const intake = await start({ PROCESS_TYPE: 'intake', WORKER_POLL_MS: '60000' });
  await start({ PROCESS_TYPE: 'worker', WORKER_POLL_MS: '60000' });
  const [delivery] = newSessions(1);
  expect(await post(intake.port, delivery!.body)).toBe(200);
  // Polling is a minute here: only the notification can start the job this quickly.
  await waitFor('permit', () => (opscom.permits.size === 1 ? true : undefined), 5_000);
  await expectOnePermitEach([delivery!.session.id]);
  expect(intake.output()).not.toMatch(/permit pushed/);
});

test('a process killed mid-job: the other one finishes it, one permit', async () => {
  await useDatabase(await freshDatabase());
  opscom.faults.next('hang');
  const [a, b] = [await start(), await start()];
  const [delivery] = newSessions(1);
  expect(await post(a.port, delivery!.body)).toBe(200);
  await waitFor('OPSCOM call', () => (opscom.received.length === 1 ? true : undefined));
  const owner = (await ledger.getJob(delivery!.session.id))?.leaseOwner ?? '';
  const victim = [a, b].find((p) => owner.includes(`:${p.child.pid}:`))!;
  victim.child.kill('SIGKILL');
  await victim.exited;
  await expectOnePermitEach([delivery!.session.id]);
  expect(opscom.received).toHaveLength(2);
});

describe('PostgreSQL stopped under load', () => {
  let pg: ThrowawayPostgres;
  beforeEach(async () => {
    pg = await startThrowawayPostgres();
  });
  afterEach(() => pg.destroy());

  test('intake answers 500 and readiness fails meanwhile; after restart nothing is lost', async () => {
    await useDatabase(await pg.createDatabase());
    await ledger.close();
    const server = await start();
    const deliveries = newSessions(40);
    const seen: number[] = [];
    // Each delivery is retried until acknowledged, as Stripe redelivers a 500.
    const deliver = async (body: string, i: number) => {
      await new Promise((r) => setTimeout(r, i * 25));
      for (;;) {
        const status = await post(server.port, body);
        seen.push(status);
        if (status === 200) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const all = Promise.all(deliveries.map(({ body }, i) => deliver(body, i)));
    await new Promise((r) => setTimeout(r, 300));
    pg.stop();
    await waitFor('a 500 during the outage', () => (seen.includes(500) ? true : undefined), 10_000);
    expect((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status).toBe(503);
    await new Promise((r) => setTimeout(r, 1000));
    pg.start();
    await all;
    await waitFor('ready again', async () =>
      (await fetch(`http://127.0.0.1:${server.port}/readyz`)).status === 200 ? true : undefined,
    );
    ledger = await openLedger(
      { kind: 'postgres', url: env['DATABASE_URL']!, ssl: false, poolSize: 2 },
      logger,
    );
    await expectOnePermitEach(deliveries.map((d) => d.session.id));
  });
});
