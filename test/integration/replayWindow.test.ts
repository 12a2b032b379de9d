import { startHarness, type Harness } from '../support/harness';
import { opscomCreates, runReplayCli, seedPaidSession } from '../support/replay';
import { waitFor } from '../support/serverProcess';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const minutesAgo = (m: number) => Math.floor(Date.now() / 1000) - m * 60;

describe('npm run replay --since', () => {
  test('300 sessions across pages: recovered, already done, unpaid, bad metadata; older than 30 days too', async () => {
    h = await startHarness({ WORKER_CONCURRENCY: '8' });
    const recent: string[] = [];
    const done: string[] = [];
    const unpaid: string[] = [];
    const bad: string[] = [];
    const old: string[] = [];
    for (let i = 0; i < 300; i++) {
      const created = minutesAgo(10 + i);
      if (i % 10 === 0) {
        unpaid.push(seedPaidSession(h, { payment_status: 'unpaid' }, created).session.id);
      } else if (i % 10 === 1) {
        bad.push(
          seedPaidSession(h, { metadata: { plate: 'AB123', duration: 'forever' } }, created).session
            .id,
        );
      } else if (i % 10 === 2) {
        const { session, event } = seedPaidSession(h, {}, created);
        await h.post(event);
        done.push(session.id);
      } else {
        recent.push(seedPaidSession(h, {}, created).session.id);
      }
    }
    // Five paid 40 days ago: Stripe has no events for them any more.
    for (let i = 0; i < 5; i++) {
      const created = Math.floor(Date.now() / 1000) - 40 * 24 * 3600 - i * 60;
      const session = seedPaidSession(h, {}, created);
      h.stripe.events.delete(session.event.id);
      old.push(session.session.id);
    }
    for (const id of done) await h.waitForJob(id, ['done']);
    const createsBefore = opscomCreates(h).length;

    const since = new Date(Date.now() - 45 * 24 * 3600 * 1000).toISOString();
    const run = await runReplayCli(h, ['--since', since, '--json']);
    const outcomes = [...run.outcomes.values()];
    expect(outcomes).toHaveLength(305);
    const of = (ids: string[]) => ids.map((id) => run.outcomes.get(id)?.outcome);
    expect(new Set(of(recent))).toEqual(new Set(['created']));
    expect(new Set(of(old))).toEqual(new Set(['created']));
    expect(new Set(of(done))).toEqual(new Set(['already done']));
    expect(new Set(of(unpaid))).toEqual(new Set(['skipped']));
    expect(new Set(of(bad))).toEqual(new Set(['failed']));
    expect(run.outcomes.get(bad[0]!)?.detail).toMatch(/duration/);
    expect(run.code).toBe(1);
    expect(run.summary?.counts).toEqual({
      created: 215,
      'already done': 30,
      skipped: 30,
      failed: 30,
    });
    expect(opscomCreates(h).length - createsBefore).toBe(215);
    // Paged: the events list was read more than once, with cursors.
    const lists = h.stripe.received.filter((r) => r.method === 'GET' && r.path === '/v1/events');
    expect(lists.length).toBeGreaterThanOrEqual(3);
    expect(lists.some((r) => typeof r.params['starting_after'] === 'string')).toBe(true);
    for (const id of old) expect(run.outcomes.get(id)?.paidVia).toMatch(/^charge /);

    const again = await runReplayCli(h, ['--since', since, '--json']);
    expect(opscomCreates(h).length - createsBefore).toBe(215);
    expect(again.summary?.counts).toEqual({ 'already done': 245, skipped: 30, failed: 30 });
  }, 60_000);
});

describe('a Stripe outage in the middle of a --since run', () => {
  test('is reported, exits 1, and the printed command goes on from where it stopped', async () => {
    h = await startHarness();
    for (let i = 0; i < 250; i++) seedPaidSession(h, {}, minutesAgo(5 + i));
    const since = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    let queued = false;
    // Once the first page is being replayed, Stripe's events list starts failing.
    const run = await runReplayCli(h, ['--since', since, '--json'], {
      onLine: () => {
        if (queued) return;
        queued = true;
        h.stripe.faults.next('500', 50, '/v1/events');
      },
    });
    expect(run.code).toBe(1);
    const stopped = run.summary?.stopped;
    expect(stopped?.reason).toMatch(/Stripe list of events failed \(HTTP 500\)/);
    const created = run.summary?.counts.created ?? 0;
    expect(created).toBe(100); // the first page, finished before the second failed
    expect(opscomCreates(h)).toHaveLength(100);
    expect(stopped?.resume).toMatch(
      /^npm run replay -- --since \S+ --until \S+ --stripe-rate 1000 --json$/,
    );

    h.stripe.faults.clear();
    const args = stopped!.resume.replace(/^npm run replay -- /, '').split(' ');
    const rest = await runReplayCli(h, args);
    expect(rest.code).toBe(0);
    // The session at the place it stopped is looked at again and found done; none is doubled.
    expect(rest.summary?.counts).toEqual({ created: 150, 'already done': 1 });
    expect(opscomCreates(h)).toHaveLength(250);
  }, 30_000);
});

describe('npm run replay --since … --dry-run (the reconcile report)', () => {
  test('lists paid sessions with no permit, permits missing from Stripe, failed jobs; changes nothing', async () => {
    h = await startHarness();
    const missing = seedPaidSession(h, { metadata: { plate: 'MISS1', duration: '60' } });
    const unwritten = seedPaidSession(h);
    const rejected = seedPaidSession(h, {
      metadata: { plate: 'AB123', duration: '60', reference_id: 'OC-999999' },
    });
    const unmappable = seedPaidSession(h, { metadata: { plate: 'AB123', duration: 'soon' } });
    const fine = seedPaidSession(h);
    for (const s of [unwritten, rejected, unmappable, fine]) await h.post(s.event);
    const written = await h.waitForJob(unwritten.session.id, ['done']);
    await h.waitForJob(fine.session.id, ['done']);
    await h.waitForJob(rejected.session.id, ['failed']);
    await h.waitForJob(unmappable.session.id, ['failed']);
    // The write-back was lost on Stripe's side (someone edited the metadata).
    delete h.stripe.sessions.get(unwritten.session.id)!.metadata['opscom_reference_id'];

    const before = {
      opscom: h.opscom.received.length,
      stripeWrites: h.stripe.received.filter((r) => r.method === 'POST').length,
      jobs: await h.adapter.ledger.listJobs(),
      events: (await h.adapter.ledger.listEvents()).length,
    };
    const since = new Date(Date.now() - 3600 * 1000).toISOString();
    const run = await runReplayCli(h, ['--since', since, '--dry-run', '--json']);
    expect(run.outcomes.get(missing.session.id)).toMatchObject({
      outcome: 'would create',
      plate: 'MISS1',
    });
    expect(run.outcomes.get(unwritten.session.id)).toMatchObject({
      outcome: 'would write back',
      referenceId: written.opscom?.referenceId,
    });
    expect(run.outcomes.get(rejected.session.id)).toMatchObject({ outcome: 'would retry' });
    expect(run.outcomes.get(rejected.session.id)?.detail).toMatch(/9009/);
    expect(run.outcomes.get(unmappable.session.id)).toMatchObject({ outcome: 'would fail' });
    expect(run.outcomes.get(fine.session.id)).toMatchObject({ outcome: 'already done' });
    expect(run.code).toBe(1); // something needs an operator

    const table = await runReplayCli(h, ['--since', since, '--dry-run']);
    expect(table.stdout).toMatch(/Reconcile\n\s+paid, no permit:\s+2 \(1 cannot be mapped/);
    expect(table.stdout).toMatch(/permit not in Stripe's metadata:\s+1/);
    expect(table.stdout).toMatch(/failed in the ledger:\s+1/);
    expect(table.stdout).toMatch(/dry run: nothing was changed/);

    expect(h.opscom.received).toHaveLength(before.opscom);
    expect(h.stripe.received.filter((r) => r.method === 'POST')).toHaveLength(before.stripeWrites);
    expect(await h.adapter.ledger.listJobs()).toEqual(before.jobs);
    expect(await h.adapter.ledger.listEvents()).toHaveLength(before.events);

    // The real run repairs the write-back in Stripe (a new request, not Stripe's cached
    // answer to the first one's idempotency key).
    const repaired = await runReplayCli(h, ['--since', since, '--json']);
    expect(repaired.outcomes.get(unwritten.session.id)).toMatchObject({
      outcome: 'already done',
      detail: 'write-back to Stripe finished now',
    });
    expect(h.stripe.sessions.get(unwritten.session.id)?.metadata['opscom_reference_id']).toBe(
      written.opscom?.referenceId,
    );
  });
});

describe('the reconcile report with seen by enforcement (OPSCOM_VERIFY=on)', () => {
  test('marks each permit with what enforcement sees, counts them, exits 1 for one not seen', async () => {
    h = await startHarness({
      OPSCOM_VERIFY: 'on',
      OPSCOM_VERIFY_DELAY_SECONDS: '1',
      OPSCOM_VERIFY_EVERY_SECONDS: '3600',
    });
    h.opscom.enforcement.unusedZones.add('NOLOT');
    const seen = seedPaidSession(h, { metadata: { plate: 'SEEN1', duration: '120' } });
    const unseen = seedPaidSession(h, {
      metadata: { plate: 'UNSEEN1', duration: '120', zone: 'NOLOT' },
    });
    for (const s of [seen, unseen]) await h.post(s.event);
    for (const s of [seen, unseen]) await h.waitForJob(s.session.id, ['done']);
    const state = (id: string) => async () => (await h.adapter.ledger.getVerification(id))?.state;
    await waitFor(
      'the permit seen',
      async () => ((await state(seen.session.id)()) === 'visible' ? true : undefined),
      20_000,
    );
    await waitFor(
      'the other found not visible',
      async () => ((await state(unseen.session.id)()) === 'not_visible' ? true : undefined),
      20_000,
    );
    // A third permit, made after the checks, has none yet.
    const fresh = seedPaidSession(h, { metadata: { plate: 'FRESH1', duration: '120' } });
    await h.post(fresh.event);
    await h.waitForJob(fresh.session.id, ['done']);

    const since = new Date(Date.now() - 3600 * 1000).toISOString();
    const run = await runReplayCli(h, ['--since', since, '--dry-run', '--json']);
    expect(run.outcomes.get(seen.session.id)).toMatchObject({
      outcome: 'already done',
      seen: 'seen',
    });
    expect(run.outcomes.get(seen.session.id)?.seenCheckedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(run.outcomes.get(unseen.session.id)).toMatchObject({
      outcome: 'already done',
      seen: 'not seen',
    });
    expect(['not checked', 'seen']).toContain(run.outcomes.get(fresh.session.id)?.seen);
    expect(run.code).toBe(1);

    const table = await runReplayCli(h, ['--since', since, '--dry-run']);
    expect(table.stdout).toMatch(/UNSEEN1 .*already done.*\[enforcement: not seen, checked /);
    expect(table.stdout).toMatch(/permitted, NOT seen by enforcement: 1 /);
    expect(table.stdout).toMatch(/permitted, seen by enforcement:\s+[12]\n/);

    // Staff remove the seen permit inside OPSCOM: the report reads the last check until asked
    // to check now; one miss is said as such, the second makes it not seen.
    const seenJob = await h.adapter.ledger.getJob(seen.session.id);
    expect(h.opscom.enforcement.removeByStaff(seenJob!.opscom!.referenceId)).toBe(true);
    const stale = await runReplayCli(h, ['--session', seen.session.id, '--dry-run', '--json']);
    expect(stale.outcomes.get(seen.session.id)?.seen).toBe('seen');
    const validations = () =>
      h.opscom.received.filter((r) => r.path.endsWith('/validate/plate')).length;
    const asked = validations();
    const once = await runReplayCli(h, [
      '--session',
      seen.session.id,
      '--dry-run',
      '--check-now',
      '--json',
    ]);
    expect(validations()).toBe(asked + 1);
    expect(once.outcomes.get(seen.session.id)?.seen).toBe('missed once');
    const twice = await runReplayCli(h, [
      '--session',
      seen.session.id,
      '--dry-run',
      '--check-now',
      '--json',
    ]);
    expect(twice.outcomes.get(seen.session.id)?.seen).toBe('not seen');
    expect(twice.code).toBe(1);
    // Found, never re-created: no second OPSCOM create for it.
    expect(opscomCreates(h).filter((r) => r.body['LicencePlate'] === 'SEEN1')).toHaveLength(1);
  });

  test('--check-now needs OPSCOM_VERIFY=on and --dry-run', async () => {
    h = await startHarness();
    const off = await runReplayCli(h, ['--since', 'PT1H', '--dry-run', '--check-now']);
    expect(off.code).toBe(2);
    expect(off.stderr).toMatch(/--check-now .*OPSCOM_VERIFY=on/);
    const wet = await runReplayCli(h, ['--since', 'PT1H', '--check-now']);
    expect(wet.code).toBe(2);
    expect(wet.stderr).toMatch(/--check-now goes with --dry-run/);
  });
});

describe('what the operator sees', () => {
  test('a line per session and a summary; a progress bar only on a terminal', async () => {
    h = await startHarness();
    const ids = [0, 1, 2].map((i) => seedPaidSession(h, {}, minutesAgo(5 + i)).session.id);
    const since = new Date(Date.now() - 3600 * 1000).toISOString();
    const tty = await runReplayCli(h, ['--since', since], { isTTY: true });
    expect(tty.code).toBe(0);
    for (const id of ids) {
      expect(tty.stdout).toMatch(
        new RegExp(`^${id}\\s+ABC123\\s+\\S+-05:00\\s+OC-\\d+\\s+created$`, 'm'),
      );
    }
    expect(tty.stdout).toMatch(/Summary \(\d+\.\d s\)\n\s+created\s+3\n\s+sessions\s+3/);
    const ESC = String.fromCharCode(27);
    expect(tty.stderr).toContain(`\r${ESC}[K[`);
    expect(tty.stderr).toMatch(/\[#+\.*\] 3\/3 sessions/);

    // A duration is that long before now: what a nightly scheduled run uses.
    const plain = await runReplayCli(h, ['--since', 'PT1H']);
    expect(plain.stdout).toMatch(/\n\s+already done\s+3\n/);
    expect(plain.stderr).not.toMatch(/\r/);
  });
});
