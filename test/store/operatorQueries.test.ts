import type { StoreConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { emptyJob } from '../../src/store/jobRow';
import type { Job, Ledger } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { ledgerStores } from '../support/ledgerStores';

const logger = createLogger({ level: 'error', pretty: false, silent: true });
const backends = ledgerStores('operator-queries-', 4);

/** A job as the console would find it, written through changeJob as replay writes one. */
function job(sessionId: string, extra: Partial<Job> = {}): Job {
  const empty = emptyJob(sessionId, 1_000);
  return {
    ...empty,
    state: 'done',
    session: {
      ...empty.session,
      amountTotal: 1450,
      currency: 'cad',
      metadata: { plate: 'ab 12', duration: '60' },
      paymentIntentId: `pi_${sessionId.slice(3)}`,
    },
    paidAt: 1_780_000_000,
    nextRunAt: 0,
    ...extra,
  };
}

describe.each(backends)('the %s ledger, for operators', (_name, makeStore) => {
  let store: StoreConfig;
  let ledger: Ledger;
  beforeEach(async () => {
    store = await makeStore();
    await migrateLedger(store);
    ledger = await openLedger(store, logger);
  });
  afterEach(() => ledger.close());

  const put = (j: Job) => ledger.changeJob(j.sessionId, () => ({ result: undefined, write: j }));
  const ids = (jobs: Job[]) => jobs.map((j) => j.sessionId);

  test('lists by state, newest first, a page at a time; searches find exact matches', async () => {
    const at = (t: number) => ({ createdAt: t, nextRunAt: t, updatedAt: t });
    await put(job('cs_a', at(1_000)));
    await put(job('cs_b', { state: 'failed', lastError: 'bad plate', ...at(3_000) }));
    await put(job('cs_c', { state: 'dead', ...at(2_000) }));
    await put(
      job('cs_d', {
        ...at(4_000),
        opscom: { referenceId: 'OC-7', internalReferenceId: undefined, endsAt: '', at: 1 },
        live: {
          referenceId: 'OC-7',
          internalReferenceId: undefined,
          plate: 'ZZ99',
          zone: 'Z',
          startTime: '',
          endTime: '',
          endsAt: '',
          amount: undefined,
          currency: 'CAD',
          status: 'active',
          replaced: null,
        },
      }),
    );
    const find = (query: Partial<Parameters<Ledger['findJobs']>[0]>) =>
      ledger.findJobs({ limit: 10, offset: 0, ...query }).then(ids);

    expect(await find({})).toEqual(['cs_d', 'cs_b', 'cs_c', 'cs_a']);
    expect(await find({ limit: 2, offset: 1 })).toEqual(['cs_b', 'cs_c']);
    expect(await find({ states: ['failed', 'dead'] })).toEqual(['cs_b', 'cs_c']);
    expect(await find({ failing: true })).toEqual(['cs_b']);
    expect(await find({ search: 'cs_c' })).toEqual(['cs_c']);
    expect(await find({ search: 'pi_c' })).toEqual(['cs_c']);
    expect(await find({ search: 'OC-7' })).toEqual(['cs_d']);
    expect(await find({ search: 'zz-99' })).toEqual(['cs_d']); // the plate OPSCOM has
    expect(await find({ search: 'ab 12', states: ['failed'] })).toEqual(['cs_b']); // as typed
    expect(await find({ search: 'nothing' })).toEqual([]);
    expect(await ledger.countJobsMatching({ states: ['failed', 'dead'] }, 1000)).toBe(2);
    expect(await ledger.countJobsMatching({}, 3)).toBe(3);
  });

  test('jobs per state, kept by the ledger as jobs come and change, match a count of the rows', async () => {
    const counted = async () => {
      const byState: Record<string, number> = {};
      for (const j of await ledger.listJobs()) byState[j.state] = (byState[j.state] ?? 0) + 1;
      return byState;
    };
    expect(await ledger.countJobs()).toEqual({});
    for (let i = 0; i < 6; i++) await put(job(`cs_${i}`, { state: 'pending' }));
    await put(job('cs_0', { state: 'done' }));
    await put(job('cs_1', { state: 'failed' }));
    await put(job('cs_1', { state: 'failed', lastError: 'again' })); // same state: no change
    await put(job('cs_2', { state: 'done' }));
    await put(job('cs_2', { state: 'pending' })); // a refund sends it round again
    expect(await ledger.countJobs()).toEqual(await counted());
    expect(await ledger.countJobs()).toEqual({ pending: 4, done: 1, failed: 1 });
    await put(job('cs_3', { state: 'dead' }));
    expect(await ledger.countJobs()).toEqual({ pending: 3, done: 1, failed: 1, dead: 1 });
  });

  test('retention deletes old events of finished jobs and old cleared alerts; jobs stay', async () => {
    await put(job('cs_done'));
    await put(job('cs_waiting', { state: 'pending' }));
    const note = (eventId: string, sessionId: string | null, receivedAt: number) =>
      ledger.recordNote({
        eventId,
        eventType: 'checkout.session.completed',
        sessionId,
        eventCreated: 1,
        livemode: false,
        outcome: 'paid',
        detail: null,
        receivedAt,
      });
    await note('evt_old_done', 'cs_done', 100);
    await note('evt_new_done', 'cs_done', 5_000);
    await note('evt_old_waiting', 'cs_waiting', 100);
    await note('evt_old_ignored', null, 100);
    const alert = { kind: 'pending_age' as const, sessionId: null, message: 'late' };
    await ledger.raiseAlert({ ...alert, key: 'told', now: 50 });
    await ledger.clearAlert('told', 'caught up', 60);
    await ledger.alertDelivered('told', 'clear', 70);
    await ledger.raiseAlert({ ...alert, key: 'open', now: 50 });

    expect(await ledger.pruneBefore(1_000, 500)).toBe(3);
    const kept = (await ledger.listEvents()).map((e) => e.eventId).sort();
    expect(kept).toEqual(['evt_new_done', 'evt_old_waiting']);
    expect((await ledger.openAlerts()).map((a) => a.key)).toEqual(['open']);
    expect(await ledger.getJob('cs_done')).toBeDefined();
    expect(await ledger.pruneBefore(1_000, 500)).toBe(0);
  });

  test('an alert opens once, clears once, reopens when its condition comes back', async () => {
    const alert = { key: 'pending_age', kind: 'pending_age' as const, sessionId: null };
    expect(await ledger.raiseAlert({ ...alert, message: 'late', now: 10 })).toBe(true);
    expect(await ledger.raiseAlert({ ...alert, message: 'late again', now: 11 })).toBe(false);
    expect((await ledger.openAlerts()).map((a) => a.message)).toEqual(['late']);

    const [first] = await ledger.claimAlertDeliveries(20, 50, 10);
    expect(first).toMatchObject({ phase: 'open', alert: { key: 'pending_age' } });
    // Claimed: another process finds nothing to send until the claim runs out.
    expect(await ledger.claimAlertDeliveries(21, 51, 10)).toEqual([]);
    await ledger.alertDeliveryFailed('pending_age', 'HTTP 500', 30);
    expect(await ledger.claimAlertDeliveries(25, 55, 10)).toEqual([]);
    const [retry] = await ledger.claimAlertDeliveries(30, 60, 10);
    expect(retry?.alert).toMatchObject({ attempts: 1, lastError: 'HTTP 500' });
    await ledger.alertDelivered('pending_age', 'open', 31);
    expect(await ledger.claimAlertDeliveries(100, 130, 10)).toEqual([]);

    expect(await ledger.clearAlert('pending_age', 'caught up', 40)).toBe(true);
    expect(await ledger.clearAlert('pending_age', 'caught up', 41)).toBe(false);
    const [clearing] = await ledger.claimAlertDeliveries(50, 80, 10);
    expect(clearing).toMatchObject({ phase: 'clear', alert: { clearMessage: 'caught up' } });
    await ledger.alertDelivered('pending_age', 'clear', 51);
    expect(await ledger.openAlerts()).toEqual([]);

    expect(await ledger.raiseAlert({ ...alert, message: 'late once more', now: 60 })).toBe(true);
    expect((await ledger.claimAlertDeliveries(60, 90, 10))[0]?.alert.message).toBe(
      'late once more',
    );
  });

  test('failed and dead jobs need an alert until they have one; a retried job resolves it', async () => {
    await put(job('cs_f', { state: 'failed' }));
    await put(job('cs_d', { state: 'dead' }));
    await put(job('cs_ok'));
    expect(ids(await ledger.jobsNeedingAlert(10)).sort()).toEqual(['cs_d', 'cs_f']);
    await ledger.raiseAlert({
      key: 'job:cs_f',
      kind: 'job',
      sessionId: 'cs_f',
      message: 'x',
      now: 1,
    });
    expect(ids(await ledger.jobsNeedingAlert(10))).toEqual(['cs_d']);
    expect(await ledger.resolvedJobAlerts()).toEqual([]);
    await put(job('cs_f', { state: 'done' }));
    expect(await ledger.resolvedJobAlerts()).toEqual([
      { key: 'job:cs_f', sessionId: 'cs_f', state: 'done' },
    ]);
  });
});
