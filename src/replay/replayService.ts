import type { CorrectionValues } from '../domain/correction';
import type { Sites } from '../sites/site';
import type { StripeReader } from '../stripe/stripeReader';
import type { ReplayJobDeps } from './replayJobDeps';
import type { SessionOutcome } from './outcome';
import { pacer } from './pacedReader';
import { runReplay } from './runReplay';
import type { ReadersOf } from './sessionRead';

/** What an operator asks of the sessions replayed (the console's actions, a replay flag). */
export interface ReplayAsk {
  /** Values to correct, or a revocation; null for a plain retry. */
  correction: CorrectionValues | null;
  /** Who asks, for the ledger (console: `console:<user>`). */
  by: string;
}

export interface ReplayService {
  /**
   * Replays these sessions through replay's own code (runReplay: resolve from the ledger or
   * Stripe, planReplay, the worker's processJob), `tries` rounds each; each one's outcome.
   */
  sessions(ids: readonly string[], ask: ReplayAsk, tries?: number): Promise<SessionOutcome[]>;
}

export interface ReplayServiceDeps {
  /** The worker's job runner, with the lease owner replay writes under. */
  job: ReplayJobDeps;
  /** Makes the readers per account, each wrapped by `around` (stripeReaders). */
  readers: (around: (reader: StripeReader) => StripeReader) => ReadersOf;
  /** The configured sites (a job replay creates gets its site). */
  sites?: Sites | undefined;
  /** Mode of STRIPE_SECRET_KEY. */
  livemode: boolean;
  concurrency: number;
  /** Stripe reads per second at most. */
  stripeRate?: number;
}

/**
 * Replay for a running process (the console): the same path as `npm run replay -- --session`,
 * collecting outcomes instead of printing them.
 */
export function createReplayService(deps: ReplayServiceDeps): ReplayService {
  // One pace for every action of the process and every account, however many run at once.
  const readers = deps.readers(
    pacer({ perSecond: deps.stripeRate ?? 10, tries: 3, backoffMs: 1000 }),
  );
  return {
    async sessions(ids, ask, tries = 1) {
      const outcomes: SessionOutcome[] = [];
      const correction = ask.correction
        ? { ...ask.correction, by: ask.by, at: new Date(deps.job.now()).toISOString() }
        : null;
      const result = await runReplay(
        {
          selector: { kind: 'sessions', ids: [...ids] },
          dryRun: false,
          force: false,
          correction,
          by: ask.by,
          tries,
          concurrency: deps.concurrency,
          checkNow: false,
        },
        {
          readers,
          sites: deps.sites,
          livemode: deps.livemode,
          job: deps.job,
          progress: { listed: () => undefined, session: (o) => outcomes.push(o) },
        },
      );
      return result.stopped ? withUnfinished(outcomes, ids, result.stopped.reason) : outcomes;
    },
  };
}

/** A run that stopped early: the sessions it did not reach fail with the reason. */
function withUnfinished(
  outcomes: SessionOutcome[],
  ids: readonly string[],
  reason: string,
): SessionOutcome[] {
  const done = new Set(outcomes.map((o) => o.sessionId));
  for (const id of ids) {
    if (!done.has(id)) outcomes.push({ sessionId: id, outcome: 'failed', detail: reason });
  }
  return outcomes;
}
