import type { OpscomReceived, SimPermit } from '../simulators/opscomSimulator';
import type { StripeObject } from '../simulators/stripeSimulator';
import type { EventRecord, Job } from '../../src/store/ledger';
import type { ChaosPlan } from './chaosPlan';

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
    if (permits.length === 0) {
      report.lost.push(
        `${label}: no permit; ledger ${job?.state ?? 'none'} ${job?.lastError ?? ''}`,
      );
      continue;
    }
    const recorded = job?.opscom?.referenceId;
    const kept = permits.find((p) => p.referenceId === recorded);
    if (permits.length > 1) {
      const evidence = permits
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
                input.kills.find((k) => k >= receivedAt - WINDOW_MS && k <= answeredAt + WINDOW_MS);
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
      const seen = notes.get(s.session.id) ?? new Set<string>();
      const cause: DoubleCause = inWindow
        ? 'killed in the window'
        : seen.has('opscom.taken_over')
          ? 'taken over'
          : seen.has('opscom.answer_lost')
            ? 'answer lost'
            : 'unexplained';
      report.doubledBy[cause]++;
      const line = `${label}: ${permits.length} permits (${cause}), ledger kept ${recorded ?? 'none'} after ${job?.opscomAttempts ?? '?'} attempts; ${text}`;
      if (inWindow) report.doubledInWindow.push(line);
      else report.doubled.push(line);
    }
    const permit = kept ?? permits[0]!;
    const mismatches = [
      permit.startTime !== s.expected.startTime &&
        `start ${permit.startTime} ≠ ${s.expected.startTime}`,
      permit.endTime !== s.expected.endTime && `end ${permit.endTime} ≠ ${s.expected.endTime}`,
      permit.amount !== s.expected.amount && `amount ${permit.amount} ≠ ${s.expected.amount}`,
      permit.currency !== 'CAD' && `currency ${permit.currency}`,
    ].filter(Boolean);
    if (mismatches.length > 0) report.wrong.push(`${label}: ${mismatches.join(', ')}`);
    if (job?.state !== 'done' || recorded !== permit.referenceId) {
      report.ledgerDisagrees.push(
        `${label}: ledger ${job?.state ?? 'none'} with ${recorded ?? 'no reference'}, OPSCOM has ${permit.referenceId}`,
      );
    }
    const written = input.stripeSessions.get(s.session.id)?.metadata['opscom_reference_id'];
    if (written !== permit.referenceId)
      report.missingWriteBacks.push(
        `${label}: Stripe has ${written ?? 'nothing'}, OPSCOM ${permit.referenceId}`,
      );
  }
  for (const f of input.plan.forged) {
    if ((byPlate.get(f.plate) ?? []).length > 0)
      report.wrong.push(`forged ${f.kind} request for plate ${f.plate} became a permit`);
  }
  return report;
}
