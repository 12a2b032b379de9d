import type { Config } from '../config';
import { OpscomAuthError, OpscomInDoubtError, OpscomUnavailableError } from '../errors';
import { aroundOpscomCalls, type OpscomClient } from '../opscom/opscomClient';
import { severalSites, storedIdsOf, storedSiteId, type Sites } from '../sites/site';

/** How one OPSCOM call of a site ended, as far as the site's health goes. */
export type CallOutcome = 'ok' | 'site_failure';

export interface SiteGateOptions {
  /** The worker's slots. */
  concurrency: number;
  /**
   * The configured sites (their ids) and DEFAULT_SITE: what a job's stored site means
   * (sites/site.ts storedSiteId: jobs stored as 'default' before the sites file).
   */
  sites: Pick<Sites, 'byId' | 'defaultId'>;
  now: () => number;
}

/** When a site is paused, and for how long (SITE_PAUSE_* in .env.example). */
export interface SitePauses {
  /** Site failures in a row (OPSCOM down, slow, refusing the token) that pause the site. */
  failuresToPause: number;
  /** The first pause; doubled at each failed probe, up to `maxPauseMs`. */
  firstPauseMs: number;
  maxPauseMs: number;
}

/** The pauses when none are configured: three failures; 1 s, doubling up to a minute. */
export const DEFAULT_SITE_PAUSES: SitePauses = {
  failuresToPause: 3,
  firstPauseMs: 1000,
  maxPauseMs: 60_000,
};

export interface SiteHealth {
  site: string;
  inFlight: number;
  /** Set while the site is paused: when its next probe may start. */
  pausedUntil: number | undefined;
  failuresInARow: number;
}

/**
 * The worker tells it which jobs of a site hold a slot (`started`, `finished`, by job id);
 * the site's OPSCOM calls tell it the site's health (`called`).
 */
export interface SiteGate {
  /** The `site` values the next claim must skip: at their share of the slots, or paused. */
  closedSites(): string[];
  /** A job of `site` (as stored with the job) was claimed; while the site is paused, its probe. */
  started(site: string, jobId: string): void;
  finished(site: string, jobId: string): void;
  called(site: string, outcome: CallOutcome): void;
  health(): SiteHealth[];
}

interface SiteState {
  inFlight: Set<string>;
  failuresInARow: number;
  pauseMs: number;
  pausedUntil: number | undefined;
  /** The job probing the paused site, until its call answers or it ends. */
  probe: string | undefined;
}

function healthyState(pauseMs: number): SiteState {
  return {
    inFlight: new Set(),
    failuresInARow: 0,
    pauseMs,
    pausedUntil: undefined,
    probe: undefined,
  };
}

/**
 * Keeps one site's trouble from becoming every site's: with several sites none may hold more
 * than half the worker's slots, and a site failing every call is paused as a whole, then
 * probed by one job at a time (doubling pauses) until a call succeeds. With one site there is
 * no other to protect: it may use every slot and is never paused (each job's backoff suffices).
 */
export function createSiteGate(options: SiteGateOptions & Partial<SitePauses>): SiteGate {
  const { sites } = options;
  const several = severalSites(sites);
  const failuresToPause = options.failuresToPause ?? DEFAULT_SITE_PAUSES.failuresToPause;
  const firstPauseMs = options.firstPauseMs ?? DEFAULT_SITE_PAUSES.firstPauseMs;
  const maxPauseMs = options.maxPauseMs ?? DEFAULT_SITE_PAUSES.maxPauseMs;
  // A job counts from its claim to its end, waiting for a late answer included: a slow site
  // then cannot fill the worker's room for late answers either. One site: the worker's slots.
  const share = several ? Math.max(1, Math.ceil(options.concurrency / 2)) : Infinity;
  const states = new Map([...sites.byId.keys()].map((id) => [id, healthyState(firstPauseMs)]));
  const stateOf = (stored: string): SiteState | undefined =>
    states.get(storedSiteId(stored, sites));

  function closed(state: SiteState): boolean {
    if (state.inFlight.size >= share) return true;
    if (state.pausedUntil === undefined) return false;
    // Paused: one probe at a time once the pause is over.
    return state.probe !== undefined || options.now() < state.pausedUntil;
  }

  function failed(state: SiteState): void {
    state.failuresInARow += 1;
    if (!several) return;
    if (state.pausedUntil === undefined) {
      if (state.failuresInARow >= failuresToPause)
        state.pausedUntil = options.now() + state.pauseMs;
    } else if (state.probe !== undefined) {
      // A failed probe: pause again, twice as long. (A job from before the pause failing
      // meanwhile changes nothing: the pause stands as it is.)
      state.pauseMs = Math.min(maxPauseMs, state.pauseMs * 2);
      state.pausedUntil = options.now() + state.pauseMs;
      state.probe = undefined;
    }
  }

  return {
    closedSites() {
      // The claim skips the stored values: a closed default site's 'default' jobs too.
      return [...states]
        .filter(([, state]) => closed(state))
        .flatMap(([id]) => storedIdsOf(id, sites));
    },
    started(site, jobId) {
      const state = stateOf(site);
      if (!state) return;
      state.inFlight.add(jobId);
      if (state.pausedUntil !== undefined && state.probe === undefined) state.probe = jobId;
    },
    finished(site, jobId) {
      const state = stateOf(site);
      if (!state) return;
      state.inFlight.delete(jobId);
      // A probe that ended without an answer from OPSCOM (nothing to send, another failure).
      if (state.probe === jobId) state.probe = undefined;
    },
    called(site, outcome) {
      const state = stateOf(site);
      if (!state) return;
      if (outcome === 'site_failure') return failed(state);
      // A success: the site is healthy again (its jobs in flight stay counted).
      Object.assign(state, { ...healthyState(firstPauseMs), inFlight: state.inFlight });
    },
    health: () =>
      [...states].map(([site, state]) => ({
        site,
        inFlight: state.inFlight.size,
        pausedUntil: state.pausedUntil,
        failuresInARow: state.failuresInARow,
      })),
  };
}

/** The gate of the worker's slots and the configured sites, with the configured pauses. */
export function siteGateFor(config: Config, now: () => number): SiteGate {
  return createSiteGate({
    concurrency: config.worker.concurrency,
    sites: config.sites,
    ...config.sitePauses,
    now,
  });
}

/**
 * What an OPSCOM call says about its site: down, in doubt or refusing the token is the site's
 * failure; any other failure (a refusal of this one request) says nothing either way.
 */
export function callOutcomeOf(err: unknown): CallOutcome | undefined {
  return err instanceof OpscomUnavailableError ||
    err instanceof OpscomInDoubtError ||
    err instanceof OpscomAuthError
    ? 'site_failure'
    : undefined;
}

/** The site's client with every call's outcome reported to the gate. */
export function gatedOpscom(client: OpscomClient, siteId: string, gate: SiteGate): OpscomClient {
  return aroundOpscomCalls(client, async (_operation, call) => {
    try {
      const result = await call();
      gate.called(siteId, 'ok');
      return result;
    } catch (err) {
      const outcome = callOutcomeOf(err);
      if (outcome) gate.called(siteId, outcome);
      throw err;
    }
  });
}
