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
export function verifyEnv(opscomUrl: string | undefined): Record<string, string> {
  return {
    OPSCOM_VERIFY: 'on',
    // With several sites the sites file names each site's endpoint (chaosSites.ts).
    ...(opscomUrl === undefined
      ? {}
      : { OPSCOM_VALIDATE_URL: `${opscomUrl}/api/v1/validate/plate` }),
    OPSCOM_VERIFY_DELAY_SECONDS: '2',
    OPSCOM_VERIFY_EVERY_SECONDS: '20',
    OPSCOM_VERIFY_PER_SECOND: '50',
  };
}

/**
 * One OPSCOM the round is audited against: a site's simulator and that site's sessions (the
 * whole plan with one site). Each simulator numbers its permits from OC-000001, so a site's
 * permits are only ever compared with its own sessions.
 */
export interface VerifySite {
  /** The site's id; undefined: the one site of the OPSCOM_* variables. */
  id: string | undefined;
  sim: OpscomSimulator;
  plan: Pick<ChaosPlan, 'sessions'>;
}

/** Tells the simulator's enforcement side that no lot uses the planted zone. */
export function plantUnusedZone(opscom: OpscomSimulator): void {
  opscom.enforcement.unusedZones.add(UNUSED_ZONE);
}

/**
 * Staff remove the planted sessions' permits inside OPSCOM, once they are made (the webhooks
 * have settled): every permit of the plate standing then, in the OPSCOM of the session's site.
 * A session with none is not removed, and the round names it.
 */
export function removeByStaff(sites: readonly VerifySite[]): Map<string, StaffRemoval> {
  const removals = new Map<string, StaffRemoval>();
  for (const { sim, plan } of sites) {
    for (const s of plan.sessions.filter((p) => p.enforcement === 'staff_removed')) {
      const standing = [...sim.permits.values()].filter((p) => p.plate === s.plate && !p.deleted);
      const references = standing
        .filter((p) => sim.enforcement.removeByStaff(p.referenceId))
        .map((p) => p.referenceId);
      if (references.length > 0) removals.set(s.session.id, { at: Date.now(), references });
    }
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
  /** Every site's audit together: its figures summed, its failing lines joined. */
  report: VerifyReport;
  /** Each site's own audit, when the run has several sites. */
  perSite: Array<{ id: string; report: VerifyReport }>;
  passed: boolean;
  tookMs: number;
  limitMs: number;
}

/**
 * The closing verification round: OPSCOM's faults off (every site's), waits (every second, up
 * to `limitMs`) until the audit of the ledger's verifications, alerts and notes passes for every
 * site, each site's sessions against its own OPSCOM; the last audit is the round's result.
 */
export async function awaitVerification(
  sites: readonly VerifySite[],
  ledger: Ledger,
  removals: ReadonlyMap<string, StaffRemoval>,
  limitMs: number,
): Promise<VerifyRound> {
  // Faults stop the round in progress and back the loop off; the round is about what
  // enforcement sees, so it runs against a healthy OPSCOM.
  for (const site of sites) site.sim.faults.clear();
  const startedAt = Date.now();
  for (;;) {
    const [jobs, verifications, openAlerts, events] = await Promise.all([
      ledger.listJobs(),
      ledger.listVerifications({ limit: 1_000_000, offset: 0 }),
      ledger.openAlerts(),
      ledger.listEvents(),
    ]);
    const notes = events.filter((e) => e.outcome.startsWith('verify.'));
    const perSite = sites.map((site) => ({
      id: site.id ?? 'default',
      report: auditVerification({
        plan: site.plan,
        jobs,
        verifications,
        openAlerts,
        notes,
        permits: [...site.sim.permits.values()],
        removals,
      }),
    }));
    const report = mergeVerifyReports(perSite.map((s) => s.report));
    const tookMs = Date.now() - startedAt;
    const round = { report, perSite: sites.length > 1 ? perSite : [], tookMs, limitMs };
    if (report.failing.length === 0) return { ...round, passed: true };
    if (tookMs >= limitMs) return { ...round, passed: false };
    await sleep(1000);
  }
}

/** Several sites' audits as one: counts summed, failing lines in site order. */
export function mergeVerifyReports(reports: readonly VerifyReport[]): VerifyReport {
  const merged: VerifyReport = {
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
  for (const r of reports) {
    for (const key of COUNTS) merged[key] += r[key];
    merged.failing.push(...r.failing);
  }
  return merged;
}

const COUNTS = [
  'checked',
  'checks',
  'standing',
  'visible',
  'planted',
  'found',
  'alerted',
  'transientAlerts',
] as const;

/** The report's line for the round (and, with several sites, each site's figures). */
export function describeVerifyRound(v: VerifyRound): string {
  const r = v.report;
  const sites = v.perSite.map(
    ({ id, report: s }) =>
      `${id}: ${s.visible} of ${s.standing} visible, ${s.found} of ${s.planted} planted found, ${s.alerted} alerted once${s.failing.length > 0 ? `, ${s.failing.length} failing` : ''}`,
  );
  return `${r.checked} permits checked (${r.checks} checks); ${r.visible} of ${r.standing} standing visible; ${r.found} of ${r.planted} planted cases found, ${r.alerted} alerted once; ${r.transientAlerts} other(s) alerted and cleared; ${v.passed ? `passed after ${(v.tookMs / 1000).toFixed(1)} s` : `not passed within ${Math.round(v.limitMs / 1000)} s`}${sites.length > 0 ? ` (${sites.join('; ')})` : ''}`;
}
