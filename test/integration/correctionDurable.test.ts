import { startHarness, type Harness } from '../support/harness';
import { harnessStores } from '../support/ledgerStores';
import { waitFor } from '../support/serverProcess';
import { opscomCreates, opscomUpdates, runReplayCli, seedPaidSession } from '../support/replay';

// An operator's correction, once given, reaches OPSCOM exactly once, whatever becomes of the
// command that gave it: Stripe unreadable, the job held by another process past replay's wait.
let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** The permit OPSCOM holds for the session now, once its job is done with `plate`. */
async function correctedPermit(sessionId: string, plate: string) {
  const job = await waitFor(
    'the job done with the corrected plate',
    async () => {
      const j = await h.adapter.ledger.getJob(sessionId);
      return j?.state === 'done' && j.live?.plate === plate ? j : undefined;
    },
    20_000,
  );
  return h.opscom.permits.get(job.opscom?.referenceId ?? '');
}

describe.each(harnessStores)('a correction is never lost (%s ledger)', (_name, storeEnv) => {
  test('with Stripe unreadable, a correction of a live permit is recorded and applied', async () => {
    h = await startHarness(await storeEnv());
    const { session, event } = seedPaidSession(h, { metadata: { plate: 'CH5TM', duration: '60' } });
    await h.post(event);
    await h.waitForJob(session.id, ['done']);

    // Every Stripe call fails: the reads replay used to make first, and the write-back.
    h.stripe.faults.setRate(1, ['500']);
    const argv = ['--session', session.id, '--plate', 'CX5TM', '--by', 'ana', '--tries', '1'];
    const run = await runReplayCli(h, [...argv, '--json']);
    // The permit is corrected in OPSCOM; only Stripe's copy is left, to the running adapter.
    const outcome = run.outcomes.get(session.id);
    expect(outcome?.outcome).toBe('failed');
    expect(outcome?.detail).toMatch(/left pending with the correction recorded/);
    expect(run.code).toBe(1);
    const recorded = await h.adapter.ledger.getJob(session.id);
    expect(recorded?.corrections).toMatchObject({ plate: 'CX5TM', by: 'ana' });

    h.stripe.faults.clear();
    const permit = await correctedPermit(session.id, 'CX5TM');
    expect(permit?.plate).toBe('CX5TM');
    expect(opscomCreates(h)).toHaveLength(1);
    expect(opscomUpdates(h)).toHaveLength(1);
    await waitFor(
      'the write-back',
      () => h.stripe.sessions.get(session.id)?.metadata['opscom_reference_id'],
    );
  }, 40_000);

  test('held by another process past replay’s wait, the correction is recorded on the job and its holder applies it', async () => {
    // The server's create takes 4 s; replay, with a 1 s lease, waits 2 s for it and gives up.
    h = await startHarness(
      { ...(await storeEnv()), OPSCOM_TIMEOUT_MS: '8000' },
      { latencyMs: 4000 },
    );
    const { session, event } = seedPaidSession(h, { metadata: { plate: 'OLD1', duration: '60' } });
    await h.post(event);
    await waitFor("the server's create with OPSCOM", () => h.opscom.received[0]);

    const run = await runReplayCli(
      h,
      ['--session', session.id, '--plate', 'NEW1', '--json', '--tries', '1'],
      { env: { WORKER_LEASE_SECONDS: '1', STRIPE_TIMEOUT_MS: '400' } },
    );
    // On a slow machine the server may have finished before replay looked: then replay applied
    // the correction itself. Either way the correction is in the ledger and reaches OPSCOM once.
    const outcome = run.outcomes.get(session.id);
    if (outcome?.outcome === 'failed') {
      expect(outcome.detail).toMatch(
        /the correction is recorded on it, and that process applies it/,
      );
    } else {
      expect(outcome).toMatchObject({ outcome: 'updated' });
    }
    const permit = await correctedPermit(session.id, 'NEW1');
    expect(permit?.plate).toBe('NEW1');
    expect(opscomCreates(h)).toHaveLength(1);
    expect(opscomUpdates(h)).toHaveLength(1);
    expect(h.opscom.permits.size).toBe(1);
  }, 40_000);
});
