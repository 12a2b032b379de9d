import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import {
  startOpscomSimulator,
  type OpscomSimulator,
  type OpscomSimulatorOptions,
} from '../simulators/opscomSimulator';
import type { Fault } from '../simulators/simHttp';
import type { StripeAccountObjects, StripeSimulator } from '../simulators/stripeSimulator';
import { auditChaos, type AuditInput, type AuditReport } from './audit';
import type { ChaosPlan, PlannedSession } from './chaosPlan';
import { markEnforcementCases, UNUSED_ZONE } from './enforcementCases';
import type { VerifySite } from './verifyPhase';

/** One site of a `--sites 3` run: recognised by metadata.site, or a Connect account's. */
export interface ChaosSite {
  id: string;
  client: string;
  timezone: string;
  zone: string;
  tokenEnv: string;
  token: string;
  /** Its payments come from this connected account (events carry `account`). */
  stripeAccount?: string;
  /**
   * It names its own Plate Validation endpoint (`opscom.validateUrl`, its simulator's); the
   * others are asked at OPSCOM_VALIDATE_URL, which the run points at the last of them.
   */
  ownValidateUrl?: boolean;
}

// Three sites in three timezones, so a start time computed in the wrong one shows in the audit.
export const CHAOS_SITES: readonly ChaosSite[] = [
  { ...site('north', 'America/Toronto'), ownValidateUrl: true },
  { ...site('west', 'America/Vancouver'), ownValidateUrl: true },
  { ...site('harbour', 'America/Halifax'), stripeAccount: 'acct_1ChaosHarbour' },
];

function site(id: string, timezone: string): ChaosSite {
  const upper = id.toUpperCase();
  return {
    id,
    client: `OC-${upper}`,
    timezone,
    zone: `Lot ${upper}`,
    tokenEnv: `CHAOS_${upper}_TOKEN`,
    token: `chaos-${id}-token`,
  };
}

const PLAN_TZ = 'America/Toronto';
const VALIDATE_PATH = '/api/v1/validate/plate';
const WALL = "yyyy-MM-dd'T'HH:mm:ss";
/** The run's usual OPSCOM faults (as chaosRun sets on its one simulator). */
const FAULT_RATE = 0.2;
const FAULT_KINDS: Fault[] = ['500', 'hang', 'reset', 'error200'];

export interface ChaosSites {
  sites: readonly ChaosSite[];
  sims: OpscomSimulator[];
  /**
   * SITES_FILE, each site's token variable and OPSCOM_VALIDATE_URL (the Plate Validation of the
   * sites that name none of their own), for the adapters and replay.
   */
  env: Record<string, string>;
  /** Each site's simulator and sessions, for the verification round (after `assign`). */
  verifySites(plan: ChaosPlan): VerifySite[];
  /** Which site's a session is (its id), after `assign`. */
  siteOf(sessionId: string): string | undefined;
  /** Gives each planned session its site (round robin) and its expected times in its timezone. */
  assign(plan: ChaosPlan): void;
  /** Where a session's Stripe objects live: the platform's or its connected account's. */
  objectsOf(s: PlannedSession, stripe: StripeSimulator): StripeAccountObjects;
  /** One site's OPSCOM down, another's token refused, each for a while; resolves when both end. */
  startOutages(say: (line: string) => void, outageMs: number): Promise<void>;
  audit(
    input: Omit<AuditInput, 'permits' | 'opscomReceived' | 'stripeSessions'>,
    stripe: StripeSimulator,
  ): AuditReport;
  faultsInjected(): string;
  close(): Promise<void>;
}

/** Each site's OPSCOM simulator (the usual faults on), and the sites file naming them. */
export async function startChaosSites(dir: string, random: () => number): Promise<ChaosSites> {
  // Kept: the simulator reads its token from these options at each call, so a token can be
  // "rotated" inside OPSCOM for a while (what a refused token looks like to the adapter).
  const options: OpscomSimulatorOptions[] = CHAOS_SITES.map((s) => ({
    apiToken: s.token,
    client: s.client,
    timezone: s.timezone,
    random,
  }));
  const sims = await Promise.all(options.map((o) => startOpscomSimulator(o)));
  for (const sim of sims) {
    sim.faults.setRate(FAULT_RATE, FAULT_KINDS);
    // The planted unused-zone payments: no lot of any site uses their zone.
    sim.enforcement.unusedZones.add(UNUSED_ZONE);
  }
  const env = writeSitesFile(dir, sims);
  const siteOf = new Map<string, number>();
  const sessionsOf = (i: number, plan: ChaosPlan) =>
    plan.sessions.filter((s) => siteOf.get(s.session.id) === i);
  return {
    sites: CHAOS_SITES,
    sims,
    env,
    assign: (plan) => assignSites(plan, siteOf),
    verifySites: (plan) =>
      sims.map((sim, i) => ({
        id: CHAOS_SITES[i]!.id,
        sim,
        plan: { sessions: sessionsOf(i, plan) },
      })),
    siteOf: (sessionId) => {
      const i = siteOf.get(sessionId);
      return i === undefined ? undefined : CHAOS_SITES[i]?.id;
    },
    objectsOf(s, stripe) {
      const acct = CHAOS_SITES[siteOf.get(s.session.id) ?? 0]!.stripeAccount;
      return acct === undefined ? stripe : stripe.account(acct);
    },
    startOutages: (say, outageMs) => outages(sims, options, say, outageMs),
    audit(input, stripe) {
      const stripeSessions = new Map(stripe.sessions);
      for (const s of CHAOS_SITES) {
        if (s.stripeAccount)
          for (const e of stripe.account(s.stripeAccount).sessions) stripeSessions.set(...e);
      }
      const reports = sims.map((sim, i) =>
        auditChaos({
          ...input,
          plan: { sessions: sessionsOf(i, input.plan), forged: input.plan.forged },
          // Each simulator numbers its permits from OC-000001: a site's jobs only, so that a
          // reference is looked up in the simulator that made it.
          jobs: input.jobs.filter((j) => siteOf.get(j.sessionId) === i),
          permits: [...sim.permits.values()],
          opscomReceived: sim.received,
          stripeSessions,
        }),
      );
      const merged = mergeReports(reports);
      merged.wrong.push(...misplaced(input.plan, siteOf, sims));
      return merged;
    },
    faultsInjected: () =>
      sims.map((sim, i) => `${CHAOS_SITES[i]!.id} ${sim.faults.injected}`).join(', '),
    close: async () => {
      for (const sim of sims) await sim.close();
    },
  };
}

function writeSitesFile(dir: string, sims: readonly OpscomSimulator[]): Record<string, string> {
  const env: Record<string, string> = {};
  const sites = CHAOS_SITES.map((s, i) => {
    env[s.tokenEnv] = s.token;
    return {
      id: s.id,
      name: `Chaos ${s.id}`,
      ...(s.stripeAccount ? { stripeAccount: s.stripeAccount } : {}),
      opscom: {
        baseUrl: sims[i]!.url,
        ...(s.ownValidateUrl ? { validateUrl: `${sims[i]!.url}${VALIDATE_PATH}` } : {}),
        client: s.client,
        tokenEnv: s.tokenEnv,
        timezone: s.timezone,
        zone: s.zone,
      },
    };
  });
  const file = join(dir, 'sites.json');
  writeFileSync(file, JSON.stringify({ sites }));
  // The sites naming no endpoint of their own share OPSCOM_VALIDATE_URL: a site asked at the
  // wrong one is refused there (another client's token), and the round fails.
  const shared = CHAOS_SITES.map((s) => !s.ownValidateUrl).lastIndexOf(true);
  return {
    ...env,
    SITES_FILE: file,
    ...(shared >= 0 ? { OPSCOM_VALIDATE_URL: `${sims[shared]!.url}${VALIDATE_PATH}` } : {}),
  };
}

/**
 * Round robin over the sites: a metadata site's sessions carry `metadata.site`, the Connect
 * site's events carry its `account`. The plan computed each expected time as Toronto wall
 * time; the same instant is what the site's own wall clock must show.
 */
function assignSites(plan: ChaosPlan, siteOf: Map<string, number>): void {
  plan.sessions.forEach((s, i) => siteOf.set(s.session.id, i % CHAOS_SITES.length));
  plantPerSite(plan, siteOf);
  plan.sessions.forEach((s) => {
    const site = CHAOS_SITES[siteOf.get(s.session.id)!]!;
    // Its site's zone (the sites file's), but for a planted unused-zone payment, which keeps
    // the zone no lot uses for the verification round to find.
    if (s.enforcement !== 'unused_zone')
      delete (s.session['metadata'] as Record<string, string>)['zone'];
    if (site.stripeAccount) {
      for (const e of s.events) e['account'] = site.stripeAccount;
    } else {
      // The session as Stripe keeps it and as each of its events carries it.
      (s.session['metadata'] as Record<string, string>)['site'] = site.id;
      for (const e of s.events) withSite(e, site.id);
    }
    if (s.expected) {
      s.expected.startTime = inZone(s.expected.startTime, site.timezone);
      s.expected.endTime = inZone(s.expected.endTime, site.timezone);
    }
  });
}

/**
 * The plan spread its enforcement cases over all its payments, so a site could get none: each
 * site gets its own instead (as many as a run of its size would), so that every site's Plate
 * Validation has a zone no lot uses and a staff removal to find.
 */
function plantPerSite(plan: ChaosPlan, siteOf: ReadonlyMap<string, number>): void {
  for (const s of plan.sessions) {
    if (s.enforcement === 'unused_zone')
      delete (s.session['metadata'] as Record<string, string>)['zone'];
    delete s.enforcement;
  }
  CHAOS_SITES.forEach((_, i) =>
    markEnforcementCases(plan.sessions.filter((s) => siteOf.get(s.session.id) === i)),
  );
}

/** An event's session (copied by the plan for async successes) carries the site too. */
function withSite(event: Record<string, unknown>, id: string): void {
  const object = (event['data'] as { object?: Record<string, unknown> } | undefined)?.object;
  const metadata = object?.['metadata'] as Record<string, string> | undefined;
  if (object?.['object'] === 'checkout.session' && metadata) metadata['site'] = id;
}

function inZone(wall: string, zone: string): string {
  // December: no DST change near the run's times, so Toronto's wall time names one instant.
  return DateTime.fromFormat(wall, WALL, { zone: PLAN_TZ }).setZone(zone).toFormat(WALL);
}

/**
 * The first site's OPSCOM answers 500 to every call for `outageMs` from 2 s in; the second's
 * refuses the token (its OPSCOM holds another) for `outageMs` * 2/3 from 5 s in. Each then
 * returns to the run's usual faults.
 */
async function outages(
  sims: readonly OpscomSimulator[],
  options: OpscomSimulatorOptions[],
  say: (line: string) => void,
  outageMs: number,
): Promise<void> {
  const at = (ms: number, what: () => void) =>
    new Promise<void>((resolve) =>
      setTimeout(() => {
        what();
        resolve();
      }, ms).unref(),
    );
  const [down, refusing] = [CHAOS_SITES[0]!, CHAOS_SITES[1]!];
  const tokenMs = Math.round((outageMs * 2) / 3);
  await Promise.all([
    at(2000, () => {
      say(`sites: ${down.id}'s OPSCOM down (500 to every call) for ${outageMs / 1000} s`);
      sims[0]!.faults.setRate(1, ['500']);
    }).then(() =>
      at(outageMs, () => {
        sims[0]!.faults.setRate(FAULT_RATE, FAULT_KINDS);
        say(`sites: ${down.id}'s OPSCOM back`);
      }),
    ),
    at(5000, () => {
      say(`sites: ${refusing.id}'s OPSCOM refuses its token for ${tokenMs / 1000} s`);
      options[1]!.apiToken = `${refusing.token}-rotated`;
    }).then(() =>
      at(tokenMs, () => {
        options[1]!.apiToken = refusing.token;
        say(`sites: ${refusing.id}'s OPSCOM takes its token again`);
      }),
    ),
  ]);
}

function mergeReports(reports: readonly AuditReport[]): AuditReport {
  const [first, ...rest] = reports;
  const merged = structuredClone(first!);
  for (const r of rest) {
    for (const key of [
      'lost',
      'doubled',
      'doubledInWindow',
      'wrong',
      'missingWriteBacks',
      'ledgerDisagrees',
      'answerToRecordMs',
    ] as const) {
      (merged[key] as Array<string | number>).push(...r[key]);
    }
    for (const [cause, n] of Object.entries(r.doubledBy)) {
      merged.doubledBy[cause as keyof AuditReport['doubledBy']] += n;
    }
  }
  merged.answerToRecordMs.sort((a, b) => a - b);
  // Forged requests were looked for in each site's OPSCOM: one row each is enough.
  merged.wrong = [...new Set(merged.wrong)];
  return merged;
}

/**
 * Every permit in a site's OPSCOM is one of that site's sessions (its plate or corrected
 * plate), in that site's zone (a planted unused-zone payment's: the zone no lot uses): a permit pushed to another site's OPSCOM, or with another
 * site's zone, is wrong even when its own site also has one.
 */
function misplaced(
  plan: ChaosPlan,
  siteOf: ReadonlyMap<string, number>,
  sims: readonly OpscomSimulator[],
): string[] {
  const byPlate = new Map<string, PlannedSession>();
  for (const s of plan.sessions) {
    byPlate.set(s.plate, s);
    if (s.correction) byPlate.set(s.correction, s);
  }
  const rows: string[] = [];
  sims.forEach((sim, i) => {
    const here = CHAOS_SITES[i]!;
    for (const p of sim.permits.values()) {
      const s = byPlate.get(p.plate);
      if (!s) continue; // forged plates: the per-site audit reports those
      const label = `${s.session.id} (${s.kind}, plate ${s.plate})`;
      const own = CHAOS_SITES[siteOf.get(s.session.id) ?? -1];
      if (own !== here) {
        rows.push(
          `${label}: permit ${p.referenceId} in ${here.id}'s OPSCOM, session of ${own?.id ?? 'no site'}`,
        );
      }
      const zone = s.enforcement === 'unused_zone' ? UNUSED_ZONE : here.zone;
      if (p.zone !== zone) {
        rows.push(`${label}: permit ${p.referenceId} in zone ${p.zone ?? 'none'}, not ${zone}`);
      }
    }
  });
  return rows;
}
