import { AdapterError, describeError, type ErrorKind } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics/metrics';
import type { PlateValidationClient } from '../opscom/plateValidation';
import type { PlateSeen } from '../opscom/plateValidationAnswer';
import type { VerifierLedger } from '../store/callerLedgers';
import type { Verification } from '../store/verificationLedger';
import { expectationOf } from './expectation';
import { nextVerification } from './nextVerification';
import type { Pace } from './pace';
import { seenRecord } from './seenRecord';
import { verdictOf } from './verdict';
import { recordUnseenChange } from './unseenAlert';

export interface VerifyDeps {
  ledger: VerifierLedger;
  validation: PlateValidationClient;
  pace: Pace;
  /** OPSCOM_TIMEZONE: how `expires` is read. */
  timezone: string;
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

/** How a round ended: `stopped` when Plate Validation failed and the rest was put back. */
export interface RoundSummary {
  checked: number;
  calls: number;
  stopped: { kind: ErrorKind; error: string } | undefined;
}

/** How soon (at most: EVERY when shorter) a permit is asked about again after an outage. */
const OUTAGE_RETRY_MS = 60_000;

/**
 * One verification round over permits this owner claimed: one Plate Validation call per
 * plate (however many of its permits are here), each permit's result recorded on its job.
 * An outage or a refused token records no result: the permits are put back for later and the
 * round stops, so an outage never marks a permit unseen. Reusable over any claimed set (the
 * loop's batches; a reconcile report's round).
 */
export async function verifyPermits(
  rows: readonly Verification[],
  deps: VerifyDeps,
): Promise<RoundSummary> {
  const byPlate = new Map<string, Verification[]>();
  for (const row of rows) byPlate.set(row.plate, [...(byPlate.get(row.plate) ?? []), row]);
  const summary: RoundSummary = { checked: 0, calls: 0, stopped: undefined };
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
      await checkPlate(plate, permits, deps, summary);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency) }, worker));
  return summary;
}

async function checkPlate(
  plate: string,
  permits: Verification[],
  deps: VerifyDeps,
  summary: RoundSummary,
): Promise<void> {
  // Read each job first: a permit with nothing to check needs no call.
  const jobs = await Promise.all(permits.map((p) => deps.ledger.getJob(p.sessionId)));
  const now = deps.now();
  const expected = jobs.map((job) => (job ? expectationOf(job, now) : ({ kind: 'none' } as const)));
  let seen: PlateSeen | undefined;
  if (expected.some((e) => e.kind === 'standing' || e.kind === 'gone')) {
    try {
      await deps.pace.take(deps.signal);
    } catch {
      // Stopping: put back unchecked, counted as no call.
      summary.stopped ??= { kind: 'transient', error: 'stopped before its check' };
      await putBack(permits, deps, null, -Infinity);
      return;
    }
    const started = performance.now();
    summary.calls++;
    try {
      seen = await deps.validation.validatePlate(plate);
      deps.metrics?.opscomCall('validate', 'ok', (performance.now() - started) / 1000);
    } catch (err) {
      const kind: ErrorKind = err instanceof AdapterError ? err.kind : 'transient';
      deps.metrics?.opscomCall('validate', kind, (performance.now() - started) / 1000);
      const error = describeError(err);
      if (kind === 'permanent') {
        // OPSCOM refuses this plate's question: nothing to learn this round; ask next round.
        await putBack(permits, deps, error, deps.now() + deps.everyMs - deps.delayMs);
        return;
      }
      summary.stopped ??= { kind, error };
      await putBack(permits, deps, error);
      return;
    }
  }
  const at = deps.now();
  for (const [i, row] of permits.entries()) {
    const job = jobs[i];
    const expectation = expected[i] ?? { kind: 'none' };
    const verdict =
      seen && (expectation.kind === 'standing' || expectation.kind === 'gone')
        ? verdictOf(expectation, seen, deps.timezone, at)
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
