import type { OpscomReceived, SimPermit } from '../simulators/opscomSimulator';
import type { StripeObject } from '../simulators/stripeSimulator';
import type { EventRecord, Job } from '../../src/store/ledger';
import type { ChaosPlan, PlannedSession } from './chaosPlan';

export interface AuditInput {
  plan: ChaosPlan;
  permits: SimPermit[];
  opscomReceived: OpscomReceived[];
  stripeSessions: Map<string, StripeObject>;
  jobs: Job[];
  /** The ledger's notes on OPSCOM attempts (opscom.taken_over, opscom.answer_lost, …). */
  notes: EventRecord[];
  kills: number[];
}

/** Why a session got a second permit, as far as the evidence tells. */
export type DoubleCause =
  | 'killed in the window' // OPSCOM answered, the owner was SIGKILLed before recording it
  | 'taken over' // the owner went away with its attempt in flight; another took the job
  | 'answer lost' // no answer within timeout + grace (or a broken connection): retried
  | 'unexplained';

export interface AuditReport {
  /** Paid, mappable sessions with no permit. */
  lost: string[];
  /** Sessions with more than one permit, outside the documented window. */
  doubled: string[];
  /** Every doubled session (in the window or not) by its cause. */
  doubledBy: Record<DoubleCause, number>;
  /**
   * The documented window as it was: ms from OPSCOM's answer leaving to the ledger recording
   * it, over every permit the ledger recorded (sorted).
   */
  answerToRecordMs: number[];
  /** Doubled inside the window (OPSCOM answered, the process was killed before recording it). */
  doubledInWindow: string[];
  /** A permit with the wrong plate, times or amount; or a permit for a session owed none. */
  wrong: string[];
  /** Permits whose reference is not in the session's Stripe metadata. */
  missingWriteBacks: string[];
  /** The ledger disagrees with OPSCOM or with the session's kind. */
  ledgerDisagrees: string[];
}

/** A failing row of the audit (or of settling) and the session it names. */
export interface FailingRow {
  kind: string;
  sessionId: string;
  text: string;
}

/**
 * The failing rows of a report, each with its session: every row starts with the session's
 * label (`cs_… (kind, plate …)`, see auditChaos). A forged request's row names no session and
 * is left out (it has no session to tell the story of).
 */
export function failingRows(report: AuditReport): FailingRow[] {
  const kinds: Array<[string, readonly string[]]> = [
    ['lost', report.lost],
    ['doubled', report.doubled],
    ['wrong', report.wrong],
    ['missing write-back', report.missingWriteBacks],
    ['ledger disagrees', report.ledgerDisagrees],
  ];
  return kinds.flatMap(([kind, rows]) =>
    rows.flatMap((text) => {
      const sessionId = /^(cs_\w+) \(/.exec(text)?.[1];
      return sessionId ? [{ kind, sessionId, text }] : [];
    }),
  );
}

/**
 * The documented window: a process killed after it sent its request (OPSCOM goes on and makes
 * the permit) and before the answer was recorded. A kill up to this long before OPSCOM saw the
 * request or after its answer left counts (generous: the measured answer → ledger time is
 * printed beside).
 */
const WINDOW_MS = 1000;

/** Compares what OPSCOM and Stripe hold with what the plan says each session is owed. */
export function auditChaos(input: AuditInput): AuditReport {
  const report: AuditReport = {
    lost: [],
    doubled: [],
    doubledBy: { 'killed in the window': 0, 'taken over': 0, 'answer lost': 0, unexplained: 0 },
    answerToRecordMs: [],
    doubledInWindow: [],
    wrong: [],
    missingWriteBacks: [],
    ledgerDisagrees: [],
  };
  const byPlate = new Map<string, SimPermit[]>();
  for (const p of input.permits) byPlate.set(p.plate, [...(byPlate.get(p.plate) ?? []), p]);
  const jobs = new Map(input.jobs.map((j) => [j.sessionId, j]));
  const notes = new Map<string, Set<string>>();
  for (const n of input.notes) {
    if (n.sessionId) notes.set(n.sessionId, (notes.get(n.sessionId) ?? new Set()).add(n.outcome));
  }
  const answeredAt = new Map(
    input.opscomReceived
      .filter((r) => r.referenceId !== undefined && r.answeredAt !== undefined)
      .map((r) => [r.referenceId!, r.answeredAt!]),
  );
  for (const j of input.jobs) {
    const at = j.opscom ? answeredAt.get(j.opscom.referenceId) : undefined;
    if (j.opscom && at !== undefined) report.answerToRecordMs.push(j.opscom.at - at);
  }
  report.answerToRecordMs.sort((a, b) => a - b);

  for (const s of input.plan.sessions) {
    const permits = byPlate.get(s.plate) ?? [];
    const job = jobs.get(s.session.id);
    const label = `${s.session.id} (${s.kind}, plate ${s.plate})`;
    if (!s.expected) {
      if (permits.length > 0) report.wrong.push(`${label}: owed no permit, has ${permits.length}`);
      const expectedStates =
        s.kind === 'bad_metadata' ? ['failed'] : ['awaiting_payment', 'payment_failed'];
      if (!job || !expectedStates.includes(job.state)) {
        report.ledgerDisagrees.push(
          `${label}: ledger state ${job?.state ?? 'none'}, expected ${expectedStates.join('/')}`,
        );
      }
      continue;
    }
    // A correction changes the plate in place: the session's permits carry either plate.
    const all = s.correction ? [...permits, ...(byPlate.get(s.correction) ?? [])] : permits;
    const seen = notes.get(s.session.id) ?? new Set<string>();
    if (s.expected.revoked) {
      auditRevoked(s, all, job, label, report, input, seen);
      continue;
    }
    // Staff removed it inside OPSCOM on purpose: its (deleted) permit is still audited as made;
    // that it stays removed is the verification round's to check (verifyAudit.ts).
    const standing = s.enforcement === 'staff_removed' ? all : all.filter((p) => !p.deleted);
    if (standing.length === 0) {
      report.lost.push(
        `${label}: no permit standing (${all.length} made); ledger ${job?.state ?? 'none'} ${job?.lastError ?? ''}`,
      );
      continue;
    }
    const recorded = job?.opscom?.referenceId;
    const kept = standing.find((p) => p.referenceId === recorded);
    if (all.length > 1) classifyDouble(label, all, kept, job, report, input, seen);
    const permit = kept ?? standing[0]!;
    const status = s.refund ? 'shortened' : 'active';
    const mismatches = [
      permit.plate !== s.expected.plate && `plate ${permit.plate} ≠ ${s.expected.plate}`,
      permit.startTime !== s.expected.startTime &&
        `start ${permit.startTime} ≠ ${s.expected.startTime}`,
      permit.endTime !== s.expected.endTime && `end ${permit.endTime} ≠ ${s.expected.endTime}`,
      permit.amount !== s.expected.amount && `amount ${permit.amount} ≠ ${s.expected.amount}`,
      permit.currency !== 'CAD' && `currency ${permit.currency}`,
    ].filter(Boolean);
    if (mismatches.length > 0) {
      report.wrong.push(
        `${label}: ${mismatches.join(', ')}; ledger paid at ${job?.paidAt ?? '?'} by ${job?.paidEventId ?? 'no event'}, ${job?.opscomAttempts ?? '?'} attempts`,
      );
    }
    if (job?.state !== 'done' || recorded !== permit.referenceId) {
      report.ledgerDisagrees.push(
        `${label}: ledger ${job?.state ?? 'none'} with ${recorded ?? 'no reference'}, OPSCOM has ${permit.referenceId}`,
      );
    }
    const metadata = input.stripeSessions.get(s.session.id)?.metadata ?? {};
    if (
      metadata['opscom_reference_id'] !== permit.referenceId ||
      metadata['opscom_permit_status'] !== status
    )
      report.missingWriteBacks.push(
        `${label}: Stripe has ${metadata['opscom_reference_id'] ?? 'nothing'} (${metadata['opscom_permit_status'] ?? 'no status'}), OPSCOM ${permit.referenceId} (${status}); ledger ${job?.state ?? 'none'}, live ${job?.live?.status ?? 'none'}, write-back round ${job?.writeBackRound ?? '?'}, revision ${job?.revision ?? '?'}`,
      );
  }
  for (const f of input.plan.forged) {
    if ((byPlate.get(f.plate) ?? []).length > 0)
      report.wrong.push(`forged ${f.kind} request for plate ${f.plate} became a permit`);
  }
  return report;
}

/**
 * A session refunded in full (ON_FULL_REFUND=delete): no permit of it may stand. It was either
 * cancelled before any was made, or made and deleted; a permit left standing by a kill in the
 * window (OPSCOM made it, the ledger never knew) is reported as such.
 */
function auditRevoked(
  s: PlannedSession,
  all: SimPermit[],
  job: Job | undefined,
  label: string,
  report: AuditReport,
  input: AuditInput,
  seen: Set<string>,
): void {
  const recorded = job?.opscom?.referenceId;
  const kept = all.find((p) => p.referenceId === recorded);
  if (all.length > 1) classifyDouble(label, all, kept, job, report, input, seen);
  const standing = all.filter((p) => !p.deleted);
  const inWindow = report.doubledInWindow.some((l) => l.startsWith(label));
  const orphans = new Set(inWindow ? all.filter((p) => p !== kept).map((p) => p.referenceId) : []);
  const wrongly = standing.filter((p) => !orphans.has(p.referenceId));
  if (wrongly.length > 0) {
    report.wrong.push(
      `${label}: refunded in full, yet ${wrongly.map((p) => p.referenceId).join(', ')} still standing`,
    );
  }
  const state = job?.state;
  const fine =
    state === 'cancelled' ? all.length === 0 || recorded === undefined : state === 'done';
  if (!fine || (state === 'done' && job?.live?.status !== 'deleted')) {
    report.ledgerDisagrees.push(
      `${label}: refunded in full; ledger ${state ?? 'none'} (${job?.live?.status ?? 'no permit'})`,
    );
  }
  const metadata = input.stripeSessions.get(s.session.id)?.metadata ?? {};
  if (state === 'done' && metadata['opscom_permit_status'] !== 'deleted') {
    report.missingWriteBacks.push(
      `${label}: refunded in full; Stripe says ${metadata['opscom_permit_status'] ?? 'nothing'}, not deleted`,
    );
  }
}

/** Several permits for one session: which one the ledger kept, and why the others exist. */
/**
 * The ledger's own account of the window: a process was killed after the attempt that was in
 * flight started and before another process took the job over (`opscom.taken_over` notes when
 * the attempt started). An orphan OPSCOM received after that start is that attempt's request,
 * however late the busy simulator got to it (seen 1.2 s after the kill at a load of 6).
 */
function killDuringTakenOverAttempt(
  receivedAt: number,
  job: Job | undefined,
  input: AuditInput,
): number | undefined {
  for (const n of input.notes) {
    if (n.eventType !== 'opscom.taken_over' || n.sessionId !== job?.sessionId) continue;
    const startedAt = startedAtOf(n.detail);
    if (startedAt === undefined || receivedAt < startedAt) continue;
    const kill = input.kills.find((k) => k >= startedAt && k <= n.receivedAt);
    if (kill !== undefined) return kill;
  }
  return undefined;
}

function startedAtOf(detail: string | null): number | undefined {
  try {
    const value = (JSON.parse(detail ?? 'null') as { startedAt?: unknown } | null)?.startedAt;
    return typeof value === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

function classifyDouble(
  label: string,
  all: SimPermit[],
  kept: SimPermit | undefined,
  job: Job | undefined,
  report: AuditReport,
  input: AuditInput,
  seen: Set<string>,
): void {
  const recorded = job?.opscom?.referenceId;
  const evidence = all
    .filter((p) => p !== kept)
    .map((orphan) => {
      const answer = input.opscomReceived.find((r) => r.referenceId === orphan.referenceId);
      const receivedAt = answer?.at;
      const answeredAt = answer?.answeredAt ?? receivedAt;
      const kill =
        receivedAt === undefined || answeredAt === undefined
          ? undefined
          : // The simulator runs in the busy chaos driver, which may handle a request
            // sent just before a kill only after it: hence the slack before `receivedAt`.
            (input.kills.find((k) => k >= receivedAt - WINDOW_MS && k <= answeredAt + WINDOW_MS) ??
            killDuringTakenOverAttempt(receivedAt, job, input));
      return { orphan, answeredAt, kill };
    });
  const text = evidence
    .map(
      (e) =>
        `${e.orphan.referenceId} answered at ${e.answeredAt ?? '?'}${e.kill === undefined ? ', no kill nearby' : `, process killed ${Math.abs(e.kill - e.answeredAt!)} ms ${e.kill >= e.answeredAt! ? 'later' : 'before (its request already with OPSCOM)'}`}`,
    )
    .join('; ');
  const inWindow =
    kept !== undefined &&
    evidence.every((e) => e.kill !== undefined) &&
    (job?.opscomAttempts ?? 0) > 1;
  const cause: DoubleCause = inWindow
    ? 'killed in the window'
    : seen.has('opscom.taken_over')
      ? 'taken over'
      : seen.has('opscom.answer_lost')
        ? 'answer lost'
        : 'unexplained';
  report.doubledBy[cause]++;
  const line = `${label}: ${all.length} permits (${cause}), ledger kept ${recorded ?? 'none'} after ${job?.opscomAttempts ?? '?'} attempts; ${text}`;
  if (inWindow) report.doubledInWindow.push(line);
  else report.doubled.push(line);
}
