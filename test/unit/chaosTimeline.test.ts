import { makeChaosPlan, seededRandom } from '../../tools/chaos/chaosPlan';
import type { ReplayCommand } from '../../tools/chaos/evidence';
import { sessionTimeline } from '../../tools/chaos/timeline';
import { gatherEvidence, type TimelineSources } from '../../tools/chaos/timelineGather';
import type { EventRecord, Job } from '../../src/store/ledger';

// A failing session's timeline must tell its story from every source, and only its story.
const plan = makeChaosPlan(120, seededRandom(7), Date.parse('2026-06-15T14:00:00Z'));
const corrected = plan.sessions.find((s) => s.correction && s.expected)!;
const other = plan.sessions.find((s) => s !== corrected && s.expected)!;
const id = corrected.session.id;
const pi = String(corrected.session['payment_intent']);
const T = Date.parse('2026-06-15T14:10:00Z');

function event(over: Partial<EventRecord>): EventRecord {
  return {
    eventId: 'evt_x',
    eventType: 'checkout.session.completed',
    sessionId: id,
    eventCreated: 0,
    livemode: false,
    outcome: 'paid',
    detail: null,
    receivedAt: T,
    ...over,
  };
}

/** A correction command for the session, unless `over` says otherwise. */
function command(over: Partial<ReplayCommand> & { n: number }): ReplayCommand {
  return {
    purpose: 'correction',
    sessionId: id,
    argv: ['--session', id, '--plate', corrected.correction!, '--by', 'chaos', '--json'],
    code: 0,
    startedAt: T,
    endedAt: T,
    stdoutFile: `replay/${over.n}.stdout`,
    stderrFile: `replay/${over.n}.stderr`,
    stdoutTail: '',
    stderrTail: '',
    ...over,
  };
}

/** The replay --since run: it names no session of its own. */
function sinceCommand(): ReplayCommand {
  const since = command({
    n: 3,
    purpose: 'since',
    argv: ['--since', 'A'],
    startedAt: T + 8_500,
    endedAt: T + 9_500,
  });
  delete since.sessionId;
  return since;
}

function sources(): TimelineSources {
  // Only the fields the timeline reads are set: the row is printed whole besides.
  const job = {
    sessionId: id,
    state: 'pending',
    revision: 3,
    opscomAttempts: 2,
    attempts: 1,
    writeBackRound: 0,
    lastError: 'OPSCOM error 9999: Temporary failure',
    paidAt: Math.floor(T / 1000) - 60,
    paidEventId: 'evt_paid',
    opscom: { referenceId: 'OC-1', at: T + 1_001 },
    live: { referenceId: 'OC-1', status: 'active', plate: corrected.plate, endTime: 'E' },
    leaseOwner: null,
    leaseExpiresAt: null,
    nextRunAt: T + 9_000,
    opscomStartedAt: null,
    updateOf: null,
    corrections: { plate: corrected.correction, by: 'chaos', at: '2026-06-15T14:10:05Z' },
  } as unknown as Job;
  return {
    sessions: plan.sessions,
    withheld: new Set(),
    jobs: new Map([[id, job]]),
    events: [
      event({ eventId: 'evt_paid', receivedAt: T }),
      event({ eventId: 'evt_other', sessionId: other.session.id, receivedAt: T + 10 }),
      // A refund recorded before its session was known: no session id, only the payment.
      event({
        eventId: 'evt_refund',
        eventType: 'charge.refunded',
        sessionId: null,
        outcome: 'refund',
        detail: JSON.stringify({ paymentIntentId: pi, kind: 'refund' }),
        receivedAt: T + 20,
      }),
      event({
        eventId: 'replay.corrected:1',
        eventType: 'replay.corrected',
        outcome: 'replay.corrected',
        receivedAt: T + 5_000,
      }),
    ],
    opscomReceived: [
      {
        path: '/api/OC-TOMA/v1/permits/push',
        body: { LicencePlate: corrected.plate, endTime: 'E', Amount: '1.00' },
        tokenValid: true,
        at: T + 1_000,
        answered: 'success',
        answeredAt: T + 1_000,
        referenceId: 'OC-1',
      },
      {
        path: '/api/OC-TOMA/v1/permits/push',
        body: { LicencePlate: other.plate, endTime: 'E' },
        tokenValid: true,
        at: T + 1_100,
        answered: 'success',
        referenceId: 'OC-2',
      },
      {
        path: '/api/OC-TOMA/v1/permits/update',
        body: { plate: corrected.correction, referenceID: 'OC-1', endTime: 'E' },
        tokenValid: true,
        at: T + 6_000,
        answered: 'fault',
      },
    ],
    permits: [
      {
        referenceId: 'OC-1',
        internalReferenceId: '1',
        plate: corrected.plate,
        zone: 'Z',
        startTime: 'S',
        endTime: 'E',
        amount: '1.00',
        currency: 'CAD',
        updates: 0,
        deleted: false,
      },
    ],
    stripeSessions: new Map([[id, { id, metadata: { opscom_reference_id: 'OC-1' } }]]),
    stripePaymentIntents: new Map([[pi, { id: pi, metadata: { opscom_permit_status: 'active' } }]]),
    stripeReceived: [
      {
        method: 'POST',
        path: `/v1/checkout/sessions/${id}`,
        params: { metadata: { opscom_reference_id: 'OC-1' } },
        idempotencyKey: 'k1',
        stripeVersion: undefined,
        replayed: false,
        status: 200,
        at: T + 1_500,
      },
      {
        method: 'GET',
        path: `/v1/checkout/sessions/${other.session.id}`,
        params: {},
        idempotencyKey: undefined,
        stripeVersion: undefined,
        replayed: false,
        status: 200,
        at: T + 1_600,
      },
    ],
    commands: [
      command({
        n: 1,
        code: 1,
        startedAt: T + 4_900,
        endedAt: T + 7_000,
        stdoutTail:
          '{"summary":{"counts":{"failed":1},"stopped":{"reason":"Stripe 500","resume":"npm run replay -- --session x"}}}',
      }),
      command({
        n: 2,
        purpose: 'correction resume',
        code: 0,
        startedAt: T + 7_100,
        endedAt: T + 8_000,
      }),
      sinceCommand(),
      { ...command({ n: 4 }), sessionId: other.session.id },
    ],
    sinceLines: new Map([
      [
        id,
        {
          sessionId: id,
          outcome: 'failed',
          detail: 'OPSCOM error 9999 (left pending: a running adapter retries it)',
          command: 3,
        },
      ],
    ]),
    adapters: [
      {
        n: 1,
        slot: 0,
        pid: 41,
        port: 1,
        log: 'adapters/a1.log',
        startedAt: T - 1_000,
        killedAt: T + 2_000,
      },
    ],
    logLines: new Map([
      [
        id,
        [{ at: T + 1_002, file: 'adapters/a1.log', line: '{"message":"permit pushed to OPSCOM"}' }],
      ],
    ]),
  };
}

function timeline(): string {
  const rows = [
    { kind: 'wrong', sessionId: id, text: `${id} (paid, plate ${corrected.plate}): plate ≠` },
  ];
  const gathered = gatherEvidence(rows, sources());
  expect([...gathered.keys()]).toEqual([id]);
  return sessionTimeline(gathered.get(id)!);
}

test('it says why the session failed and what the plan owed it', () => {
  const text = timeline();
  expect(text).toContain(`Failing\n  wrong: ${id} (paid, plate ${corrected.plate}): plate ≠`);
  expect(text).toContain(`  correction: plate ${corrected.correction} (replay --session`);
  const x = corrected.expected!;
  expect(text).toContain(
    `  expected in OPSCOM: plate ${corrected.correction}, ${x.startTime} → ${x.endTime}, amount ${x.amount}`,
  );
});

test('it shows the job, the corrections asked with their exits, and the one recorded', () => {
  const text = timeline();
  expect(text).toContain('  state pending, revision 3, OPSCOM attempts 2');
  expect(text).toContain('  last error: OPSCOM error 9999: Temporary failure');
  expect(text).toContain(`  recorded on the job: {"plate":"${corrected.correction}","by":"chaos"`);
  expect(text).toContain(
    `  asked #1 (correction) npm run replay -- --session ${id} --plate ${corrected.correction} --by chaos --json\n    → exit 1,`,
  );
  expect(text).toContain('"resume":"npm run replay -- --session x"');
  expect(text).toContain('  asked #2 (correction resume)');
  // Another session's correction is not this one's.
  expect(text).not.toContain('asked #4');
  expect(text).toContain(
    '  replay --since said: failed (OPSCOM error 9999 (left pending: a running adapter retries it)) [command #3]',
  );
});

test('it shows what OPSCOM and Stripe hold for it', () => {
  const text = timeline();
  expect(text).toContain(
    `  OC-1 plate ${corrected.plate}, S → E, amount 1.00 CAD, 0 update(s), standing`,
  );
  expect(text).toContain('  session metadata: {"opscom_reference_id":"OC-1"}');
  expect(text).toContain('  payment intent metadata: {"opscom_permit_status":"active"}');
});

test('every source concerning it is in time order, and nothing about another session', () => {
  const lines = timeline().split('\n');
  const start = lines.findIndex((l) => l.startsWith('Time order'));
  const order = lines.slice(start + 1).filter(Boolean);
  const at = (ms: number) => new Date(T + ms).toISOString();
  expect(order).toEqual([
    `  ${at(-1_000)}  fleet   adapter #1 (slot 0, pid 41, adapters/a1.log) starting`,
    `  ${at(0)}  ledger  checkout.session.completed evt_paid: paid`,
    `  ${at(20)}  ledger  charge.refunded evt_refund: refund {"paymentIntentId":"${pi}","kind":"refund"}`,
    `  ${at(1_000)}  opscom  push plate ${corrected.plate}, end E, amount 1.00 → success OC-1, answer left +0 ms`,
    `  ${at(1_002)}  log     adapters/a1.log: {"message":"permit pushed to OPSCOM"}`,
    `  ${at(1_500)}  stripe  POST /v1/checkout/sessions/${id} → 200 key k1 metadata {"opscom_reference_id":"OC-1"}`,
    `  ${at(2_000)}  fleet   adapter #1 (pid 41) SIGKILLed`,
    `  ${at(4_900)}  replay  #1 correction started: npm run replay -- --session ${id} --plate ${corrected.correction} --by chaos --json`,
    `  ${at(5_000)}  ledger  replay.corrected replay.corrected:1: replay.corrected`,
    `  ${at(6_000)}  opscom  update plate ${corrected.correction}, ref OC-1, end E → fault injected (no answer, or a failure)`,
    `  ${at(7_000)}  replay  #1 correction exited 1`,
    `  ${at(7_100)}  replay  #2 correction resume started: npm run replay -- --session ${id} --plate ${corrected.correction} --by chaos --json`,
    `  ${at(8_000)}  replay  #2 correction resume exited 0`,
    `  ${at(8_500)}  replay  #3 since started: npm run replay -- --since A`,
    `  ${at(9_500)}  replay  #3 since exited 0`,
  ]);
});
