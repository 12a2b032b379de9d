import { AdapterError, describeError, type ErrorKind } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics/metrics';
import type { PlateValidationClient } from '../opscom/plateValidation';
import type { PlateSeen } from '../opscom/plateValidationAnswer';
import type { VerifierLedger } from '../store/callerLedgers';
import type { Job } from '../store/ledger';
import type { Verification } from '../store/verificationLedger';
import { expectationOf, type Expectation } from './expectation';
import { nextVerification } from './nextVerification';
import type { Pace } from './pace';
import { seenRecord } from './seenRecord';
import { verdictOf } from './verdict';
import { recordUnseenChange } from './unseenAlert';

/** How one site's permits are checked: its client code and token, and its clock. */
export interface SiteCheck {
  validation: PlateValidationClient;
  /** The site's timezone: how `expires` is read. */
  timezone: string;
  /** The site's id, its calls' metrics label; undefined: the default site. */
  site?: string | undefined;
}

/** A job's site's check; undefined when its site is not configured (any more). */
export type SiteChecks = (job: Pick<Job, 'site' | 'session'>) => SiteCheck | undefined;

export interface VerifyDeps extends SiteCheck {
  ledger: VerifierLedger;
  pace: Pace;
  /** Each job's site's check; without it every permit is checked with `validation`. */
  siteChecks?: SiteChecks | undefined;
  delayMs: number;
  everyMs: number;
  /** The lease owner the permits were claimed under. */
  owner: string;
  now: () => number;
  logger: Logger;
  metrics?: Metrics | undefined;
  /** Plates asked at once (each call still waits for the pace). */
  concurrency: number;
  signal?: AbortSignal | undefined;
}

/** A site whose token or client code Plate Validation refused in a round. */
export interface RefusedSite {
  /** The site's id (its SiteCheck's); undefined: the default check. */
  site: string | undefined;
  error: string;
}

/**
 * How a round ended: `stopped` when Plate Validation failed (no answer, 5xx) and the rest was
 * put back; `refused`, the sites whose token or client code it refused (only their permits put
 * back); `answered`, the sites it answered (their token and client code work).
 */
export interface RoundSummary {
  checked: number;
  calls: number;
  stopped: { kind: ErrorKind; error: string } | undefined;
  refused: RefusedSite[];
  answered: (string | undefined)[];
}

/** A round as it goes: its summary, and each site's access as heard so far. */
interface Round {
  summary: RoundSummary;
  /** The checks refused this round, with what OPSCOM said: their sites are asked no more. */
  refused: Map<SiteCheck, string>;
  answered: Set<SiteCheck>;
}

/** How soon (at most: EVERY when shorter) a permit is asked about again after an outage. */
const OUTAGE_RETRY_MS = 60_000;

/**
 * One verification round over permits this owner claimed: one Plate Validation call per
 * plate (however many of its permits are here), each permit's result recorded on its job.
 * An outage records no result: the permits are put back for later and the round stops, so an
 * outage never marks a permit unseen. A refused token or client code is one site's: only that
 * site's permits are put back (its checks stop for the round), the other sites' go on being
 * asked. Reusable over any claimed set (the loop's batches; a reconcile report's round).
 */
export async function verifyPermits(
  rows: readonly Verification[],
  deps: VerifyDeps,
): Promise<RoundSummary> {
  const byPlate = new Map<string, Verification[]>();
  for (const row of rows) byPlate.set(row.plate, [...(byPlate.get(row.plate) ?? []), row]);
  const summary: RoundSummary = {
    checked: 0,
    calls: 0,
    stopped: undefined,
    refused: [],
    answered: [],
  };
  const round: Round = { summary, refused: new Map(), answered: new Set() };
  const plates = [...byPlate.entries()];
  const worker = async () => {
    for (let next = plates.shift(); next; next = plates.shift()) {
      const [plate, permits] = next;
      if (summary.stopped || deps.signal?.aborted) {
        // Stopping keeps each permit's due time; an outage postpones it.
        if (deps.signal?.aborted) await putBack(permits, deps, null, -Infinity);
        else await putBack(permits, deps, summary.stopped?.error ?? null);
        continue;
      }
      await checkPlate(plate, permits, deps, round);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency) }, worker));
  for (const [check, error] of round.refused) summary.refused.push({ site: check.site, error });
  for (const check of round.answered) summary.answered.push(check.site);
  return summary;
}

/** The permits of one plate whose site is checked the same way (undefined: not configured). */
interface SiteGroup {
  check: SiteCheck | undefined;
  permits: Verification[];
  jobs: (Job | undefined)[];
}

async function checkPlate(
  plate: string,
  permits: Verification[],
  deps: VerifyDeps,
  round: Round,
): Promise<void> {
  // Read each job first: a permit with nothing to check needs no call, and its site says how.
  const jobs = await Promise.all(permits.map((p) => deps.ledger.getJob(p.sessionId)));
  // One call per plate and site: each site's permits are asked with its own client and token.
  const groups = new Map<SiteCheck | undefined, SiteGroup>();
  for (const [i, row] of permits.entries()) {
    const job = jobs[i];
    const check = !deps.siteChecks ? deps : job ? deps.siteChecks(job) : deps;
    const group = groups.get(check) ?? { check, permits: [], jobs: [] };
    groups.set(check, group);
    group.permits.push(row);
    group.jobs.push(job);
  }
  for (const group of groups.values()) {
    // Stopped by another site's call of this plate: as verifyPermits puts back the rest; a
    // site refused this round is asked no more (its permits wait an outage's wait).
    const refused = group.check && round.refused.get(group.check);
    if (deps.signal?.aborted) await putBack(group.permits, deps, null, -Infinity);
    else if (round.summary.stopped) await putBack(group.permits, deps, round.summary.stopped.error);
    else if (refused) await putBack(group.permits, deps, refused);
    else await checkSiteGroup(plate, group, deps, round);
  }
}

async function checkSiteGroup(
  plate: string,
  { check, permits, jobs }: SiteGroup,
  deps: VerifyDeps,
  round: Round,
): Promise<void> {
  const now = deps.now();
  const expected = jobs.map((job) => (job ? expectationOf(job, now) : ({ kind: 'none' } as const)));
  let seen: PlateSeen | undefined;
  if (expected.some((e) => e.kind === 'standing' || e.kind === 'gone')) {
    if (!check) {
      // A site taken out of SITES_FILE: no client to ask with; asked again next round.
      const site = jobs[0]?.site;
      const error = site
        ? `site "${site}" is not in the configuration (SITES_FILE)`
        : 'its payment matches no configured site (SITES_FILE)';
      await putBack(permits, deps, error, deps.now() + deps.everyMs - deps.delayMs);
      return;
    }
    const asked = await askPlate(plate, permits, check, deps, round);
    if (!asked) return;
    seen = asked;
  }
  const timezone = check?.timezone ?? deps.timezone;
  await recordChecks({ permits, jobs, expected, seen, timezone }, deps, round.summary);
}

/** Plate Validation's answer; undefined when it failed (the permits are put back then). */
async function askPlate(
  plate: string,
  permits: Verification[],
  check: SiteCheck,
  deps: VerifyDeps,
  round: Round,
): Promise<PlateSeen | undefined> {
  const { summary } = round;
  try {
    await deps.pace.take(deps.signal);
  } catch {
    // Stopping: put back unchecked, counted as no call.
    summary.stopped ??= { kind: 'transient', error: 'stopped before its check' };
    await putBack(permits, deps, null, -Infinity);
    return undefined;
  }
  const started = performance.now();
  summary.calls++;
  try {
    const seen = await check.validation.validatePlate(plate);
    deps.metrics?.opscomCall('validate', 'ok', (performance.now() - started) / 1000, check.site);
    round.answered.add(check);
    return seen;
  } catch (err) {
    const kind: ErrorKind = err instanceof AdapterError ? err.kind : 'transient';
    deps.metrics?.opscomCall('validate', kind, (performance.now() - started) / 1000, check.site);
    const error = describeError(err);
    if (kind === 'permanent') {
      // OPSCOM refuses this plate's question (so it took the token): ask next round.
      round.answered.add(check);
      await putBack(permits, deps, error, deps.now() + deps.everyMs - deps.delayMs);
      return undefined;
    }
    if (kind === 'operator') {
      // The site's token or client code: its checks stop for the round; other sites go on.
      if (!round.refused.has(check)) round.refused.set(check, error);
      await putBack(permits, deps, error);
      return undefined;
    }
    summary.stopped ??= { kind, error };
    await putBack(permits, deps, error);
    return undefined;
  }
}

interface Checked {
  permits: Verification[];
  jobs: (Job | undefined)[];
  expected: Expectation[];
  seen: PlateSeen | undefined;
  timezone: string;
}

/** Each permit's result (or its next due time, when nothing was asked) on its job. */
async function recordChecks(c: Checked, deps: VerifyDeps, summary: RoundSummary): Promise<void> {
  const { seen } = c;
  const at = deps.now();
  for (const [i, row] of c.permits.entries()) {
    const job = c.jobs[i];
    const expectation = c.expected[i] ?? { kind: 'none' };
    const verdict =
      seen && (expectation.kind === 'standing' || expectation.kind === 'gone')
        ? verdictOf(expectation, seen, c.timezone, at)
        : undefined;
    const next = nextVerification(row, expectation, verdict, {
      now: at,
      delayMs: deps.delayMs,
      everyMs: deps.everyMs,
    });
    const recorded = await deps.ledger.finishVerification({
      sessionId: row.sessionId,
      owner: deps.owner,
      generation: row.generation,
      state: next.state,
      misses: next.misses,
      ...(verdict && seen
        ? { checked: { at, result: verdict.result, seen: seenRecord(seen) } }
        : {}),
      error: null,
      countFrom: next.countFrom,
    });
    if (!recorded) continue; // changed or decided meanwhile: the next check is its own
    if (verdict) {
      summary.checked++;
      deps.metrics?.verificationResult(verdict.result);
    }
    if (job) await recordUnseenChange({ row, job, next, verdict, seen, at, deps });
  }
}

/** The permits go back unchecked, due again after `retryAt` (default: an outage's wait). */
async function putBack(
  permits: readonly Verification[],
  deps: VerifyDeps,
  error: string | null,
  countFrom = deps.now() + Math.min(OUTAGE_RETRY_MS, deps.everyMs) - deps.delayMs,
): Promise<void> {
  for (const row of permits) {
    await deps.ledger.finishVerification({
      sessionId: row.sessionId,
      owner: deps.owner,
      generation: row.generation,
      state: row.state,
      misses: row.misses,
      error,
      // An outage postpones a check by its wait; one due later than that keeps its time.
      countFrom: row.countFrom === null ? null : Math.max(row.countFrom, countFrom),
    });
  }
}
