import { startHarness, type Harness } from '../support/harness';
import { harnessStores } from '../support/ledgerStores';
import { opscomCreates, runReplayCli, seedPaidSession } from '../support/replay';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe.each(harnessStores)('replay beside a running server (%s ledger)', (_name, storeEnv) => {
  test('the server and replay race for the same 20 sessions: one permit each', async () => {
    h = await startHarness(await storeEnv(), { latencyMs: 20 });
    const seeded = Array.from({ length: 20 }, () => seedPaidSession(h));
    // Replay starts on every session while the webhooks for the same sessions arrive.
    const replay = runReplayCli(h, [
      ...seeded.flatMap((s) => ['--session', s.session.id]),
      '--json',
    ]);
    // Spread over ~100 ms so that each side gets to some sessions first.
    const posted = await Promise.all(
      seeded.map(async (s, i) => {
        await new Promise((r) => setTimeout(r, i * 5));
        return h.post(s.event);
      }),
    );
    expect(posted.map((p) => p.status)).toEqual(seeded.map(() => 200));
    const run = await replay;
    expect(run.code).toBe(0);
    for (const s of seeded) {
      expect(['created', 'already done']).toContain(run.outcomes.get(s.session.id)?.outcome);
    }
    for (const s of seeded) {
      const job = await h.waitForJob(s.session.id, ['done']);
      expect(h.stripe.sessions.get(s.session.id)?.metadata['opscom_reference_id']).toBe(
        job.opscom?.referenceId,
      );
    }
    expect(opscomCreates(h)).toHaveLength(20);
    expect(h.opscom.permits.size).toBe(20);
  }, 30_000);

  test('a correction given while the server holds the job is applied once it lets go', async () => {
    h = await startHarness(await storeEnv(), { latencyMs: 600 });
    const { session, event } = seedPaidSession(h, { metadata: { plate: 'OLD1', duration: '60' } });
    await h.post(event);
    // The server's create is with OPSCOM: the job is its own for another ~0.6 s.
    await new Promise<void>((resolve) => {
      const check = () => (h.opscom.received.length > 0 ? resolve() : setTimeout(check, 10));
      check();
    });
    const run = await runReplayCli(h, ['--session', session.id, '--plate', 'NEW1', '--json']);
    expect(run.code).toBe(0);
    expect(run.outcomes.get(session.id)).toMatchObject({ outcome: 'updated' });
    const job = await h.waitForJob(session.id, ['done']);
    expect(job.live?.plate).toBe('NEW1');
    expect(h.opscom.permits.get(job.opscom!.referenceId)?.plate).toBe('NEW1');
    expect(opscomCreates(h)).toHaveLength(1);
  }, 30_000);
});
