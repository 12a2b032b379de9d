import { makeChaosPlan, seededRandom, type PlannedSession } from '../../tools/chaos/chaosPlan';
import { UNUSED_ZONE } from '../../tools/chaos/enforcementCases';
import {
  auditVerification,
  verifyFailingRows,
  type VerifyAuditInput,
} from '../../tools/chaos/verifyAudit';
import type { SimPermit } from '../../tools/simulators/opscomSimulator';
import type { Alert, EventRecord, Job } from '../../src/store/ledger';
import type { Verification, VerificationState } from '../../src/store/verificationLedger';

// The closing verification round must be able to fail: each way it can, planted by hand.
const plan = makeChaosPlan(200, seededRandom(11), Date.parse('2026-06-15T14:00:00Z'));
const owed = plan.sessions.filter((s) => s.expected);
const unusedZone = owed.filter((s) => s.enforcement === 'unused_zone');
const removed = owed.filter((s) => s.enforcement === 'staff_removed');
const standing = owed.filter((s) => !s.enforcement && !s.expected!.revoked);
const revoked = owed.find((s) => s.expected!.revoked)!;

const verification = (sessionId: string, plate: string, state: VerificationState) =>
  ({ sessionId, plate, state, checks: 3, lastResult: 'visible' }) as Verification;
const alert = (sessionId: string): Alert =>
  ({ key: `seen:${sessionId}`, kind: 'not_visible', sessionId }) as Alert;
const opened = (sessionId: string, n = 1): EventRecord => ({
  eventId: `verify:${sessionId}:1:${n}:verify.not_visible`,
  eventType: 'verify.not_visible',
  sessionId,
  eventCreated: 1,
  livemode: false,
  outcome: 'verify.not_visible',
  detail: null,
  receivedAt: 1,
});

/** What a passing round leaves: standing permits visible, each planted case found and alerted once. */
function passing(): VerifyAuditInput {
  const input: VerifyAuditInput = {
    plan,
    jobs: [],
    verifications: [],
    openAlerts: [],
    notes: [],
    permits: [],
    removals: new Map(),
  };
  const jobs = input.jobs as Job[];
  const verifications = input.verifications as Verification[];
  const permits = input.permits as SimPermit[];
  owed.forEach((s, i) => {
    const referenceId = `OC-${i}`;
    const gone = s.expected!.revoked || s.enforcement === 'staff_removed';
    permits.push({
      referenceId,
      plate: s.expected!.plate,
      zone: s.enforcement === 'unused_zone' ? UNUSED_ZONE : 'CHAOS',
      deleted: gone,
    } as SimPermit);
    jobs.push({
      sessionId: s.session.id,
      state: 'done',
      live: { referenceId, status: s.expected!.revoked ? 'deleted' : 'active' },
    } as unknown as Job);
    const state = s.enforcement ? 'not_visible' : s.expected!.revoked ? 'gone' : 'visible';
    verifications.push(verification(s.session.id, s.expected!.plate, state));
    if (s.enforcement) {
      (input.openAlerts as Alert[]).push(alert(s.session.id));
      (input.notes as EventRecord[]).push(opened(s.session.id));
    }
    if (s.enforcement === 'staff_removed')
      (input.removals as Map<string, unknown>).set(s.session.id, {
        at: 1,
        references: [referenceId],
      });
  });
  return input;
}

const mutable = (input: VerifyAuditInput) => ({
  verifications: input.verifications as Verification[],
  openAlerts: input.openAlerts as Alert[],
  notes: input.notes as EventRecord[],
  permits: input.permits as SimPermit[],
  removals: input.removals as Map<string, unknown>,
});
const find = (input: VerifyAuditInput, sessionId: string) =>
  mutable(input).verifications.find((v) => v.sessionId === sessionId)!;

test('the plan plants a few of each case, only in plain paid sessions, never refunded or corrected', () => {
  expect(unusedZone).toHaveLength(2);
  expect(removed).toHaveLength(2);
  for (const s of [...unusedZone, ...removed]) {
    expect(s.kind).toBe('paid');
    expect(s.refund).toBeUndefined();
    expect(s.correction).toBeUndefined();
  }
  for (const s of unusedZone) expect(s.session['metadata']).toMatchObject({ zone: UNUSED_ZONE });
  for (const s of removed) expect(s.session['metadata']).not.toHaveProperty('zone');
  // The same seed plants the same sessions.
  const again = makeChaosPlan(200, seededRandom(11), Date.parse('2026-06-15T14:00:00Z'));
  expect(again.sessions.map((s) => s.enforcement)).toEqual(plan.sessions.map((s) => s.enforcement));
});

test('a round where every standing permit is visible and each planted case is found once passes', () => {
  const report = auditVerification(passing());
  expect(report).toEqual({
    checked: owed.length,
    checks: 3 * owed.length,
    standing: standing.length,
    visible: standing.length,
    planted: 4,
    found: 4,
    alerted: 4,
    transientAlerts: 0,
    failing: [],
  });
});

test('a standing permit not (yet) visible fails, naming its session', () => {
  const input = passing();
  const s = standing[3]!;
  find(input, s.session.id).state = 'scheduled';
  const report = auditVerification(input);
  expect(report.visible).toBe(standing.length - 1);
  expect(report.failing).toEqual([
    expect.stringContaining(
      `${s.session.id} (paid, plate ${s.plate}): standing, not seen visible; verification scheduled`,
    ),
  ]);
  expect(verifyFailingRows(report.failing)).toEqual([
    { kind: 'not verified', sessionId: s.session.id, text: report.failing[0] },
  ]);
});

test('a standing permit with an open alert fails; one alerted and cleared is only counted', () => {
  const input = passing();
  const [a, b] = standing;
  mutable(input).openAlerts.push(alert(a!.session.id));
  mutable(input).notes.push(opened(a!.session.id), opened(b!.session.id));
  const report = auditVerification(input);
  expect(report.transientAlerts).toBe(2);
  expect(report.failing).toEqual([
    expect.stringContaining(
      `${a!.session.id} (paid, plate ${a!.plate}): alerted as unseen, yet not a planted case`,
    ),
  ]);
});

test('a revoked permit left still visible fails', () => {
  const input = passing();
  find(input, revoked.session.id).state = 'still_visible';
  expect(auditVerification(input).failing).toEqual([
    expect.stringContaining(
      `${revoked.session.id} (${revoked.kind}, plate ${revoked.plate}): left unseen`,
    ),
  ]);
});

test('a revoked permit still visible because OPSCOM still holds an orphan of it is no failure here', () => {
  const input = passing();
  find(input, revoked.session.id).state = 'still_visible';
  mutable(input).openAlerts.push(alert(revoked.session.id));
  const orphan = mutable(input).permits.find((p) => p.plate === revoked.expected!.plate)!;
  mutable(input).permits.push({ ...orphan, referenceId: 'OC-orphan', deleted: false });
  expect(auditVerification(input).failing).toEqual([]);
});

test('an unused-zone permit not found, not alerted, or alerted twice fails', () => {
  const [a, b] = unusedZone as [PlannedSession, PlannedSession];
  const cases: Array<[PlannedSession, (i: VerifyAuditInput) => void, string, number]> = [
    [a, (i) => (find(i, a.session.id).state = 'visible'), 'not found not visible', 4],
    [
      b,
      (i) => {
        const alerts = mutable(i).openAlerts;
        alerts.splice(
          alerts.findIndex((x) => x.sessionId === b.session.id),
          1,
        );
      },
      'no open alert',
      3,
    ],
    [a, (i) => mutable(i).notes.push(opened(a.session.id, 2)), 'alert opened 2 times, not once', 3],
  ];
  for (const [s, plant, why, alerted] of cases) {
    const input = passing();
    plant(input);
    const report = auditVerification(input);
    expect(report.failing).toEqual([
      expect.stringContaining(`${s.session.id} (paid, plate ${s.plate}): unused_zone: ${why}`),
    ]);
    expect(report.alerted).toBe(alerted);
  }
});

test('an unused-zone payment whose permit went to another zone fails', () => {
  const input = passing();
  const s = unusedZone[0]!;
  mutable(input).permits.find((p) => p.plate === s.plate)!.zone = 'CHAOS';
  expect(auditVerification(input).failing).toEqual([
    expect.stringContaining(`${s.session.id} (paid, plate ${s.plate}): unused_zone: permit OC-`),
  ]);
  expect(auditVerification(input).failing[0]).toContain(`in zone CHAOS, not ${UNUSED_ZONE}`);
});

test('a staff removal made again by the adapter fails, as does one never removed or not found', () => {
  const [remade, never] = removed;
  const input = passing();
  const first = mutable(input).permits.find((p) => p.plate === remade!.plate)!;
  mutable(input).permits.push({ ...first, referenceId: 'OC-again', deleted: false });
  mutable(input).removals.delete(never!.session.id);
  find(input, never!.session.id).state = 'visible';
  const report = auditVerification(input);
  expect(report.failing).toEqual([
    expect.stringContaining(
      `${remade!.session.id} (paid, plate ${remade!.plate}): staff_removed: made again after staff removed it: OC-again (2 creates in all); standing again in OPSCOM: OC-again`,
    ),
    expect.stringContaining(
      `${never!.session.id} (paid, plate ${never!.plate}): staff_removed: never removed by staff (no permit to remove); not found not visible`,
    ),
  ]);
  expect(report.found).toBe(3);
});
