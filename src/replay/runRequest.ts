import type { Correction } from '../domain/correction';
import type { Sites } from '../sites/site';
import type { ReplayJobDeps } from './replayJobDeps';
import type { SeenKind } from './enforcementLeg';
import type { OutcomeKind, SessionOutcome } from './outcome';
import type { Scope, Selector } from './selector';
import type { ReadersOf } from './sessionRead';

/** What a replay run is asked to do: plain data, from the command line or the console. */
export interface RunRequest {
  selector: Selector;
  /** Decide and say what would happen; change nothing anywhere (a window: the reconcile). */
  dryRun: boolean;
  /** Re-send a session that has a permit, as an update of that same permit. */
  force: boolean;
  /** The operator's correction or revocation (one session), stamped; null for none. */
  correction: Correction | null;
  /** Who replays, for the ledger. */
  by: string;
  /** Rounds per session when a step fails for a reason that can pass (OPSCOM down…). */
  tries: number;
  /** Sessions replayed at once (the worker's concurrency: OPSCOM's limit). */
  concurrency: number;
  /** With dryRun: ask OPSCOM's Plate Validation about each permit now (RunDeps.checkNow). */
  checkNow: boolean;
  /** --site / --account: only these payments (undefined: all). */
  scope?: Scope | undefined;
}

/** What the engine runs with. */
export interface RunDeps {
  /**
   * Stripe reads as each account, already paced (pacer, one pace for all accounts): the pace
   * is the process's, not one run's.
   */
  readers: ReadersOf;
  /** The configured sites: a window lists each connected account's; a new job gets its site. */
  sites?: Sites | undefined;
  /** Mode of STRIPE_SECRET_KEY: sessions of the other mode are never acted on. */
  livemode: boolean;
  /** The worker's job runner (ledger, clients, mapping) with replay's lease owner. */
  job: ReplayJobDeps;
  /** A Plate Validation check of one session's permit, made and recorded before it is read. */
  checkNow?: ((sessionId: string) => Promise<void>) | undefined;
  progress: RunProgress;
}

/** What the engine tells its caller while it runs (the CLI draws it; the console collects). */
export interface RunProgress {
  /** A window's Stripe listing starts (it can take a while). */
  reading?(window: { since: number; until: number }): void;
  /** More sessions were found (a page was listed); with --site/--account, of the scope only. */
  listed(count: number): void;
  /**
   * Sessions or refund/dispute events outside --site/--account, left alone; `listed`: the
   * sessions were counted by `listed` already (placed only once resolved): take them off.
   */
  leftOut?(kind: 'session' | 'event', count: number, listed: boolean): void;
  session(outcome: SessionOutcome): void;
}

/** What a run did. */
export interface RunResult {
  counts: Partial<Record<OutcomeKind, number>>;
  /** A dry run's permits by what enforcement sees. */
  seen?: Partial<Record<SeenKind, number>>;
  /** With --site/--account: what was left alone as outside the scope. */
  leftOut?: LeftOut;
  elapsedMs: number;
  dryRun: boolean;
  /** Why the run stopped before the end, and the selector that goes on from there. */
  stopped: { reason: string; from: Selector } | undefined;
}

/** What a run with --site/--account left alone as another site's or account's. */
export interface LeftOut {
  sessions: number;
  /** Refund and dispute events of a window, not recorded. */
  events: number;
}
