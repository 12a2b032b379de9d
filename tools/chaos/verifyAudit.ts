import type { SimPermit } from '../simulators/opscomSimulator';
import type { Alert, EventRecord, Job } from '../../src/store/ledger';
import type { Verification } from '../../src/store/verificationLedger';
import type { FailingRow } from './audit';
import type { ChaosPlan, PlannedSession } from './chaosPlan';
import { UNUSED_ZONE } from './enforcementCases';

/** What the run did to OPSCOM behind the adapter's back: a staff removal, per session. */
export interface StaffRemoval {
  at: number;
  /** Every permit of the plate standing when staff removed it (one, unless a kill doubled it). */
  references: string[];
}

export interface VerifyAuditInput {
  plan: Pick<ChaosPlan, 'sessions'>;
  jobs: readonly Job[];
  verifications: readonly Verification[];
  openAlerts: readonly Alert[];
  /** The ledger's `verify.*` notes. */
  notes: readonly EventRecord[];
  permits: readonly SimPermit[];
  removals: ReadonlyMap<string, StaffRemoval>;
}

export interface VerifyReport {
  /** Permits of the plan checked at least once, and the checks made. */
  checked: number;
  checks: number;
  /** Standing permits (not planted cases) and how many of them enforcement sees. */
  standing: number;
  visible: number;
  /** Planted cases, those found not visible, and those with their one alert open. */
  planted: number;
  found: number;
  alerted: number;
  /** Sessions outside the planted cases alerted as unseen at some point (since cleared). */
  transientAlerts: number;
  /** One line per session that fails the round, starting with its label (`cs_… (kind, …)`). */
  failing: string[];
}

const label = (s: PlannedSession) => `${s.session.id} (${s.kind}, plate ${s.plate})`;

/**
 * The closing verification round (pure): every standing permit is `visible`; every planted
 * case (a zone no lot uses, a permit staff removed) is `not_visible` with its alert open and
 * opened once, and a removed permit was never made again; no other permit is left unseen or
 * alerted. Permits revoked by a full refund must not be left unseen either.
 */
export function auditVerification(input: VerifyAuditInput): VerifyReport {
  const rows = new Map(input.verifications.map((v) => [v.sessionId, v]));
  const jobs = new Map(input.jobs.map((j) => [j.sessionId, j]));
  const alerted = new Set(
    input.openAlerts.filter((a) => a.kind === 'not_visible').map((a) => a.sessionId),
  );
  const opened = new Map<string, number>();
  for (const n of input.notes) {
    if (n.sessionId && n.outcome === 'verify.not_visible')
      opened.set(n.sessionId, (opened.get(n.sessionId) ?? 0) + 1);
  }
  const r: VerifyReport = {
    checked: 0,
    checks: 0,
    standing: 0,
    visible: 0,
    planted: 0,
    found: 0,
    alerted: 0,
    transientAlerts: 0,
    failing: [],
  };
  for (const s of input.plan.sessions) {
    const v = rows.get(s.session.id);
    if (v && v.checks > 0) {
      r.checked++;
      r.checks += v.checks;
    }
    if (!s.expected) continue;
    const state = `verification ${v?.state ?? 'none'} after ${v?.checks ?? 0} checks (last ${v?.lastResult ?? 'none'}), alert ${alerted.has(s.session.id) ? 'open' : 'none'}`;
    if (s.enforcement) {
      r.planted++;
      const problems = plantedProblems(s, v, alerted, opened, input);
      if (v?.state === 'not_visible') r.found++;
      if (alerted.has(s.session.id) && opened.get(s.session.id) === 1) r.alerted++;
      if (problems.length > 0)
        r.failing.push(`${label(s)}: ${s.enforcement}: ${problems.join('; ')}; ${state}`);
      continue;
    }
    if (opened.has(s.session.id)) r.transientAlerts++;
    // Refunded in full, yet OPSCOM still holds a permit of the plate (a kill-in-window orphan,
    // which the main audit judges): enforcement still seeing it is the right finding.
    const held = input.permits.some(
      (p) => !p.deleted && (p.plate === s.plate || p.plate === s.correction),
    );
    if (s.expected.revoked && held) continue;
    if (alerted.has(s.session.id)) {
      r.failing.push(`${label(s)}: alerted as unseen, yet not a planted case; ${state}`);
      continue;
    }
    const job = jobs.get(s.session.id);
    // Not made, or revoked: the main audit judges those; here only nothing may be left unseen.
    if (s.expected.revoked || job?.state !== 'done' || job.live?.status === 'deleted') {
      if (v?.state === 'not_visible' || v?.state === 'still_visible')
        r.failing.push(`${label(s)}: left unseen; ${state}`);
      continue;
    }
    r.standing++;
    if (v?.state === 'visible') r.visible++;
    else r.failing.push(`${label(s)}: standing, not seen visible; ${state}`);
  }
  return r;
}

/** Why a planted case is not (yet) found and alerted once; empty when it is. */
function plantedProblems(
  s: PlannedSession,
  v: Verification | undefined,
  alerted: ReadonlySet<string | null>,
  opened: ReadonlyMap<string, number>,
  input: VerifyAuditInput,
): string[] {
  const problems: string[] = [];
  const permits = input.permits.filter((p) => p.plate === s.plate);
  if (s.enforcement === 'unused_zone') {
    const elsewhere = permits.filter((p) => p.zone !== UNUSED_ZONE);
    if (permits.length === 0) problems.push('no permit made');
    if (elsewhere.length > 0)
      problems.push(
        `permit ${elsewhere.map((p) => `${p.referenceId} in zone ${p.zone ?? 'none'}`).join(', ')}, not ${UNUSED_ZONE}`,
      );
  } else {
    const removal = input.removals.get(s.session.id);
    if (!removal) problems.push('never removed by staff (no permit to remove)');
    const again = permits.filter((p) => !removal?.references.includes(p.referenceId));
    if (removal && again.length > 0)
      problems.push(
        `made again after staff removed it: ${again.map((p) => p.referenceId).join(', ')} (${permits.length} creates in all)`,
      );
    const standing = permits.filter((p) => !p.deleted);
    if (standing.length > 0)
      problems.push(`standing again in OPSCOM: ${standing.map((p) => p.referenceId).join(', ')}`);
  }
  if (v?.state !== 'not_visible') problems.push('not found not visible');
  if (!alerted.has(s.session.id)) problems.push('no open alert');
  const n = opened.get(s.session.id) ?? 0;
  if (n !== 1) problems.push(`alert opened ${n} times, not once`);
  return problems;
}

/** The round's failing lines as the run's failing rows (a timeline each, when kept). */
export function verifyFailingRows(failing: readonly string[]): FailingRow[] {
  return failing.flatMap((text) => {
    const sessionId = /^(cs_\w+) \(/.exec(text)?.[1];
    return sessionId ? [{ kind: 'not verified', sessionId, text }] : [];
  });
}
