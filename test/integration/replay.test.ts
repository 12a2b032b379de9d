import { DateTime } from 'luxon';
import { startHarness, type Harness } from '../support/harness';
import { opscomCreates, opscomUpdates, runReplayCli, seedPaidSession } from '../support/replay';
import { makeEvent } from '../support/stripeFixtures';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const minutesAgo = (m: number) => Math.floor(Date.now() / 1000) - m * 60;
const localTime = (seconds: number) =>
  DateTime.fromSeconds(seconds, { zone: 'America/Toronto' }).toFormat("yyyy-MM-dd'T'HH:mm:ss");

describe('npm run replay --session', () => {
  beforeEach(async () => {
    h = await startHarness();
  });

  test('a paid session the webhook never delivered is recovered once; a second run changes nothing', async () => {
    const paidAt = minutesAgo(30);
    const { session, event } = seedPaidSession(
      h,
      { metadata: { plate: 'ab 123', duration: '120' } },
      paidAt,
    );

    const first = await runReplayCli(h, ['--session', session.id, '--json']);
    expect(first.code).toBe(0);
    const outcome = first.outcomes.get(session.id);
    expect(outcome).toMatchObject({
      outcome: 'created',
      plate: 'AB123',
      paidVia: `event ${event.id}`,
    });
    expect(opscomCreates(h)).toHaveLength(1);
    // The permit starts when the payment completed, not when replay ran.
    expect(opscomCreates(h)[0]!.body['startTime']).toBe(localTime(paidAt));
    expect(opscomCreates(h)[0]!.body['endTime']).toBe(localTime(paidAt + 7200));
    expect(h.stripe.sessions.get(session.id)?.metadata['opscom_reference_id']).toBe(
      outcome?.referenceId,
    );
    const job = await h.adapter.ledger.getJob(session.id);
    expect(job).toMatchObject({ state: 'done', paidEventId: event.id, paidAt });

    const second = await runReplayCli(h, ['--session', session.id, '--json']);
    expect(second.code).toBe(0);
    expect(second.outcomes.get(session.id)).toMatchObject({
      outcome: 'already done',
      referenceId: outcome?.referenceId,
    });
    expect(opscomCreates(h)).toHaveLength(1);
    // The webhook arriving late changes nothing either.
    expect((await h.post(event)).status).toBe(200);
    expect(await h.adapter.ledger.getJob(session.id)).toMatchObject({
      state: 'done',
      opscomAttempts: 1,
    });
    expect(opscomCreates(h)).toHaveLength(1);
  });

  test('a session whose events are gone (past 30 days) starts at its charge, and says so', async () => {
    const created = Math.floor(Date.now() / 1000) - 40 * 24 * 3600;
    const session = { ...seedPaidSession(h, {}, created).session };
    h.stripe.events.clear();
    const run = await runReplayCli(h, ['--session', session.id, '--json']);
    expect(run.outcomes.get(session.id)).toMatchObject({ outcome: 'created' });
    expect(run.outcomes.get(session.id)?.paidVia).toMatch(/^charge ch_/);
    const other = seedPaidSession(h, {}, created).session;
    h.stripe.events.clear();
    const table = await runReplayCli(h, ['--session', other.id]);
    expect(table.stdout).toMatch(/ created {2}\[paid: charge ch_\w+ \(no event\)\]\n/);
    expect(opscomCreates(h)[0]!.body['startTime']).toBe(localTime(created));
  });

  test('a reference already in Stripe metadata (ledger restored from an old backup) is already done, and recorded', async () => {
    const { session, event } = seedPaidSession(h);
    h.stripe.sessions.get(session.id)!.metadata['opscom_reference_id'] = 'OC-777';
    const run = await runReplayCli(h, ['--session', session.id, '--json']);
    expect(run.outcomes.get(session.id)).toMatchObject({
      outcome: 'already done',
      referenceId: 'OC-777',
    });
    expect(h.opscom.received).toHaveLength(0);
    // A late delivery of the original event must not make a second permit now.
    await h.post(event);
    expect(await h.adapter.ledger.getJob(session.id)).toMatchObject({
      state: 'done',
      opscomAttempts: 0,
    });
    expect(h.opscom.received).toHaveLength(0);
  });

  test('--force sends an update of the same reference, never a second create', async () => {
    const { session } = seedPaidSession(h, { metadata: { plate: 'AB123', duration: '60' } });
    const first = await runReplayCli(h, ['--session', session.id, '--json']);
    const reference = first.outcomes.get(session.id)?.referenceId;
    expect(reference).toMatch(/^OC-/);

    const forced = await runReplayCli(h, ['--session', session.id, '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(forced.outcomes.get(session.id)).toMatchObject({
      outcome: 'updated',
      referenceId: reference,
    });
    expect(opscomCreates(h)).toHaveLength(1);
    expect(opscomUpdates(h)).toHaveLength(1);
    const update = opscomUpdates(h)[0]!.body;
    expect(update['referenceID']).toBe(reference);
    // The same end as the permit it re-sends: a force does not extend it.
    expect(update['endTime']).toBe(opscomCreates(h)[0]!.body['endTime']);
    const events = await h.adapter.ledger.listEvents(session.id);
    expect(events.map((e) => e.eventType)).toEqual(['replay.new', 'replay.force']);
    expect(JSON.parse(events[1]!.detail!)).toMatchObject({ updateOf: reference });

    // Forced with a corrected duration: the same permit, a new end, written back to Stripe
    // (a new write, not Stripe's cached answer to the first write-back).
    const longer = await runReplayCli(h, [
      '--session',
      session.id,
      '--force',
      '--duration',
      '3h',
      '--json',
    ]);
    expect(longer.outcomes.get(session.id)).toMatchObject({
      outcome: 'updated',
      referenceId: reference,
    });
    expect(opscomCreates(h)).toHaveLength(1);
    const newEnd = longer.outcomes.get(session.id)?.endsAt;
    expect(newEnd).not.toBe(first.outcomes.get(session.id)?.endsAt);
    expect(h.stripe.sessions.get(session.id)?.metadata['opscom_end_time']).toBe(newEnd);
  });

  test('a correction maps the permit with the operator’s values, keeps the metadata, records who and when', async () => {
    const { session, event } = seedPaidSession(h, { metadata: { duration: '60' } });
    await h.post(event);
    const failed = await h.waitForJob(session.id, ['failed']);
    expect(failed.lastError).toMatch(/plate/);

    const run = await runReplayCli(h, [
      '--session',
      session.id,
      '--plate',
      'xy-987',
      '--by',
      'dana',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(run.outcomes.get(session.id)).toMatchObject({ outcome: 'created', plate: 'XY987' });
    expect(opscomCreates(h)[0]!.body['LicencePlate']).toBe('XY987');
    const job = await h.adapter.ledger.getJob(session.id);
    expect(job?.session.metadata).toEqual({ duration: '60' });
    expect(job?.corrections).toMatchObject({ plate: 'XY987', by: 'dana' });
    expect(Date.parse(job!.corrections!.at)).toBeGreaterThan(Date.now() - 60_000);
    const note = (await h.adapter.ledger.listEvents(session.id)).find(
      (e) => e.eventType === 'replay.corrected',
    );
    expect(JSON.parse(note!.detail!)).toMatchObject({ by: 'dana', correction: { plate: 'XY987' } });
    expect(run.stderr).toMatch(/operator correction for a session/);
    // Stripe's metadata is not rewritten, only given the reference.
    expect(h.stripe.sessions.get(session.id)?.metadata['plate']).toBeUndefined();
    // A correction of a session that has its permit changes that permit: never a second one.
    const late = await runReplayCli(h, ['--session', session.id, '--plate', 'ZZ1', '--json']);
    expect(late.outcomes.get(session.id)).toMatchObject({ outcome: 'updated', plate: 'ZZ1' });
    expect(opscomCreates(h)).toHaveLength(1);
    expect(opscomUpdates(h).map((u) => [u.body['referenceID'], u.body['plate']])).toEqual([
      [job!.opscom!.referenceId, 'ZZ1'],
    ]);
    expect(h.stripe.sessions.get(session.id)?.metadata['opscom_permit_status']).toBe('active');
  });

  test('a zone correction of a live permit deletes it and creates the new one; the old is recorded as replaced', async () => {
    const { session, event } = seedPaidSession(h, { metadata: { plate: 'AB1', duration: '60' } });
    await h.post(event);
    const done = await h.waitForJob(session.id, ['done']);
    const old = done.opscom!.referenceId;
    // The create after the delete fails once: the job retries it, and meanwhile the ledger
    // says the old permit is gone and no new one exists yet.
    h.opscom.faults.next('500', 1, '/api/OC-TOMA/v1/permits/push');
    const run = await runReplayCli(h, [
      '--session',
      session.id,
      '--zone',
      'Z9',
      '--by',
      'sam',
      '--json',
    ]);
    const job = await h.waitForJob(session.id, ['done']);
    expect(job.opscom!.referenceId).not.toBe(old);
    expect(job.live).toMatchObject({ zone: 'Z9', status: 'replaced', replaced: old });
    expect(h.opscom.permits.get(old)?.deleted).toBe(true);
    expect([...h.opscom.permits.values()].filter((p) => !p.deleted)).toHaveLength(1);
    expect(h.stripe.sessions.get(session.id)?.metadata).toMatchObject({
      opscom_reference_id: job.opscom!.referenceId,
      opscom_replaced_reference_id: old,
      opscom_permit_status: 'replaced',
    });
    expect(run.stdout).toContain(session.id);
    const corrected = (await h.adapter.ledger.listEvents(session.id)).find(
      (e) => e.eventType === 'replay.corrected',
    );
    expect(JSON.parse(corrected!.detail!)).toMatchObject({ by: 'sam', correction: { zone: 'Z9' } });
  });

  test('a correction of a delayed payment not completed yet is kept, and the permit carries it once paid', async () => {
    const { session, event } = seedPaidSession(h, {
      payment_status: 'unpaid',
      metadata: { plate: 'AB1', duration: '60' },
    });
    await h.post(event);
    await h.waitForJob(session.id, ['awaiting_payment']);
    const run = await runReplayCli(h, ['--session', session.id, '--plate', 'XY9', '--json']);
    expect(run.outcomes.get(session.id)).toMatchObject({
      outcome: 'skipped',
      detail: expect.stringMatching(
        /the correction is kept and applies once it is paid/,
      ) as unknown,
    });
    expect(h.opscom.received).toHaveLength(0);
    await h.post(
      makeEvent('checkout.session.async_payment_succeeded', { ...session, payment_status: 'paid' }),
    );
    await h.waitForJob(session.id, ['done']);
    expect(opscomCreates(h).map((c) => c.body['LicencePlate'])).toEqual(['XY9']);
  });

  test('a correction that cannot be a permit is refused with the reason; nothing is sent or recorded', async () => {
    const { session, event } = seedPaidSession(h, { metadata: { plate: 'AB1', duration: '60' } });
    await h.post(event);
    const done = await h.waitForJob(session.id, ['done']);
    // A plate that is no plate is refused with the arguments (exit 2)…
    const plate = await runReplayCli(h, ['--session', session.id, '--plate', 'NOT A PLATE AT ALL']);
    expect(plate.code).toBe(2);
    expect(plate.stderr).toMatch(/--plate NOT A PLATE AT ALL: plate .* must be 1–10/);
    // …a duration longer than MAX_PERMIT_DURATION once mapped (exit 1).
    const run = await runReplayCli(h, ['--session', session.id, '--duration', 'P2Y', '--json']);
    expect(run.code).toBe(1);
    expect(run.outcomes.get(session.id)?.detail).toMatch(
      /correction was refused, nothing was sent: duration "P2Y" is longer than MAX_PERMIT_DURATION/,
    );
    expect(await h.adapter.ledger.getJob(session.id)).toMatchObject({
      revision: done.revision,
      corrections: null,
    });
    expect(h.opscom.received).toHaveLength(1);
  });

  test('an unpaid session is skipped and nothing is written', async () => {
    const { session } = seedPaidSession(h, { payment_status: 'unpaid' });
    const run = await runReplayCli(h, ['--session', session.id, '--json']);
    expect(run.code).toBe(0);
    expect(run.outcomes.get(session.id)).toMatchObject({ outcome: 'skipped' });
    expect(run.outcomes.get(session.id)?.detail).toMatch(/unpaid/);
    expect(await h.adapter.ledger.getJob(session.id)).toBeUndefined();
  });

  test('an unknown session fails with a reason; bad arguments exit 2 with the usage', async () => {
    const run = await runReplayCli(h, ['--session', 'cs_test_nope', '--json']);
    expect(run.code).toBe(1);
    expect(run.outcomes.get('cs_test_nope')?.detail).toMatch(/no such Checkout Session/);
    const bad = await runReplayCli(h, ['--plate', 'AB1', '--failed']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/with a single --session/);
    expect(bad.stderr).toMatch(/Usage: npm run replay/);
  });
});

describe('after an OPSCOM outage outlived JOB_MAX_AGE_HOURS', () => {
  let offset = 0;
  /** Three paid sessions delivered while OPSCOM answers 500, until their jobs are dead. */
  async function deadJobs() {
    h = await startHarness({ JOB_MAX_AGE_HOURS: '1' }, {}, { now: () => Date.now() + offset });
    h.opscom.faults.setRate(1, ['500']);
    const sessions = [seedPaidSession(h), seedPaidSession(h), seedPaidSession(h)];
    for (const s of sessions) await h.post(s.event);
    await h.waitForJob(sessions[0]!.session.id, ['pending']);
    offset = 2 * 3600 * 1000; // two hours later: still failing, past the maximum age
    for (const s of sessions) await h.waitForJob(s.session.id, ['dead']);
    h.opscom.faults.clear(); // OPSCOM is back
    // Replay and the adapter must share one clock (leases are times): back to the real one.
    offset = 0;
    return sessions;
  }

  test('--event replays an event the ledger already recorded: deduplication does not swallow it', async () => {
    const [one] = await deadJobs();
    expect((await h.post(one!.event)).body).toMatchObject({ outcome: 'duplicate' });
    const run = await runReplayCli(h, ['--event', one!.event.id, '--json']);
    expect(run.code).toBe(0);
    expect(run.outcomes.get(one!.session.id)).toMatchObject({
      outcome: 'created',
      paidVia: `event ${one!.event.id}`,
    });
    expect(opscomCreates(h)).toHaveLength(1);
  });

  test('--failed gives every dead job its permit, once', async () => {
    const sessions = await deadJobs();

    const run = await runReplayCli(h, ['--failed', '--json']);
    expect(run.code).toBe(0);
    expect([...run.outcomes.values()].map((o) => o.outcome)).toEqual([
      'created',
      'created',
      'created',
    ]);
    expect(opscomCreates(h)).toHaveLength(3);
    for (const s of sessions) {
      expect(await h.adapter.ledger.getJob(s.session.id)).toMatchObject({ state: 'done' });
    }
    const again = await runReplayCli(h, ['--failed', '--json']);
    expect(again.outcomes.size).toBe(0);
    expect(opscomCreates(h)).toHaveLength(3);
  });
});
