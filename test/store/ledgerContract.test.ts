import { SchemaError } from '../../src/errors';
import { createLogger } from '../../src/logger';
import type { Job, JobChange, Ledger, LeaseRef, PaymentEventInput } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import type { StoreConfig } from '../../src/config';
import { createPool } from '../../src/store/postgres/postgresDatabase';
import { openSqliteDatabase } from '../../src/store/sqlite/sqliteDatabase';
import { emptyJob } from '../../src/store/jobRow';
import { newOwnerId } from '../../src/store/owner';
import { startAttemptThenDie } from '../support/deadOwner';
import { snapshot, sessionEvent } from '../support/ledgerInputs';
import { ledgerStores } from '../support/ledgerStores';
import { freshDatabase } from '../support/postgres';

const logger = createLogger({ level: 'error', pretty: false, silent: true });
const backends = ledgerStores('ledger-contract-', 10);

let seq = 0;
const session = snapshot;
const event = sessionEvent;
const permit = {
  action: 'create' as const,
  plate: 'A1',
  zone: 'Z',
  startTime: '2026-01-01T10:00:00',
  endTime: '2026-01-01T11:00:00',
  endsAt: '2026-01-01T11:00:00-05:00',
  amount: '14.50',
  currency: 'CAD' as const,
};

/** A paid session whose payment is `paymentIntentId`. */
const paidWith = (sessionId: string, paymentIntentId: string, receivedAt: number) => {
  const paid = event(sessionId, 'paid', { receivedAt });
  return { ...paid, session: { ...paid.session, paymentIntentId } };
};
/** A partial refund of `paymentIntentId` saying `amountRefunded` so far. */
const refund = (
  eventId: string,
  paymentIntentId: string,
  amountRefunded: number,
  at: number,
  receivedAt: number,
): PaymentEventInput => ({
  eventId,
  eventType: 'charge.refunded',
  eventCreated: at,
  livemode: false,
  paymentIntentId,
  fact: { kind: 'refund', amountRefunded, full: false, at },
  receivedAt,
});

describe.each(backends)('the %s ledger', (_name, makeStore) => {
  let store: StoreConfig;
  let ledger: Ledger;
  beforeEach(async () => {
    store = await makeStore();
    await migrateLedger(store);
    ledger = await openLedger(store, logger);
  });
  afterEach(() => ledger.close());

  const lease = (sessionId: string, owner = 'w1', now = 2_000): LeaseRef => ({
    sessionId,
    owner,
    now,
    leaseMs: 1_000,
  });

  test('one job per session, whatever events arrive, in any order', async () => {
    const first = event('cs_1', 'awaiting_payment');
    expect(await ledger.recordSessionEvent(first)).toEqual({
      event: 'recorded',
      job: 'created',
      state: 'awaiting_payment',
    });
    expect(await ledger.recordSessionEvent(first)).toEqual({ event: 'duplicate' });
    const paid = event('cs_1', 'paid', { eventCreated: 1_780_000_600 });
    expect(await ledger.recordSessionEvent(paid)).toEqual({
      event: 'recorded',
      job: 'updated',
      state: 'pending',
    });
    expect(await ledger.recordSessionEvent(event('cs_1', 'payment_failed'))).toEqual({
      event: 'recorded',
      job: 'unchanged',
      state: 'pending',
    });
    expect(await ledger.recordSessionEvent(event('cs_1', 'awaiting_payment'))).toEqual({
      event: 'recorded',
      job: 'unchanged',
      state: 'pending',
    });
    const job = await ledger.getJob('cs_1');
    expect(job).toMatchObject({
      state: 'pending',
      paidEventId: paid.eventId,
      paidAt: 1_780_000_600,
      opscomAttempts: 0,
    });
    expect(job?.session.paymentStatus).toBe('paid');
    expect(await ledger.listEvents('cs_1')).toHaveLength(4);
  });

  test('a delayed payment that fails is final', async () => {
    await ledger.recordSessionEvent(event('cs_f', 'awaiting_payment'));
    expect(await ledger.recordSessionEvent(event('cs_f', 'payment_failed'))).toMatchObject({
      job: 'updated',
      state: 'payment_failed',
    });
    expect(await ledger.claimNextJob('w1', 5_000, 1_000)).toBeUndefined();
  });

  test('8 different events of one session recorded concurrently: one job', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => ledger.recordSessionEvent(event('cs_c', 'paid'))),
    );
    expect(outcomes.filter((o) => o.event === 'recorded' && o.job === 'created')).toHaveLength(1);
    expect(await ledger.listJobs()).toHaveLength(1);
    expect(await ledger.listEvents('cs_c')).toHaveLength(8);
  });

  test('an ignored event is recorded once', async () => {
    const input = {
      eventId: 'evt_ignored',
      eventType: 'checkout.session.completed',
      eventCreated: 1,
      livemode: true,
      sessionId: 'cs_x',
      reason: 'livemode_mismatch' as const,
      detail: 'why',
      receivedAt: 1,
    };
    expect(await ledger.recordIgnoredEvent(input)).toBe(true);
    expect(await ledger.recordIgnoredEvent(input)).toBe(false);
    expect(await ledger.listEvents('cs_x')).toEqual([
      expect.objectContaining({ outcome: 'livemode_mismatch', detail: 'why', livemode: true }),
    ]);
    expect(await ledger.getJob('cs_x')).toBeUndefined();
  });

  test('claims: due jobs only, one owner at a time, expired leases are taken over', async () => {
    await ledger.recordSessionEvent(event('cs_a', 'paid', { receivedAt: 1_000 }));
    expect(await ledger.claimNextJob('w1', 999, 1_000)).toBeUndefined(); // not due yet
    const claimed = await ledger.claimNextJob('w1', 1_500, 1_000);
    expect(claimed).toMatchObject({ sessionId: 'cs_a', leaseOwner: 'w1', leaseExpiresAt: 2_500 });
    expect(await ledger.claimNextJob('w2', 2_000, 1_000)).toBeUndefined(); // leased
    const taken = await ledger.claimNextJob('w2', 2_500, 1_000);
    expect(taken).toMatchObject({ sessionId: 'cs_a', leaseOwner: 'w2' });
    // The first owner's writes now change nothing.
    expect(await ledger.startOpscomAttempt(lease('cs_a', 'w1', 2_600), permit)).toBe(false);
    expect(await ledger.startOpscomAttempt(lease('cs_a', 'w2', 2_600), permit)).toBe(true);
  });

  test('a claim brings the payment facts recorded for its PaymentIntent, the same as read alone', async () => {
    await ledger.recordPaymentEvent(
      refund('evt_refund_early', 'pi_facts', 500, 1_780_000_100, 900),
    );
    await ledger.recordSessionEvent(paidWith('cs_f', 'pi_facts', 1_000));
    await ledger.recordSessionEvent(event('cs_none', 'paid', { receivedAt: 1_001 }));
    const first = await ledger.claimNextJob('w1', 1_500, 1_000);
    expect(first?.sessionId).toBe('cs_f');
    expect(first?.paymentFacts).toEqual(await ledger.getPaymentFacts('pi_facts'));
    expect(first?.paymentFacts).toMatchObject({ amountRefunded: 500 });
    const second = await ledger.claimNextJob('w1', 1_500, 1_000);
    expect(second).toMatchObject({ sessionId: 'cs_none', paymentFacts: undefined });
  });

  test('a claim never brings facts older than the revision it claimed, while refunds arrive', async () => {
    await ledger.recordSessionEvent(paidWith('cs_r', 'pi_race', 0));
    await ledger.claimNextJob('w0', 1, 1);
    await ledger.startOpscomAttempt(lease('cs_r', 'w0', 1), permit);
    const answer = { referenceId: 'R-9', internalReferenceId: '9', endsAt: permit.endsAt };
    await ledger.recordOpscomResult(lease('cs_r', 'w0', 1), 1, answer);
    expect(await ledger.recordWriteBack(lease('cs_r', 'w0', 1), 'both', true)).toBe('done');
    const base = (await ledger.getJob('cs_r'))!.revision;

    // Refund n says n cents refunded and raises the revision by one: the job claimed at
    // revision base + n must come with facts that know of refund n (or a later one).
    let clock = 10;
    let recording = true;
    const stale: string[] = [];
    let claims = 0;
    const claimer = async (owner: string) => {
      while (recording) {
        const now = clock++;
        const job = await ledger.claimNextJob(owner, now, 1);
        if (!job) continue;
        claims++;
        const known = job.paymentFacts?.amountRefunded ?? 0;
        if (known < job.revision - base) stale.push(`revision ${job.revision}: ${known}`);
        // Finished only at the revision it saw; otherwise claimed again once the lease is out.
        await ledger.recordWriteBack(
          { sessionId: 'cs_r', owner, now, leaseMs: 1 },
          'both',
          true,
          job.revision,
        );
      }
    };
    const claimers = ['w1', 'w2', 'w3'].map(claimer);
    for (let n = 1; n <= 150; n++) {
      await ledger.recordPaymentEvent(refund(`evt_race_${n}`, 'pi_race', n, 1_780_000_000 + n, 0));
    }
    recording = false;
    await Promise.all(claimers);
    expect(claims).toBeGreaterThan(0);
    expect(stale).toEqual([]);
  });

  test('concurrent claimers never get the same job', async () => {
    for (let i = 0; i < 10; i++) await ledger.recordSessionEvent(event(`cs_k${i}`, 'paid'));
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ledger.claimNextJob(`w${i}`, 5_000, 10_000)),
    );
    const ids = claims.filter((c) => c !== undefined).map((c) => c.sessionId);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
  });

  test('each step is stored, renews the lease, and the last one finishes the job', async () => {
    await ledger.recordSessionEvent(event('cs_s', 'paid'));
    await ledger.claimNextJob('w1', 1_500, 1_000);
    expect(await ledger.startOpscomAttempt(lease('cs_s', 'w1', 1_600), permit)).toBe(true);
    expect(
      await ledger.recordOpscomResult(lease('cs_s', 'w1', 1_700), 1, {
        referenceId: 'R-1',
        internalReferenceId: '9',
        endsAt: permit.endsAt,
      }),
    ).toBe(true);
    let job = await ledger.getJob('cs_s');
    expect(job).toMatchObject({
      permit,
      opscomAttempts: 1,
      opscom: { referenceId: 'R-1', internalReferenceId: '9', endsAt: permit.endsAt, at: 1_700 },
      leaseExpiresAt: 2_700,
    });
    expect(await ledger.recordWriteBack(lease('cs_s', 'w1', 1_800), 'session', false)).toBe(
      'pending',
    );
    expect(await ledger.getJob('cs_s')).toMatchObject({ state: 'pending', leaseExpiresAt: 2_800 });
    expect(await ledger.recordWriteBack(lease('cs_s', 'w1', 1_900), 'payment_intent', true)).toBe(
      'done',
    );
    job = await ledger.getJob('cs_s');
    expect(job).toMatchObject({
      state: 'done',
      sessionWrittenAt: 1_800,
      paymentIntentWrittenAt: 1_900,
      leaseOwner: null,
    });
    expect(await ledger.findKnownEnd('R-1')).toBe(permit.endsAt);
    expect(await ledger.findKnownEnd('R-unknown')).toBeUndefined();
  });

  test('an OPSCOM answer is kept after the lease ran out, unless a newer attempt started', async () => {
    const answer = { referenceId: 'R-7', internalReferenceId: undefined, endsAt: permit.endsAt };
    const w1 = newOwnerId('worker');
    await ledger.recordSessionEvent(event('cs_o', 'paid'));
    await ledger.claimNextJob(w1, 1_500, 1_000);
    await ledger.startOpscomAttempt(lease('cs_o', w1, 1_600), permit); // attempt 1, lease to 2_600
    // w1's answer is late (the ledger was away); its lease ran out long ago, yet it lands,
    expect(await ledger.recordOpscomResult(lease('cs_o', w1, 9_100), 1, answer)).toBe(true);
    expect(await ledger.getJob('cs_o')).toMatchObject({
      leaseOwner: w1,
      leaseExpiresAt: 10_100,
      opscomStartedAt: null,
      opscom: { referenceId: 'R-7' },
    });
    // and nobody can start a second call.
    expect(await ledger.startOpscomAttempt(lease('cs_o', 'w2', 9_200), permit)).toBe(false);

    // Attempt 1's owner died; attempt 2 started: an answer to attempt 1 is not recorded.
    await ledger.recordSessionEvent(event('cs_p', 'paid'));
    const dead = await startAttemptThenDie(store, ledger, 'cs_p', 1_600, permit);
    const taken = await claimWhenFree('w2', 3_000);
    expect(taken).toMatchObject({ sessionId: 'cs_p', opscomAttempts: 1 });
    expect(await ledger.startOpscomAttempt(lease('cs_p', 'w2', 3_000), permit)).toBe(true);
    expect(await ledger.recordOpscomResult(lease('cs_p', dead, 3_100), 1, answer)).toBe(false);
    expect(await ledger.getJob('cs_p')).toMatchObject({ opscomAttempts: 2, opscom: null });
  });

  // Retries `claimNextJob` for a few seconds: PostgreSQL frees a dead process's locks once it
  // has seen its connection close, which takes a moment after the process is gone.
  async function claimWhenFree(owner: string, now: number): Promise<Job | undefined> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const job = await ledger.claimNextJob(owner, now, 1_000);
      if (job || Date.now() > deadline) return job;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test('an OPSCOM attempt in flight stays with its owner while it lives, however late', async () => {
    const w1 = newOwnerId('worker');
    await ledger.recordSessionEvent(event('cs_l', 'paid'));
    await ledger.claimNextJob(w1, 1_500, 1_000);
    expect(await ledger.startOpscomAttempt(lease('cs_l', w1, 1_600), permit)).toBe(true);
    expect(await ledger.getJob('cs_l')).toMatchObject({ opscomStartedAt: 1_600, leaseOwner: w1 });
    // An hour after the lease ran out, another worker still cannot take it…
    expect(await ledger.claimNextJob('w2', 3_600_000, 1_000)).toBeUndefined();
    // …nor can replay (changeJob is told the owner is alive).
    expect(await ledger.changeJob('cs_l', (_job, context) => ({ result: context }))).toEqual({
      attemptOwnerAlive: true,
    });
    // The call ends without an outcome it could record: the job is free once the lease is over.
    await ledger.endOpscomAttempt('cs_l', w1);
    expect(await ledger.changeJob('cs_l', (_job, context) => ({ result: context }))).toEqual({
      attemptOwnerAlive: false,
    });
    expect(await ledger.claimNextJob('w2', 2_000, 1_000)).toBeUndefined(); // lease still on
    expect(await ledger.claimNextJob('w2', 2_600, 1_000)).toMatchObject({
      sessionId: 'cs_l',
      leaseOwner: 'w2',
      opscomStartedAt: 1_600, // the unknown outcome stays visible until a new attempt starts
    });
  });

  test('an attempt whose owner was killed is taken over once its lease ran out', async () => {
    await ledger.recordSessionEvent(event('cs_k', 'paid'));
    await startAttemptThenDie(store, ledger, 'cs_k', 1_600, permit);
    expect(await ledger.claimNextJob('w2', 2_000, 1_000)).toBeUndefined(); // lease still on
    expect(await claimWhenFree('w2', 2_600)).toMatchObject({
      sessionId: 'cs_k',
      opscomAttempts: 1,
      opscomStartedAt: 1_600,
    });
  });

  test('a recorded failure ends the attempt in flight', async () => {
    const w1 = newOwnerId('worker');
    await ledger.recordSessionEvent(event('cs_e', 'paid'));
    await ledger.claimNextJob(w1, 1_500, 1_000);
    await ledger.startOpscomAttempt(lease('cs_e', w1, 1_600), permit);
    expect(await ledger.scheduleRetry(lease('cs_e', w1, 1_700), 'HTTP 500', 1_800)).toBe(true);
    expect(await ledger.claimNextJob('w2', 1_800, 1_000)).toMatchObject({
      opscomStartedAt: null,
      opscomAttempts: 1,
    });
  });

  test('a retry releases the job until it is due; giving up is final and visible', async () => {
    await ledger.recordSessionEvent(event('cs_r', 'paid'));
    await ledger.claimNextJob('w1', 1_500, 1_000);
    expect(
      await ledger.scheduleRetry(lease('cs_r', 'w1', 1_600), 'OPSCOM answered HTTP 500', 10_000),
    ).toBe(true);
    expect(await ledger.claimNextJob('w1', 9_999, 1_000)).toBeUndefined();
    expect(await ledger.claimNextJob('w1', 10_000, 1_000)).toMatchObject({
      attempts: 1,
      lastError: 'OPSCOM answered HTTP 500',
    });
    const claimed = await ledger.getJob('cs_r');
    expect(
      await ledger.giveUp(lease('cs_r', 'w1', 10_100), 'dead', 'gave up', claimed!.revision),
    ).toBe('dead');
    expect(await ledger.listJobs(['dead', 'failed'])).toEqual([
      expect.objectContaining({ sessionId: 'cs_r', state: 'dead', lastError: 'gave up' }),
    ]);
    expect(await ledger.claimNextJob('w1', 99_999, 1_000)).toBeUndefined();
  });

  test('giving up at a revision that moved meanwhile (a correction) releases the job instead', async () => {
    await ledger.recordSessionEvent(event('cs_g', 'paid'));
    const claimed = await ledger.claimNextJob('w1', 1_500, 1_000);
    // An operator's correction is recorded while the worker decides the job cannot be mapped.
    await ledger.changeJob('cs_g', (job) => ({
      result: null,
      write: {
        ...job!,
        corrections: { plate: 'NEW1', by: 'ana', at: 'T' },
        revision: job!.revision + 1,
      },
    }));
    expect(
      await ledger.giveUp(lease('cs_g', 'w1', 1_600), 'failed', 'cannot map', claimed!.revision),
    ).toBe('pending');
    // Not failed: due now, free, with the correction, for the next claim to decide again.
    expect(await ledger.claimNextJob('w2', 1_600, 1_000)).toMatchObject({
      sessionId: 'cs_g',
      state: 'pending',
      corrections: { plate: 'NEW1' },
    });
  });

  test('changeJob: read, decide, write one job and a note atomically; concurrent inserts make one', async () => {
    const decideInsert = (job: Job | undefined): JobChange<string> => {
      if (job) return { result: 'exists' };
      const fresh: Job = {
        ...emptyJob('cs_x', 1_000),
        session: session('cs_x'),
        paidEventId: 'evt_x',
        paidAt: 1_780_000_000,
        permit,
        leaseOwner: 'replay',
        leaseExpiresAt: 31_000,
        updateOf: 'R-9',
        corrections: { plate: 'B2', by: 'dana', at: '2026-11-28T00:00:00Z' },
        writeBackRound: 2,
      };
      return {
        result: 'inserted',
        write: fresh,
        note: {
          eventId: `replay:${seq++}`,
          eventType: 'replay.new',
          sessionId: 'cs_x',
          eventCreated: 1,
          livemode: false,
          outcome: 'replay.new',
          detail: '{"by":"dana"}',
          receivedAt: 1_000,
        },
      };
    };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => ledger.changeJob('cs_x', decideInsert)),
    );
    expect(results.filter((r) => r === 'inserted')).toHaveLength(1);
    const stored = await ledger.getJob('cs_x');
    expect(stored).toEqual(decideInsert(undefined).write);
    expect(await ledger.listEvents('cs_x')).toEqual([
      expect.objectContaining({ eventType: 'replay.new', detail: '{"by":"dana"}' }),
    ]);
    // A replacement keeps nothing of the old row but what the decision says.
    await ledger.changeJob('cs_x', (job) => ({
      result: undefined,
      write: { ...job!, state: 'failed', permit: null, corrections: null, lastError: 'x' },
    }));
    expect(await ledger.getJob('cs_x')).toMatchObject({
      state: 'failed',
      permit: null,
      corrections: null,
      updateOf: 'R-9',
    });
    // The lease it wrote is honoured by the worker's claim.
    await ledger.changeJob('cs_x', (job) => ({
      result: undefined,
      write: { ...job!, state: 'pending', leaseOwner: 'replay', leaseExpiresAt: 31_000 },
    }));
    expect(await ledger.claimNextJob('w1', 30_999, 1_000)).toBeUndefined();
    expect(await ledger.claimNextJob('w1', 31_000, 1_000)).toMatchObject({ sessionId: 'cs_x' });
  });

  test('findKnownEnd leaves out the session asking', async () => {
    await ledger.recordSessionEvent(event('cs_k', 'paid'));
    await ledger.claimNextJob('w1', 1_500, 1_000);
    await ledger.startOpscomAttempt(lease('cs_k', 'w1', 1_600), permit);
    await ledger.recordOpscomResult(lease('cs_k', 'w1', 1_700), 1, {
      referenceId: 'R-K',
      internalReferenceId: undefined,
      endsAt: permit.endsAt,
    });
    expect(await ledger.findKnownEnd('R-K')).toBe(permit.endsAt);
    expect(await ledger.findKnownEnd('R-K', 'cs_k')).toBeUndefined();
  });

  test('a job keeps the trace context of what recorded it or last made it due, through every write', async () => {
    const ctx = (n: number) => `00-${String(n).padStart(32, 'a')}-${'b'.repeat(16)}-01`;
    const contextOf = async (id: string) => (await ledger.getJob(id))?.traceContext;
    // Created by its event: that event's; an event that changes nothing keeps it.
    await ledger.recordSessionEvent(event('cs_t1', 'paid', { traceContext: ctx(1) }));
    await ledger.recordSessionEvent(event('cs_t1', 'payment_failed', { traceContext: ctx(2) }));
    expect(await contextOf('cs_t1')).toBe(ctx(1));
    // A delayed payment: the event that made it due; recorded without one (tracing off), the
    // one before stays; none ever: null.
    await ledger.recordSessionEvent(event('cs_t2', 'awaiting_payment', { traceContext: ctx(3) }));
    await ledger.recordSessionEvent(event('cs_t2', 'paid', { traceContext: ctx(4) }));
    expect(await contextOf('cs_t2')).toBe(ctx(4));
    await ledger.recordSessionEvent(event('cs_t3', 'awaiting_payment', { traceContext: ctx(5) }));
    await ledger.recordSessionEvent(event('cs_t3', 'paid'));
    expect(await contextOf('cs_t3')).toBe(ctx(5));
    await ledger.recordSessionEvent(event('cs_t4', 'paid'));
    expect(await contextOf('cs_t4')).toBeNull();
    // A refund that sends the job back to the worker: the refund's.
    await ledger.recordSessionEvent({ ...paidWith('cs_t5', 'pi_t5', 1_000), traceContext: ctx(6) });
    await ledger.recordPaymentEvent({
      ...refund('evt_t5_refund', 'pi_t5', 100, 1_780_000_100, 1_100),
      traceContext: ctx(7),
    });
    expect(await contextOf('cs_t5')).toBe(ctx(7));
    // A whole-row write (replay's changeJob) keeps it; a claim brings it.
    await ledger.changeJob('cs_t5', (job) => ({
      result: undefined,
      write: { ...job!, updatedAt: 1_200 },
    }));
    expect(await contextOf('cs_t5')).toBe(ctx(7));
    const claimed = new Map<string, string | null>();
    for (let job; (job = await ledger.claimNextJob('w1', 5_000, 1_000));) {
      claimed.set(job.sessionId, job.traceContext);
    }
    expect(Object.fromEntries(claimed)).toEqual({
      cs_t1: ctx(1),
      cs_t2: ctx(4),
      cs_t3: ctx(5),
      cs_t4: null,
      cs_t5: ctx(7),
    });
  });

  test('ping answers', async () => {
    await expect(ledger.ping()).resolves.toBeUndefined();
  });

  test('a ledger whose schema is behind or ahead is refused with what to do', async () => {
    await ledger.close();
    if (store.kind === 'sqlite') {
      const db = openSqliteDatabase(store.sqlitePath);
      db.exec(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)",
      );
      db.close();
    } else {
      const pool = createPool({ ...store, poolSize: 1 });
      await pool.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')");
      await pool.end();
    }
    await expect(openLedger(store, logger)).rejects.toThrow(
      /schema version 999, newer than this adapter's \d+/,
    );
    const empty = await makeStore();
    const refused = await openLedger(empty, logger).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(SchemaError);
    expect((refused as Error).message).toMatch(
      /schema version 0, this adapter needs \d+: run `npm run migrate`/,
    );
    ledger = await openLedgerAfterMigrate(empty);
  });

  describe('verification (seen by enforcement)', () => {
    const timing = { leaseMs: 60_000, delayMs: 1_000, everyMs: 5_000, limit: 10 };
    /** A paid session whose permit OPSCOM answered at `at`, for `plate`. */
    async function madePermit(sessionId: string, plate: string, at: number) {
      await ledger.recordSessionEvent(event(sessionId, 'paid', { receivedAt: at - 100 }));
      const claimed = await ledger.claimNextJob('w1', at - 50, 1_000);
      expect(claimed?.sessionId).toBe(sessionId);
      const held = lease(sessionId, 'w1', at);
      expect(await ledger.startOpscomAttempt(held, { ...permit, plate })).toBe(true);
      const referenceId = `OC-${sessionId}`;
      expect(
        await ledger.recordOpscomResult(held, 1, {
          referenceId,
          internalReferenceId: undefined,
          endsAt: permit.endsAt,
          live: {
            ...permit,
            plate,
            referenceId,
            internalReferenceId: undefined,
            status: 'active',
            replaced: null,
          },
        }),
      ).toBe(true);
    }
    const claim = (owner: string, now: number, extra: Partial<typeof timing> = {}) =>
      ledger.claimVerifications({ owner, now, ...timing, ...extra });
    const ids = (rows: Array<{ sessionId: string }>) => rows.map((r) => r.sessionId).sort();

    test('a permit made schedules its check, claimed once its delay has passed, by one owner at a time', async () => {
      await madePermit('cs_v1', 'P1', 10_000);
      expect(await ledger.getVerification('cs_v1')).toMatchObject({
        plate: 'P1',
        state: 'scheduled',
        countFrom: 10_000,
        checks: 0,
      });
      expect(await claim('v1', 10_500)).toEqual([]);
      const [row] = await claim('v1', 11_000);
      expect(row).toMatchObject({ sessionId: 'cs_v1', leaseOwner: 'v1' });
      expect(await claim('v2', 11_000)).toEqual([]);
      const written = await ledger.finishVerification({
        sessionId: 'cs_v1',
        owner: 'v1',
        generation: row!.generation,
        state: 'visible',
        misses: 0,
        checked: { at: 11_100, result: 'visible', seen: '{"plate":"P1","permits":[]}' },
        error: null,
        countFrom: 11_100 + 5_000 - 1_000,
      });
      expect(written).toBe(true);
      expect(await ledger.getVerification('cs_v1')).toMatchObject({
        state: 'visible',
        checks: 1,
        lastCheckedAt: 11_100,
        lastResult: 'visible',
        leaseOwner: null,
      });
      expect(await claim('v2', 15_000)).toEqual([]); // the next round is not due yet
      expect(ids(await claim('v2', 16_100))).toEqual(['cs_v1']);
    });

    test("a permit's first check comes before older permits' re-checks, however overdue", async () => {
      await madePermit('cs_old', 'P5', 10_000);
      await madePermit('cs_new', 'P6', 10_200);
      const seen = (row: { sessionId: string; generation: number }, plate: string) =>
        ledger.finishVerification({
          sessionId: row.sessionId,
          owner: 'v1',
          generation: row.generation,
          state: 'visible',
          misses: 0,
          checked: { at: 11_300, result: 'visible', seen: `{"plate":"${plate}","permits":[]}` },
          error: null,
          countFrom: 11_300 + 5_000 - 1_000,
        });
      const both = await claim('v1', 11_300);
      expect(ids(both)).toEqual(['cs_new', 'cs_old']);
      for (const row of both) expect(await seen(row, row.plate)).toBe(true);
      // cs_new's permit changes at 40_000: its first check since is due from 41_000, while
      // cs_old's re-check has been due since 16_300.
      await ledger.changeJob('cs_new', (job) => ({
        result: null,
        write: {
          ...job!,
          opscom: { ...job!.opscom!, endsAt: '2026-01-01T12:00:00-05:00' },
          updatedAt: 40_000,
        },
      }));
      expect(await ledger.getVerification('cs_new')).toMatchObject({ state: 'scheduled' });
      expect(ids(await claim('v2', 50_000, { limit: 1 }))).toEqual(['cs_new']);
      expect(ids(await claim('v3', 50_000, { limit: 1 }))).toEqual(['cs_old']);
    });

    test('one plate, one claim: its other permits due within the round come along', async () => {
      await madePermit('cs_p1', 'P2', 10_000);
      await madePermit('cs_p2', 'P2', 10_100);
      await madePermit('cs_p3', 'P3', 10_200);
      expect(ids(await claim('v1', 20_000, { limit: 1 }))).toEqual(['cs_p1', 'cs_p2']);
      expect(ids(await claim('v2', 20_000, { limit: 10 }))).toEqual(['cs_p3']);
    });

    test("a change during a check wins: that check is not recorded, the change's is due", async () => {
      await madePermit('cs_g', 'P4', 10_000);
      const [row] = await claim('v1', 11_000);
      await ledger.changeJob('cs_g', (job) => ({
        result: null,
        write: {
          ...job!,
          opscom: { ...job!.opscom!, endsAt: '2026-01-01T12:00:00-05:00' },
          updatedAt: 11_500,
        },
      }));
      const stale = {
        sessionId: 'cs_g',
        owner: 'v1',
        generation: row!.generation,
        state: 'not_visible' as const,
        misses: 2,
        error: null,
        countFrom: 99_000,
      };
      expect(await ledger.finishVerification(stale)).toBe(false);
      expect(await ledger.getVerification('cs_g')).toMatchObject({
        state: 'scheduled',
        generation: row!.generation + 1,
        countFrom: 11_500,
        checks: 0,
        leaseOwner: null,
      });
    });

    test("unseen permits are counted and listed; an operator's acceptance ends their checks", async () => {
      await madePermit('cs_u', 'P5', 10_000);
      await madePermit('cs_ok', 'P6', 10_000);
      const rows = await claim('v1', 11_000);
      for (const row of rows) {
        const lost = row.sessionId === 'cs_u';
        await ledger.finishVerification({
          sessionId: row.sessionId,
          owner: 'v1',
          generation: row.generation,
          state: lost ? 'not_visible' : 'visible',
          misses: lost ? 2 : 0,
          error: null,
          countFrom: 15_000,
        });
      }
      expect(await ledger.countUnseen()).toEqual({ not_visible: 1 });
      expect(ids(await ledger.unseenNeedingAlert(10))).toEqual(['cs_u']);
      await ledger.raiseAlert({
        key: 'seen:cs_u',
        kind: 'not_visible',
        sessionId: 'cs_u',
        message: 'm',
        now: 11_500,
      });
      expect(await ledger.unseenNeedingAlert(10)).toEqual([]);
      expect(await ledger.resolvedUnseenAlerts()).toEqual([]);
      const unseen = await ledger.findJobs({ unseen: true, limit: 10, offset: 0 });
      expect(unseen.map((j) => j.sessionId)).toEqual(['cs_u']);
      expect(
        ids(await ledger.listVerifications({ states: ['not_visible'], limit: 10, offset: 0 })),
      ).toEqual(['cs_u']);
      expect(ids(await ledger.verificationsOf(['cs_u', 'cs_ok', 'cs_none']))).toEqual([
        'cs_ok',
        'cs_u',
      ]);
      expect(await ledger.decideVerification('cs_ok', 'accepted', 'console:ann', 12_000)).toBe(
        false,
      );
      expect(await ledger.decideVerification('cs_u', 'accepted', 'console:ann', 12_000)).toBe(true);
      expect(await ledger.decideVerification('cs_u', 'accepted', 'console:ann', 12_001)).toBe(
        false,
      );
      expect(await ledger.getVerification('cs_u')).toMatchObject({
        state: 'accepted',
        decision: 'accepted',
        decidedBy: 'console:ann',
        decidedAt: 12_000,
        countFrom: null,
      });
      expect(await ledger.countUnseen()).toEqual({});
      const resolved = await ledger.resolvedUnseenAlerts();
      expect(resolved.map((r) => [r.key, r.verification.state])).toEqual([
        ['seen:cs_u', 'accepted'],
      ]);
      expect(await ledger.findJobs({ unseen: true, limit: 10, offset: 0 })).toEqual([]);
      expect(ids(await claim('v1', 99_000))).toEqual(['cs_ok']);
    });
  });
});

async function openLedgerAfterMigrate(store: StoreConfig): Promise<Ledger> {
  const { to } = await migrateLedger(store);
  expect(to).toBeGreaterThanOrEqual(1);
  expect(await migrateLedger(store)).toEqual({ from: to, to });
  return openLedger(store, logger);
}

const onPostgres = backends.some(([name]) => name === 'postgres') ? describe : describe.skip;
onPostgres('PostgreSQL job notifications', () => {
  test('a job recorded through one ledger wakes the listeners of another', async () => {
    const url = await freshDatabase();
    const store: StoreConfig = { kind: 'postgres', url, ssl: false, poolSize: 2 };
    await migrateLedger(store);
    const a = await openLedger(store, logger);
    const b = await openLedger(store, logger);
    let heard = 0;
    b.onJobAvailable(() => heard++);
    await new Promise((r) => setTimeout(r, 300)); // LISTEN connected (it also calls once)
    const before = heard;
    await a.recordSessionEvent(event('cs_n', 'paid'));
    const deadline = Date.now() + 3000;
    while (heard === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(heard).toBeGreaterThan(before);
    await a.close();
    await b.close();
  });
});

onPostgres('PostgreSQL changeJob', () => {
  test('an insert that never lands is an error, never a write reported done', async () => {
    const store: StoreConfig = {
      kind: 'postgres',
      url: await freshDatabase(),
      ssl: false,
      poolSize: 2,
    };
    await migrateLedger(store);
    const ledger = await openLedger(store, logger);
    // A trigger drops every insert of one session, as five inserts each lost to a concurrent
    // process would look from here.
    const pool = createPool(store);
    await pool.query(`
      CREATE FUNCTION drop_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
      CREATE TRIGGER drop_ghost BEFORE INSERT ON jobs FOR EACH ROW
        WHEN (NEW.session_id = 'cs_ghost') EXECUTE FUNCTION drop_insert();`);
    await pool.end();
    await ledger.recordSessionEvent(event('cs_model', 'paid'));
    const model = (await ledger.getJob('cs_model'))!;
    await expect(
      ledger.changeJob('cs_ghost', () => ({
        result: 'written',
        write: { ...model, sessionId: 'cs_ghost' },
      })),
    ).rejects.toThrow(/job cs_ghost was created by another process five times/);
    expect(await ledger.getJob('cs_ghost')).toBeUndefined();
    await ledger.close();
  });
});
