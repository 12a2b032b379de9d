import { setTimeout as sleep } from 'node:timers/promises';
import type { Ledger } from '../../src/store/ledger';
import type { OpscomSimulator } from '../simulators/opscomSimulator';
import type { ChaosPlan } from './chaosPlan';
import { UNUSED_ZONE } from './enforcementCases';
import { auditVerification, type StaffRemoval, type VerifyReport } from './verifyAudit';

/**
 * The fleet's verification settings. A 2 s delay finds a planted case within seconds of its
 * permit; a round every 20 s finds a staff removal while corrections and replay still run, at
 * ~10 Plate Validation calls a second for 200 payments (a small share of what the simulator
 * answers); 50 a second per process is a cap that never holds a round back at these sizes.
 */
export function verifyEnv(opscomUrl: string): Record<string, string> {
  return {
    OPSCOM_VERIFY: 'on',
    OPSCOM_VALIDATE_URL: `${opscomUrl}/api/v1/validate/plate`,
    OPSCOM_VERIFY_DELAY_SECONDS: '2',
    OPSCOM_VERIFY_EVERY_SECONDS: '20',
    OPSCOM_VERIFY_PER_SECOND: '50',
  };
}

/** Tells the simulator's enforcement side that no lot uses the planted zone. */
export function plantUnusedZone(opscom: OpscomSimulator): void {
  opscom.enforcement.unusedZones.add(UNUSED_ZONE);
}

/**
 * Staff remove the planted sessions' permits inside OPSCOM, once they are made (the webhooks
 * have settled): every permit of the plate standing then. A session with none is not removed,
 * and the round names it.
 */
export function removeByStaff(plan: ChaosPlan, opscom: OpscomSimulator): Map<string, StaffRemoval> {
  const removals = new Map<string, StaffRemoval>();
  for (const s of plan.sessions.filter((p) => p.enforcement === 'staff_removed')) {
    const standing = [...opscom.permits.values()].filter((p) => p.plate === s.plate && !p.deleted);
    const references = standing
      .filter((p) => opscom.enforcement.removeByStaff(p.referenceId))
      .map((p) => p.referenceId);
    if (references.length > 0) removals.set(s.session.id, { at: Date.now(), references });
  }
  return removals;
}

/**
 * How long the closing round may take: a minute for a verifier in its longest outage wait
 * (faults were on until now), two rounds, and 20 ms a payment for a big run's backlog.
 */
export function verifyLimitMs(payments: number): number {
  return 60_000 + 2 * 20_000 + payments * 20;
}

export interface VerifyRound {
  report: VerifyReport;
  passed: boolean;
  tookMs: number;
  limitMs: number;
}

/**
 * The closing verification round: OPSCOM's faults off, waits (every second, up to `limitMs`)
 * until the audit of the ledger's verifications, alerts and notes passes; the last audit is
 * the round's result either way.
 */
export async function awaitVerification(
  plan: ChaosPlan,
  ledger: Ledger,
  opscom: OpscomSimulator,
  removals: ReadonlyMap<string, StaffRemoval>,
  limitMs: number,
): Promise<VerifyRound> {
  // Faults stop the round in progress and back the loop off; the round is about what
  // enforcement sees, so it runs against a healthy OPSCOM.
  opscom.faults.clear();
  const startedAt = Date.now();
  for (;;) {
    const [jobs, verifications, openAlerts, events] = await Promise.all([
      ledger.listJobs(),
      ledger.listVerifications({ limit: 1_000_000, offset: 0 }),
      ledger.openAlerts(),
      ledger.listEvents(),
    ]);
    const report = auditVerification({
      plan,
      jobs,
      verifications,
      openAlerts,
      notes: events.filter((e) => e.outcome.startsWith('verify.')),
      permits: [...opscom.permits.values()],
      removals,
    });
    const tookMs = Date.now() - startedAt;
    if (report.failing.length === 0) return { report, passed: true, tookMs, limitMs };
    if (tookMs >= limitMs) return { report, passed: false, tookMs, limitMs };
    await sleep(1000);
  }
}

/** The report's line for the round. */
export function describeVerifyRound(v: VerifyRound): string {
  const r = v.report;
  return `${r.checked} permits checked (${r.checks} checks); ${r.visible} of ${r.standing} standing visible; ${r.found} of ${r.planted} planted cases found, ${r.alerted} alerted once; ${r.transientAlerts} other(s) alerted and cleared; ${v.passed ? `passed after ${(v.tookMs / 1000).toFixed(1)} s` : `not passed within ${Math.round(v.limitMs / 1000)} s`}`;
}
