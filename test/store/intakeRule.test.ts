import type { SessionEventAction } from '../../src/domain/classifyEvent';
import { intakeTransition, JOB_STATES, type JobState } from '../../src/domain/intakeRule';
import { recordStripeEvent } from '../../src/intake/recordStripeEvent';
import { createLogger } from '../../src/logger';
import type { Ledger } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { EventEnvelope } from '../../src/stripe/sessionPayload';
import { ledgerStores } from '../support/ledgerStores';
import { makeEvent, makeSession } from '../support/stripeFixtures';

// The intake rule is one pure function (src/domain/intakeRule.ts). SQLite applies it; the
// PostgreSQL ledger applies its plpgsql copy. Every starting state × every kind of event, sent
// through the real intake into each ledger, must end where the function says.
const logger = createLogger({ level: 'error', pretty: false, silent: true });
const backends = ledgerStores('intake-rule-', 4);

type Kind = 'paid' | 'unpaid' | 'async succeeded' | 'async failed' | 'duplicate' | 'other livemode';
const KINDS: readonly Kind[] = [
  'paid',
  'unpaid',
  'async succeeded',
  'async failed',
  'duplicate',
  'other livemode',
];
const STARTS: ReadonlyArray<JobState | 'none'> = ['none', ...JOB_STATES];

/** The event each kind sends, and the action the intake reads from it. */
const EVENTS: Record<
  Exclude<Kind, 'duplicate' | 'other livemode'>,
  { type: string; paymentStatus: 'paid' | 'unpaid'; action: SessionEventAction }
> = {
  paid: { type: 'checkout.session.completed', paymentStatus: 'paid', action: 'paid' },
  unpaid: {
    type: 'checkout.session.completed',
    paymentStatus: 'unpaid',
    action: 'awaiting_payment',
  },
  'async succeeded': {
    type: 'checkout.session.async_payment_succeeded',
    paymentStatus: 'paid',
    action: 'paid',
  },
  'async failed': {
    type: 'checkout.session.async_payment_failed',
    paymentStatus: 'unpaid',
    action: 'payment_failed',
  },
};

describe.each(backends)('the intake rule on the %s ledger', (_name, makeStore) => {
  let ledger: Ledger;
  beforeAll(async () => {
    const store = await makeStore();
    await migrateLedger(store);
    ledger = await openLedger(store, logger);
  });
  afterAll(() => ledger.close());

  const send = (
    sessionId: string,
    type: string,
    paymentStatus: 'paid' | 'unpaid',
    options: { id?: string; livemode?: boolean } = {},
  ) =>
    recordStripeEvent(
      EventEnvelope.parse(
        makeEvent(
          type,
          makeSession({
            id: sessionId,
            payment_status: paymentStatus,
            livemode: options.livemode ?? false,
          }),
          options,
        ),
      ),
      { ledger, livemode: false, now: Date.now() },
    );

  /** A session whose job is in `start` (no job for `none`). */
  async function arrange(sessionId: string, start: JobState | 'none'): Promise<void> {
    if (start === 'none') return;
    if (start === 'awaiting_payment' || start === 'payment_failed') {
      await send(sessionId, 'checkout.session.completed', 'unpaid');
      if (start === 'payment_failed')
        await send(sessionId, 'checkout.session.async_payment_failed', 'unpaid');
      return;
    }
    await send(sessionId, 'checkout.session.completed', 'paid');
    if (start !== 'pending') {
      // Done, failed and dead are reached by the worker or replay; here, set directly.
      await ledger.changeJob(sessionId, (job) => ({
        result: undefined,
        write: { ...job!, state: start },
      }));
    }
  }

  const cases = STARTS.flatMap((start) => KINDS.map((kind) => [start, kind] as const));

  test.each(cases)('a job in %s, then an event of kind "%s"', async (start, kind) => {
    const sessionId = `cs_rule_${start}_${kind.replace(/ /g, '_')}`;
    await arrange(sessionId, start);
    const before = start === 'none' ? undefined : start;

    if (kind === 'duplicate') {
      const first = await send(sessionId, 'checkout.session.completed', 'paid', {
        id: `evt_dup_${sessionId}`,
      });
      const again = await send(sessionId, 'checkout.session.completed', 'paid', {
        id: `evt_dup_${sessionId}`,
      });
      const effect = intakeTransition(before, 'paid');
      expect(first).toMatchObject({ status: 'recorded', job: effect.job, jobState: effect.state });
      expect(again).toEqual({ status: 'duplicate', sessionId });
      expect((await ledger.getJob(sessionId))?.state).toBe(effect.state);
      return;
    }
    if (kind === 'other livemode') {
      const outcome = await send(sessionId, 'checkout.session.completed', 'paid', {
        livemode: true,
      });
      expect(outcome).toEqual({ status: 'ignored_livemode', sessionId });
      expect((await ledger.getJob(sessionId))?.state).toBe(before);
      return;
    }
    const e = EVENTS[kind];
    const effect = intakeTransition(before, e.action);
    expect(await send(sessionId, e.type, e.paymentStatus)).toEqual({
      status: 'recorded',
      sessionId,
      job: effect.job,
      jobState: effect.state,
    });
    expect((await ledger.getJob(sessionId))?.state).toBe(effect.state);
  });
});

test('the rule itself: only a job waiting for its delayed payment moves on', () => {
  const table = STARTS.map((start) => [
    start,
    ...(['paid', 'awaiting_payment', 'payment_failed'] as const).map((action) => {
      const e = intakeTransition(start === 'none' ? undefined : start, action);
      return `${e.job} ${e.state}`;
    }),
  ]);
  expect(table).toEqual([
    ['none', 'created pending', 'created awaiting_payment', 'created payment_failed'],
    ['awaiting_payment', 'updated pending', 'unchanged awaiting_payment', 'updated payment_failed'],
    [
      'payment_failed',
      'unchanged payment_failed',
      'unchanged payment_failed',
      'unchanged payment_failed',
    ],
    ['pending', 'unchanged pending', 'unchanged pending', 'unchanged pending'],
    ['done', 'unchanged done', 'unchanged done', 'unchanged done'],
    ['failed', 'unchanged failed', 'unchanged failed', 'unchanged failed'],
    ['dead', 'unchanged dead', 'unchanged dead', 'unchanged dead'],
    ['cancelled', 'unchanged cancelled', 'unchanged cancelled', 'unchanged cancelled'],
  ]);
});
