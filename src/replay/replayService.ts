import type { CorrectionValues } from '../domain/correction';
import type { StripeReader } from '../stripe/stripeReader';
import type { JobDeps } from '../worker/jobContext';
import type { SessionOutcome } from './outcome';
import { pacedReader } from './pacedReader';
import type { Reporter, RunSummary } from './report';
import { runReplay } from './runReplay';

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
  job: JobDeps;
  reader: StripeReader;
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
  const reader = pacedReader(deps.reader, {
    perSecond: deps.stripeRate ?? 10,
    tries: 3,
    backoffMs: 1000,
  });
  return {
    async sessions(ids, ask, tries = 1) {
      const outcomes: SessionOutcome[] = [];
      let summary: RunSummary | undefined;
      const reporter: Reporter = {
        listed: () => undefined,
        session: (o) => outcomes.push(o),
        note: () => undefined,
        finish: (s) => (summary = s),
      };
      const correction = ask.correction
        ? { ...ask.correction, by: ask.by, at: new Date(deps.job.now()).toISOString() }
        : null;
      const result = await runReplay(
        { kind: 'sessions', ids: [...ids] },
        {
          resolve: {
            reader,
            ledger: deps.job.ledger,
            livemode: deps.livemode,
            nowSeconds: () => Math.floor(deps.job.now() / 1000),
          },
          session: {
            job: deps.job,
            ask: { force: false, correction, by: ask.by },
            dryRun: false,
            tries,
          },
          concurrency: deps.concurrency,
          reporter,
          command: () => '',
        },
      );
      summary ??= result;
      if (summary.stopped) {
        const done = new Set(outcomes.map((o) => o.sessionId));
        for (const id of ids) {
          if (!done.has(id)) {
            outcomes.push({ sessionId: id, outcome: 'failed', detail: summary.stopped.reason });
          }
        }
      }
      return outcomes;
    },
  };
}
