import type { Job } from '../../src/store/ledger';
import { emptyJob } from '../../src/store/jobRow';
import { planReplay, type ReplayRequest, type ReplayTarget } from '../../src/replay/planReplay';

const NOW = 1_800_000_000_000;
const session = {
  id: 'cs_1',
  livemode: false,
  paymentStatus: 'paid' as const,
  amountTotal: 1450,
  currency: 'cad',
  metadata: { plate: 'A1', duration: '60' },
  customFields: {},
  paymentIntentId: 'pi_1',
};
const target = (extra: Partial<ReplayTarget> = {}): ReplayTarget => ({
  sessionId: 'cs_1',
  session,
  paid: { at: 1_799_999_000, eventId: 'evt_1', source: 'event evt_1' },
  stripeReference: null,
  ...extra,
});
const request = (extra: Partial<ReplayRequest> = {}): ReplayRequest => ({
  force: false,
  correction: null,
  owner: 'replay:1',
  by: 'dana',
  now: NOW,
  leaseMs: 30_000,
  ...extra,
});
const job = (extra: Partial<Job> = {}): Job => ({
  ...emptyJob('cs_1', NOW),
  session,
  paidEventId: 'evt_1',
  paidAt: 1_799_999_000,
  attempts: 2,
  nextRunAt: NOW + 60_000,
  lastError: 'OPSCOM answered HTTP 500',
  createdAt: NOW - 3_600_000,
  updatedAt: NOW - 60_000,
  ...extra,
});
const withPermit = (extra: Partial<Job> = {}) =>
  job({
    state: 'done',
    opscom: { referenceId: 'OC-1', internalReferenceId: 'I-1', endsAt: 'E', at: NOW - 1 },
    sessionWrittenAt: NOW - 1,
    paymentIntentWrittenAt: NOW - 1,
    ...extra,
  });

describe('planReplay', () => {
  test('no job: inserts one leased to replay, with the paid moment and a note of who', () => {
    const change = planReplay(undefined, target(), request());
    expect(change.result).toMatchObject({ kind: 'claimed', reason: 'new' });
    expect(change.write).toMatchObject({
      state: 'pending',
      paidAt: 1_799_999_000,
      paidEventId: 'evt_1',
      leaseOwner: 'replay:1',
      leaseExpiresAt: NOW + 30_000,
    });
    expect(change.note?.eventType).toBe('replay.new');
    expect(JSON.parse(change.note!.detail!)).toMatchObject({ by: 'dana', paidVia: 'event evt_1' });
  });

  test('not paid: nothing written', () => {
    expect(planReplay(undefined, target({ paid: null }), request())).toEqual({
      result: { kind: 'unpaid', state: 'paid' },
    });
    const waiting = job({ state: 'awaiting_payment', paidAt: null });
    expect(planReplay(waiting, target({ paid: null }), request()).write).toBeUndefined();
  });

  test('a delayed payment Stripe says is paid keeps the correction its job carries', () => {
    const kept = { plate: 'CX19', by: 'dana', at: '2026-11-29T10:00:00Z' };
    const waiting = job({ state: 'awaiting_payment', paidAt: null, corrections: kept });
    // A later replay (--since) with no correction of its own: the kept one still applies.
    expect(planReplay(waiting, target(), request()).write?.corrections).toEqual(kept);
    // One with a correction of its own: both, the newer winning where they overlap.
    const zone = { zone: 'Z9', by: 'ana', at: '2026-11-29T11:00:00Z' };
    expect(planReplay(waiting, target(), request({ correction: zone })).write?.corrections).toEqual(
      { plate: 'CX19', zone: 'Z9', by: 'ana', at: '2026-11-29T11:00:00Z' },
    );
  });

  test('a job another process holds is left to it', () => {
    const held = job({ leaseOwner: 'web:1', leaseExpiresAt: NOW + 1 });
    expect(planReplay(held, target(), request())).toEqual({ result: { kind: 'busy', job: held } });
    // An expired lease is free.
    const expired = job({ leaseOwner: 'web:1', leaseExpiresAt: NOW });
    expect(planReplay(expired, target(), request()).result.kind).toBe('claimed');
  });

  test('done in the ledger: already done, nothing written, Stripe not needed', () => {
    const change = planReplay(withPermit(), target({ stripeReference: undefined }), request());
    expect(change.result).toMatchObject({
      kind: 'already_done',
      referenceId: 'OC-1',
      via: 'ledger',
    });
    expect(change.write).toBeUndefined();
  });

  test('a reference only Stripe has is adopted as done, never created again', () => {
    const ref = { referenceId: 'OC-9', internalReferenceId: undefined, endsAt: 'E9' };
    for (const existing of [undefined, job({ state: 'failed' })]) {
      const change = planReplay(existing, target({ stripeReference: ref }), request());
      expect(change.result).toMatchObject({ kind: 'already_done', via: 'stripe' });
      expect(change.write).toMatchObject({ state: 'done', opscom: { referenceId: 'OC-9' } });
    }
  });

  test('--force re-sends as an update of the reference, clearing the steps done', () => {
    const change = planReplay(withPermit(), target(), request({ force: true }));
    expect(change.result).toMatchObject({ kind: 'claimed', reason: 'force' });
    expect(change.write).toMatchObject({
      updateOf: 'OC-1',
      opscom: null,
      permit: null,
      sessionWrittenAt: null,
      state: 'pending',
      writeBackRound: 1,
    });
    // A later round (force no longer asked) goes on with the forced update, not a create.
    const again = planReplay(
      { ...change.write!, leaseOwner: null },
      target({
        stripeReference: { referenceId: 'OC-1', internalReferenceId: undefined, endsAt: undefined },
      }),
      request(),
    );
    expect(again.result).toMatchObject({ kind: 'claimed', reason: 'force' });
  });

  test('a failed job is tried again: its clock restarts, its permit is kept unless corrected', () => {
    const permit = {
      action: 'create' as const,
      plate: 'A1',
      zone: 'Z',
      startTime: 's',
      endTime: 'e',
      endsAt: 'E',
      amount: '14.50',
      currency: 'CAD' as const,
    };
    const failed = job({ state: 'dead', permit });
    const retry = planReplay(failed, target(), request());
    expect(retry.result).toMatchObject({ kind: 'claimed', reason: 'retry_failed' });
    expect(retry.write).toMatchObject({ permit, createdAt: NOW, attempts: 0 });
    const correction = { plate: 'B2', by: 'dana', at: 'T' };
    const corrected = planReplay(failed, target(), request({ correction }));
    expect(corrected.result).toMatchObject({ kind: 'claimed', reason: 'corrected' });
    expect(corrected.write).toMatchObject({ permit: null, corrections: correction });
  });

  test('a permit Stripe lacks (asked, not there) is written back; not asked, the ledger is trusted', () => {
    const lacking = planReplay(withPermit(), target({ stripeReference: null }), request());
    expect(lacking.result).toMatchObject({ kind: 'claimed', reason: 'write_back' });
    // A new round: the same idempotency key would get Stripe's cached answer, not a new write.
    expect(lacking.write).toMatchObject({
      sessionWrittenAt: null,
      paymentIntentWrittenAt: null,
      writeBackRound: 1,
    });
    const halfway = withPermit({ state: 'pending', paymentIntentWrittenAt: null });
    const finishing = planReplay(halfway, target({ stripeReference: undefined }), request());
    expect(finishing.result).toMatchObject({ kind: 'claimed', reason: 'write_back' });
    // The same write-back, finished: the same round (Stripe replays what it already did).
    expect(finishing.write?.writeBackRound).toBe(0);
  });

  describe('an operator correction is never dropped', () => {
    const permit = {
      action: 'create' as const,
      plate: 'OLD1',
      zone: 'Z',
      startTime: 's',
      endTime: 'e',
      endsAt: 'E',
      amount: '14.50',
      currency: 'CAD' as const,
    };
    const plate = { plate: 'NEW1', by: 'dana', at: '2026-12-03T10:00:00Z' };
    const duration = { duration: '2h', by: 'ana', at: '2026-12-03T11:00:00Z' };

    test('given while another process holds the job: recorded on it, with a new revision', () => {
      const held = job({ leaseOwner: 'web:1', leaseExpiresAt: NOW + 1, revision: 4 });
      const change = planReplay(held, target(), request({ correction: plate }));
      expect(change.result).toMatchObject({ kind: 'busy', corrected: true });
      // The holder's lease is left alone; its finish at revision 4 is refused, so it goes round
      // again and applies the correction.
      expect(change.write).toMatchObject({
        leaseOwner: 'web:1',
        leaseExpiresAt: NOW + 1,
        revision: 5,
        corrections: plate,
      });
      expect(change.note?.eventType).toBe('replay.corrected');
    });

    test('a later correction of another field keeps the earlier one, on every path', () => {
      const failed = job({ state: 'failed', corrections: plate });
      const live = withPermit({ corrections: plate });
      const held = job({ corrections: plate, leaseOwner: 'web:1', leaseExpiresAt: NOW + 1 });
      for (const existing of [failed, live, held]) {
        const change = planReplay(existing, target(), request({ correction: duration }));
        expect(change.write?.corrections).toEqual({ plate: 'NEW1', ...duration });
      }
      const forced = planReplay(live, target(), request({ correction: duration, force: true }));
      expect(forced.write?.corrections).toEqual({ plate: 'NEW1', ...duration });
    });

    test('after an attempt that may have made the permit, the same request is sent again', () => {
      // Attempt 1's answer was lost: OPSCOM may hold OLD1. Sending NEW1 instead would leave
      // OLD1 standing beside it; the correction is applied to the permit once it is known.
      const inDoubt = job({ state: 'pending', permit, opscomAttempts: 1 });
      const change = planReplay(inDoubt, target(), request({ correction: plate }));
      expect(change.result).toMatchObject({ kind: 'claimed', reason: 'corrected' });
      expect(change.write).toMatchObject({ permit, corrections: plate });
      expect(change.write?.revision).toBe(inDoubt.revision + 1);
      // Refused by OPSCOM for good (failed): no permit can exist, the correction maps anew.
      const refused = job({ state: 'failed', permit, opscomAttempts: 1 });
      expect(planReplay(refused, target(), request({ correction: plate })).write?.permit).toBe(
        null,
      );
    });
  });
});
