/** How an attempt ended, as far as its site's health goes. */
export type SiteOutcome = 'ok' | 'site_failure' | 'other';

export interface SiteGateOptions {
  /** The worker's slots. */
  concurrency: number;
  /** Configured site ids. */
  siteIds: readonly string[];
  /** Site failures in a row (OPSCOM down, slow, refusing the token) that pause the site. */
  failuresToPause?: number;
  /** The first pause; doubled at each failed probe, up to `maxPauseMs`. */
  firstPauseMs?: number;
  maxPauseMs?: number;
  now: () => number;
}

export interface SiteHealth {
  site: string;
  inFlight: number;
  /** Set while the site is paused: when its next probe may start. */
  pausedUntil: number | undefined;
  failuresInARow: number;
}

export interface SiteGate {
  /** Sites the next claim must skip: at their share of the slots, or paused. */
  closedSites(): string[];
  started(site: string): void;
  finished(site: string, outcome: SiteOutcome): void;
  health(): SiteHealth[];
}

interface SiteState {
  inFlight: number;
  failuresInARow: number;
  pauseMs: number;
  pausedUntil: number | undefined;
  probing: boolean;
}

/**
 * Keeps one site's trouble from becoming every site's: with several sites none may hold more
 * than half the worker's slots, and a site failing every call is paused as a whole, then
 * probed by one job at a time (doubling pauses) until a call succeeds.
 */
export function createSiteGate(options: SiteGateOptions): SiteGate {
  const failuresToPause = options.failuresToPause ?? 3;
  const firstPauseMs = options.firstPauseMs ?? 1000;
  const maxPauseMs = options.maxPauseMs ?? 60_000;
  const share =
    options.siteIds.length <= 1
      ? options.concurrency
      : Math.max(1, Math.ceil(options.concurrency / 2));
  const states = new Map<string, SiteState>(
    options.siteIds.map((id) => [
      id,
      {
        inFlight: 0,
        failuresInARow: 0,
        pauseMs: firstPauseMs,
        pausedUntil: undefined,
        probing: false,
      },
    ]),
  );
  const stateOf = (site: string): SiteState | undefined => states.get(site);

  function closed(state: SiteState): boolean {
    if (state.inFlight >= share) return true;
    if (state.pausedUntil === undefined) return false;
    // Paused: one probe at a time once the pause is over.
    return state.probing || options.now() < state.pausedUntil;
  }

  return {
    closedSites: () => [...states].filter(([, state]) => closed(state)).map(([id]) => id),
    started(site) {
      const state = stateOf(site);
      if (!state) return;
      state.inFlight += 1;
      if (state.pausedUntil !== undefined) state.probing = true;
    },
    finished(site, outcome) {
      const state = stateOf(site);
      if (!state) return;
      state.inFlight = Math.max(0, state.inFlight - 1);
      if (outcome === 'other') {
        state.probing = false;
        return;
      }
      if (outcome === 'ok') {
        Object.assign(state, { failuresInARow: 0, pauseMs: firstPauseMs, pausedUntil: undefined });
        state.probing = false;
        return;
      }
      state.failuresInARow += 1;
      if (state.pausedUntil !== undefined) {
        // A failed probe: pause again, twice as long.
        state.pauseMs = Math.min(maxPauseMs, state.pauseMs * 2);
        state.pausedUntil = options.now() + state.pauseMs;
        state.probing = false;
      } else if (state.failuresInARow >= failuresToPause) {
        state.pausedUntil = options.now() + state.pauseMs;
      }
    },
    health: () =>
      [...states].map(([site, state]) => ({
        site,
        inFlight: state.inFlight,
        pausedUntil: state.pausedUntil,
        failuresInARow: state.failuresInARow,
      })),
  };
}
