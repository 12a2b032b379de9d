import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startOpscomSimulator, type OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { startStripeSimulator, type StripeSimulator } from '../../tools/simulators/stripeSimulator';
import type { Job, Ledger } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { toSessionSnapshot } from '../../src/stripe/sessionPayload';
import { jobServices } from '../../src/worker/jobServices';
import { createWorker, type Worker } from '../../src/worker/worker';
import { OPSCOM_TOKEN, testConfig } from '../support/config';
import { startHarness, type Harness } from '../support/harness';
import { freshDatabase } from '../support/postgres';
import { waitFor } from '../support/serverProcess';
import { makeEvent, makeSession } from '../support/stripeFixtures';

// Slowness is not failure: an owner that is late recording OPSCOM's answer keeps its job, and
// an answer that comes after the timeout is read and recorded. Either, treated as a failure,
// sends a second create to OPSCOM. On both ledgers.
const logger = createLogger({ level: 'error', pretty: false, silent: true });
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const backends: Array<[string, () => Promise<Record<string, string>>]> = [
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'slow-owner-'));
      dirs.push(dir);
      return Promise.resolve({ SQLITE_PATH: join(dir, 'ledger.sqlite') });
    },
  ],
  ['postgres', async () => ({ DATABASE_URL: await freshDatabase(), DATABASE_SSL: 'off' })],
];

describe.each(backends)('on the %s ledger', (_name, storeEnv) => {
  describe('an owner stalled after OPSCOM answered, for longer than its lease', () => {
    let opscom: OpscomSimulator;
    let stripe: StripeSimulator;
    const cleanup: Array<() => Promise<unknown>> = [];
    afterEach(async () => {
      for (const c of cleanup.splice(0).reverse()) await c();
    });

    test('keeps its job: the other worker never sends a second create', async () => {
      opscom = await startOpscomSimulator({ apiToken: OPSCOM_TOKEN });
      stripe = await startStripeSimulator();
      cleanup.push(
        () => opscom.close(),
        () => stripe.close(),
      );
      const config = testConfig({
        ...(await storeEnv()),
        OPSCOM_BASE_URL: opscom.url,
        STRIPE_API_URL: stripe.url,
        WORKER_LEASE_SECONDS: '1',
        OPSCOM_TIMEOUT_MS: '500',
        STRIPE_TIMEOUT_MS: '400',
      });
      const store: StoreConfig = config.store;
      await migrateLedger(store);
      const ledgerA = await openLedger(store, logger);
      const ledgerB = await openLedger(store, logger);
      cleanup.push(
        () => ledgerA.close(),
        () => ledgerB.close(),
      );

      const session = makeSession();
      stripe.addSession(session);
      const snapshot = toSessionSnapshot(session);
      if (!snapshot.ok) throw new Error(snapshot.reason);
      await ledgerA.recordSessionEvent({
        eventId: 'evt_slow_owner',
        eventType: 'checkout.session.completed',
        eventCreated: Math.floor(Date.now() / 1000),
        action: 'paid',
        session: snapshot.session,
        receivedAt: Date.now(),
      });

      // A's ledger write of OPSCOM's answer waits until released (a starved event loop, a
      // long pool queue, a GC pause: from outside, all look the same).
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let answered!: () => void;
      const stalled = new Promise<void>((r) => (answered = r));
      const stalledA: Ledger = {
        ...ledgerA,
        recordOpscomResult: async (...args) => {
          answered();
          await gate;
          return ledgerA.recordOpscomResult(...args);
        },
      };
      // B's claims, with what each returned, once the job's lease has run out.
      const claimsAfterLease: Array<Job | undefined> = [];
      let leaseEnds = Infinity;
      const watchedB: Ledger = {
        ...ledgerB,
        claimNextJob: async (owner, now, leaseMs) => {
          const job = await ledgerB.claimNextJob(owner, now, leaseMs);
          if (now > leaseEnds) claimsAfterLease.push(job);
          return job;
        },
      };

      const worker = (ledger: Ledger): Worker => {
        const w = createWorker({
          ledger,
          ...jobServices(config),
          concurrency: 2,
          pollMs: 50,
          now: Date.now,
          logger,
        });
        cleanup.push(() => w.stop(2_000));
        return w;
      };
      worker(stalledA).start();
      await stalled;
      expect(opscom.permits.size).toBe(1);
      leaseEnds = (await ledgerB.getJob(session.id))!.leaseExpiresAt!;

      worker(watchedB).start();
      // B has looked for work at least five times since A's lease ran out…
      await waitFor('B to poll past the lease', () =>
        claimsAfterLease.length >= 5 ? true : undefined,
      );
      // …and was given nothing: A is slow, not gone.
      expect(claimsAfterLease.filter((j) => j !== undefined)).toEqual([]);

      release();
      const job = await waitFor('the job done', async () => {
        const j = await ledgerB.getJob(session.id);
        return j?.state === 'done' ? j : undefined;
      });
      expect(job.opscomAttempts).toBe(1);
      expect(opscom.received).toHaveLength(1);
      expect(opscom.permits.size).toBe(1);
      expect(stripe.sessions.get(session.id)?.metadata['opscom_reference_id']).toBe(
        job.opscom?.referenceId,
      );
    });
  });

  describe('OPSCOM answering after the client timeout', () => {
    let h: Harness;
    afterEach(() => h?.close());

    test('the late answer is recorded: one create, one permit, the doubt logged and noted', async () => {
      h = await startHarness(
        { ...(await storeEnv()), OPSCOM_TIMEOUT_MS: '300', OPSCOM_GRACE_MS: '5000' },
        { latencyMs: 700 },
      );
      const session = makeSession();
      h.stripe.addSession(session);
      expect((await h.post(makeEvent('checkout.session.completed', session))).status).toBe(200);
      const job = await h.waitForJob(session.id, ['done']);
      expect(job.opscomAttempts).toBe(1);
      expect(h.opscom.received).toHaveLength(1);
      expect(h.opscom.permits.size).toBe(1);
      expect(h.logs()).toMatch(/the attempt is in doubt, not failed; still listening/);
      expect(h.logs()).toMatch(/"lateAnswerAfterMs":\d+/);
      const notes = (await h.adapter.ledger.listEvents(session.id)).map((e) => e.outcome);
      expect(notes).toContain('opscom.late_answer');
    });

    test('an answer that never comes is lost only after the grace: noted, then retried', async () => {
      h = await startHarness({
        ...(await storeEnv()),
        OPSCOM_TIMEOUT_MS: '200',
        OPSCOM_GRACE_MS: '300',
      });
      h.opscom.faults.next('hang');
      const session = makeSession();
      h.stripe.addSession(session);
      expect((await h.post(makeEvent('checkout.session.completed', session))).status).toBe(200);
      const job = await h.waitForJob(session.id, ['done']);
      expect(job.opscomAttempts).toBe(2);
      expect(h.opscom.permits.size).toBe(1);
      expect(h.logs()).toMatch(
        /did not answer within 500 ms \(OPSCOM_TIMEOUT_MS 200 \+ OPSCOM_GRACE_MS 300\)/,
      );
      const notes = (await h.adapter.ledger.listEvents(session.id)).map((e) => e.outcome);
      expect(notes).toContain('opscom.answer_lost');
    });
  });
});
