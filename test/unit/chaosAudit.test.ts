import { auditChaos, type AuditInput } from '../../tools/chaos/audit';
import { chaosStreams, makeChaosPlan, seededRandom } from '../../tools/chaos/chaosPlan';
import type { SimPermit } from '../../tools/simulators/opscomSimulator';
import type { StripeObject } from '../../tools/simulators/stripeSimulator';
import type { Job } from '../../src/store/ledger';

// The chaos audit must be able to fail: each defect it exists to catch, planted by hand.
const plan = makeChaosPlan(120, seededRandom(7), Date.parse('2026-06-15T14:00:00Z'));
const owed = plan.sessions.filter((s) => s.expected);
const notOwed = plan.sessions.filter((s) => !s.expected);

function healthy(): AuditInput {
  const permits: SimPermit[] = [];
  const stripeSessions = new Map<string, StripeObject>();
  const jobs: Job[] = [];
  owed.forEach((s, i) => {
    const referenceId = `OC-${i}`;
    const revoked = s.expected!.revoked;
    permits.push({
      referenceId,
      internalReferenceId: String(i),
      plate: s.expected!.plate,
      zone: 'Z',
      startTime: s.expected!.startTime,
      endTime: s.expected!.endTime,
      amount: s.expected!.amount,
      currency: 'CAD',
      updates: 0,
      deleted: revoked,
    });
    const status = revoked ? 'deleted' : s.refund ? 'shortened' : 'active';
    stripeSessions.set(s.session.id, {
      id: s.session.id,
      metadata: { opscom_reference_id: referenceId, opscom_permit_status: status },
    });
    jobs.push({
      sessionId: s.session.id,
      state: 'done',
      opscom: { referenceId },
      opscomAttempts: 1,
      live: { referenceId, status },
    } as unknown as Job);
  });
  for (const s of notOwed) {
    jobs.push({
      sessionId: s.session.id,
      state: s.kind === 'bad_metadata' ? 'failed' : 'awaiting_payment',
    } as unknown as Job);
  }
  return { plan, permits, opscomReceived: [], stripeSessions, jobs, notes: [], kills: [] };
}

/** A second permit (`OC-orphan`) for `s`, OPSCOM having received it as `received` says; the
 * ledger took two attempts. */
function withOrphan(
  input: AuditInput,
  s: (typeof owed)[number],
  received: { at: number; answeredAt?: number },
): void {
  const kept = input.permits.find((p) => p.plate === s.plate)!;
  input.permits.push({ ...kept, referenceId: 'OC-orphan' });
  input.opscomReceived.push({
    path: '',
    body: {},
    tokenValid: true,
    ...received,
    answered: 'success',
    referenceId: 'OC-orphan',
  });
  (
    input.jobs.find((j) => j.sessionId === s.session.id) as { opscomAttempts: number }
  ).opscomAttempts = 2;
}

test('a healthy outcome audits clean', () => {
  expect(owed.length).toBeGreaterThan(10);
  expect(notOwed.length).toBeGreaterThan(0);
  expect(auditChaos(healthy())).toEqual({
    lost: [],
    doubled: [],
    doubledBy: { 'killed in the window': 0, 'taken over': 0, 'answer lost': 0, unexplained: 0 },
    answerToRecordMs: [],
    doubledInWindow: [],
    wrong: [],
    missingWriteBacks: [],
    ledgerDisagrees: [],
  });
});

test('lost, doubled, wrong, missing write-back and a permit nobody paid for are each reported', () => {
  const input = healthy();
  const [a, b, c, d] = owed;
  input.permits = input.permits.filter((p) => p.plate !== a!.plate); // lost
  const dup = input.permits.find((p) => p.plate === b!.plate)!;
  input.permits.push({ ...dup, referenceId: 'OC-dup' }); // doubled, no kill nearby
  input.opscomReceived.push({
    path: '',
    body: {},
    tokenValid: true,
    at: 1_000,
    answered: 'success',
    referenceId: 'OC-dup',
  });
  input.permits.find((p) => p.plate === c!.plate)!.endTime = '2099-01-01T00:00:00'; // wrong
  input.stripeSessions.get(d!.session.id)!.metadata = {}; // write-back missing
  input.permits.push({ ...dup, referenceId: 'OC-forged', plate: plan.forged[0]!.plate }); // forged
  const report = auditChaos(input);
  expect(report.lost).toEqual([expect.stringContaining(a!.session.id)]);
  expect(report.doubled).toEqual([expect.stringContaining('(unexplained)')]);
  expect(report.doubled).toEqual([expect.stringContaining('no kill nearby')]);
  expect(report.wrong).toEqual([
    expect.stringContaining(`end 2099-01-01T00:00:00 ≠ ${c!.expected!.endTime}`),
    expect.stringContaining('forged'),
  ]);
  expect(report.missingWriteBacks).toEqual([expect.stringContaining(d!.session.id)]);
});

test('a double whose first answer was followed by a kill is reported apart, with its evidence', () => {
  const input = healthy();
  withOrphan(input, owed[0]!, { at: 5_000 });
  input.kills = [5_004];
  const report = auditChaos(input);
  expect(report.doubled).toEqual([]);
  expect(report.doubledInWindow).toEqual([
    expect.stringContaining('OC-orphan answered at 5000, process killed 4 ms later'),
  ]);
});

test('each double says what caused it, from the ledger notes and the kills', () => {
  const input = healthy();
  const [a, b] = owed;
  const note = (sessionId: string, outcome: string) => ({
    eventId: `${outcome}:${sessionId}`,
    eventType: outcome,
    sessionId,
    eventCreated: 1,
    livemode: false,
    outcome,
    detail: null,
    receivedAt: 1,
  });
  for (const [s, outcome] of [
    [a!, 'opscom.taken_over'],
    [b!, 'opscom.answer_lost'],
  ] as const) {
    const kept = input.permits.find((p) => p.plate === s.plate)!;
    input.permits.push({ ...kept, referenceId: `OC-second-${s.plate}` });
    input.notes.push(note(s.session.id, outcome));
  }
  const report = auditChaos(input);
  expect(report.doubledBy).toEqual({
    'killed in the window': 0,
    'taken over': 1,
    'answer lost': 1,
    unexplained: 0,
  });
  expect(report.doubled).toEqual([
    expect.stringContaining('(taken over)'),
    expect.stringContaining('(answer lost)'),
  ]);
});

test('the window is measured from the answer leaving OPSCOM to the ledger recording it', () => {
  const input = healthy();
  input.jobs.slice(0, 2).forEach((j, i) => {
    const job = j as unknown as { opscom: { referenceId: string; at: number } };
    job.opscom.at = 10_000 + (i + 1) * 7;
    input.opscomReceived.push({
      path: '',
      body: {},
      tokenValid: true,
      at: 9_990,
      answeredAt: 10_000,
      answered: 'success',
      referenceId: job.opscom.referenceId,
    });
  });
  expect(auditChaos(input).answerToRecordMs).toEqual([7, 14]);
});

test('a kill after OPSCOM received the request and before it answered is in the window too', () => {
  const input = healthy();
  withOrphan(input, owed[0]!, { at: 5_000, answeredAt: 5_900 });
  input.kills = [5_300];
  const report = auditChaos(input);
  expect(report.doubled).toEqual([]);
  expect(report.doubledBy['killed in the window']).toBe(1);
  expect(report.doubledInWindow).toEqual([
    expect.stringContaining('process killed 600 ms before (its request already with OPSCOM)'),
  ]);
});

test('a taken-over attempt whose owner was killed is in the window, however late OPSCOM saw it', () => {
  const input = healthy();
  const s = owed[0]!;
  // The attempt started at 3_890, its process was killed at 4_592, the busy simulator read
  // the request at 5_765 (more than the slack after the kill), another process took over at 7_056.
  withOrphan(input, s, { at: 5_765 });
  const takeover = (startedAt: number, at: number) => ({
    eventId: `opscom.taken_over:${s.session.id}:1`,
    eventType: 'opscom.taken_over',
    sessionId: s.session.id,
    eventCreated: 1,
    livemode: false,
    outcome: 'opscom.taken_over',
    detail: JSON.stringify({ owner: 'worker:b', attempt: 1, startedAt }),
    receivedAt: at,
  });
  input.kills = [4_592];
  input.notes.push(takeover(3_890, 7_056));
  const inWindow = auditChaos(input);
  expect(inWindow.doubled).toEqual([]);
  expect(inWindow.doubledBy['killed in the window']).toBe(1);

  // No kill between the attempt's start and the takeover: a live owner was taken over.
  input.notes.splice(-1, 1, takeover(4_600, 7_056));
  const outside = auditChaos(input);
  expect(outside.doubled).toEqual([expect.stringContaining('(taken over)')]);
  expect(outside.doubled[0]).toContain('no kill nearby');
});

test('a seed gives the same plan and schedule, however much a runtime stream was used', () => {
  const take = (r: () => number, n: number) => Array.from({ length: n }, r);
  const a = chaosStreams(4242);
  const b = chaosStreams(4242);
  take(b.opscomFaults, 1000); // faults drawn as requests happen, in any number
  take(b.fleet, 37);
  expect(take(a.schedule, 20)).toEqual(take(b.schedule, 20));
  // Ids are random (unique in every run); what each session is and is owed comes from the seed.
  const shape = (plan: ReturnType<typeof makeChaosPlan>) =>
    plan.sessions.map((x) => [x.kind, x.plate, x.expected, x.events.map((e) => e['type'])]);
  expect(shape(makeChaosPlan(30, a.plan, 0))).toEqual(shape(makeChaosPlan(30, b.plan, 0)));
  expect(take(chaosStreams(4243).schedule, 20)).not.toEqual(take(chaosStreams(4242).schedule, 20));
});

test('a permit standing for a payment refunded in full, or a lost correction, is wrong', () => {
  const input = healthy();
  const refunded = owed.find((s) => s.expected!.revoked)!;
  const corrected = owed.find((s) => s.correction)!;
  input.permits.find((p) => p.plate === refunded.plate)!.deleted = false;
  input.permits.find((p) => p.plate === corrected.correction)!.plate = corrected.plate;
  const report = auditChaos(input);
  expect(report.wrong).toEqual(
    expect.arrayContaining([
      expect.stringMatching(
        new RegExp(`${refunded.session.id}.*refunded in full, yet OC-\\d+ still standing`),
      ),
    ]),
  );
  expect(report.lost).toEqual([]);
  expect(report.wrong.join('\n')).toContain(`plate ${corrected.plate} ≠ ${corrected.correction!}`);
});

test('a permit staff removed on purpose is audited as made, not lost; any other deleted one is lost', () => {
  const input = healthy();
  const removed = owed.find((s) => s.enforcement === 'staff_removed')!;
  const plain = owed.find((s) => !s.enforcement && !s.expected!.revoked)!;
  input.permits.find((p) => p.plate === removed.plate)!.deleted = true;
  expect(auditChaos(input).lost).toEqual([]);
  input.permits.find((p) => p.plate === plain.plate)!.deleted = true;
  expect(auditChaos(input).lost).toEqual([expect.stringContaining(plain.session.id)]);
});
