import { alertText } from '../domain/alertText';
import type { PlateSeen } from '../opscom/plateValidationAnswer';
import type { VerifierLedger } from '../store/callerLedgers';
import type { Job } from '../store/ledger';
import type { Verification } from '../store/verificationLedger';
import { livePermitOf } from '../worker/livePermit';
import type { NextVerification } from './nextVerification';
import type { Verdict } from './verdict';
import type { VerifyDeps } from './verifyRound';
import { seenRecord } from './seenRecord';

/** The key of a permit's unseen alert: one row per session, opened once, cleared once. */
export const unseenAlertKey = (sessionId: string) => `seen:${sessionId}`;

type AlertDeps = Pick<VerifyDeps, 'ledger' | 'logger'>;

export interface UnseenChange {
  row: Verification;
  job: Job;
  next: NextVerification;
  verdict: Verdict | undefined;
  seen: PlateSeen | undefined;
  at: number;
  deps: AlertDeps;
}

/**
 * Makes a recorded check that changed something loud, at once: a first miss is logged; a
 * permit that became unseen gets its note and alert; one seen again (or over) its note and the
 * alert cleared. `reconcileUnseenAlerts` does the same from the ledger, for a process killed
 * in between: the notes' ids are stable, the alert is one row, so nothing is said twice.
 */
export async function recordUnseenChange(c: UnseenChange): Promise<void> {
  const { row, next, verdict, at, deps } = c;
  if (!next.alert) {
    if (verdict && next.misses === 1) {
      deps.logger.info('enforcement does not see the permit as the ledger has it; asking again', {
        sessionId: row.sessionId,
        result: verdict.result,
        plate: row.plate,
      });
    }
    return;
  }
  const now: Verification = {
    ...row,
    state: next.state,
    misses: next.misses,
    checks: row.checks + (verdict ? 1 : 0),
    lastSeen: c.seen ? seenRecord(c.seen) : row.lastSeen,
  };
  if (next.alert.action === 'open') await alertUnseen(now, c.job, verdict?.cause, at, deps);
  else await clearUnseen(now, c.job, next.alert.why, at, deps);
}

/** Alerts and clears from the ledger what a killed process left unsaid (each verifier pass). */
export async function reconcileUnseenAlerts(deps: AlertDeps, at: number): Promise<void> {
  for (const v of await deps.ledger.unseenNeedingAlert(50)) {
    const job = await deps.ledger.getJob(v.sessionId);
    if (job) await alertUnseen(v, job, undefined, at, deps);
  }
  for (const { verification: v } of await deps.ledger.resolvedUnseenAlerts()) {
    const job = await deps.ledger.getJob(v.sessionId);
    if (job) await clearUnseen(v, job, whyResolved(v), at, deps);
  }
}

async function alertUnseen(
  v: Verification,
  job: Job,
  cause: string | undefined,
  at: number,
  deps: AlertDeps,
): Promise<void> {
  const state = v.state === 'still_visible' ? 'still_visible' : 'not_visible';
  const facts = factsOf(v, job);
  const why = cause ?? causeFromSeen(v, facts.zone);
  await note(deps.ledger, v, job, `verify.${state}`, at, {
    ...facts,
    cause: why,
    ...(v.lastSeen ? { seen: JSON.parse(v.lastSeen) as unknown } : {}),
  });
  await deps.ledger.raiseAlert({
    key: unseenAlertKey(v.sessionId),
    kind: 'not_visible',
    sessionId: v.sessionId,
    message: alertText.notVisible({ ...facts, state, cause: why }),
    now: at,
  });
  deps.logger.warn('enforcement does not see the permit as the ledger has it (twice in a row)', {
    sessionId: v.sessionId,
    state,
    plate: v.plate,
    zone: facts.zone,
    cause: why,
  });
}

async function clearUnseen(
  v: Verification,
  job: Job,
  why: string,
  at: number,
  deps: AlertDeps,
): Promise<void> {
  await note(deps.ledger, v, job, 'verify.resolved', at, { ...factsOf(v, job), why });
  await deps.ledger.clearAlert(
    unseenAlertKey(v.sessionId),
    alertText.notVisibleCleared(v.sessionId, v.plate, why),
    at,
  );
  deps.logger.info('unseen permit resolved', { sessionId: v.sessionId, why });
}

// The id names the permit's generation and its check count: written once per change of state.
const note = (
  ledger: Pick<VerifierLedger, 'recordNote'>,
  v: Verification,
  job: Job,
  type: string,
  at: number,
  detail: Record<string, unknown>,
) =>
  ledger.recordNote({
    eventId: `verify:${v.sessionId}:${v.generation}:${v.checks}:${type}`,
    eventType: type,
    sessionId: v.sessionId,
    eventCreated: Math.floor(at / 1000),
    livemode: job.livemode,
    outcome: type,
    detail: JSON.stringify(detail),
    receivedAt: at,
  });

function factsOf(v: Verification, job: Job) {
  const live = livePermitOf(job);
  return {
    sessionId: v.sessionId,
    plate: v.plate,
    zone: live?.zone ?? 'unknown',
    endsAt: live?.endsAt ?? job.opscom?.endsAt ?? 'unknown',
    status: live?.status ?? 'active',
  };
}

/** The likely cause, from what OPSCOM showed at the last check (when the verdict is gone). */
function causeFromSeen(v: Verification, zone: string): string {
  if (v.state === 'still_visible') return 'OPSCOM did not apply the delete or the new end';
  const seen = v.lastSeen ? (JSON.parse(v.lastSeen) as Partial<PlateSeen>) : undefined;
  const shown = (seen?.permits ?? []).filter((p) => p.active !== false);
  return shown.length === 0
    ? `enforcement shows no active permit for the plate: removed in OPSCOM, or its zone "${zone}" is used by no lot`
    : `enforcement shows the plate with another end (${shown.map((p) => p.expires).join(', ')}): changed in OPSCOM`;
}

function whyResolved(v: Verification): string {
  if (v.state === 'accepted') return `accepted by ${v.decidedBy ?? 'an operator'}`;
  if (v.state === 'over') return "the permit's time is over";
  if (v.state === 'gone') return 'enforcement no longer shows it';
  return `enforcement now sees it as ${v.state}`;
}
