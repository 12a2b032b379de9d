import { Router } from 'express';
import type { JobState } from '../../domain/intakeRule';
import type { ConsoleDeps } from '../consoleDeps';
import { RETRYABLE } from '../retryable';
import { alertSiteLabels } from './alertSites';
import { siteQueryOf, type ConsoleSites } from '../sites';
import { SITE_COUNT_CAP, type SitesOverview } from '../views/sitesSection';
import { STYLESHEET } from '../views/layout';
import { overviewPage, type OverviewData } from '../views/overview';
import type { ConsoleKit } from './kit';

/** The console's front page (how the flow stands) and the stylesheet every page links. */
export function overviewRoutes(kit: ConsoleKit): Router {
  const router = Router();
  router.get('/style.css', (_req, res) => {
    res.type('css').set('Cache-Control', 'max-age=300').send(STYLESHEET);
  });
  router.get('/', async (_req, res) => {
    const data = await overviewData(kit.deps);
    kit.send(res, overviewPage(kit.ctxOf(res), data));
  });
  return router;
}

async function overviewData(deps: ConsoleDeps): Promise<OverviewData> {
  const { ledger } = deps;
  const now = deps.now();
  const [counts, oldestDue, [lastDone], failures, retrying, alerts, reachability] =
    await Promise.all([
      ledger.countJobs(),
      ledger.oldestDuePending(now),
      ledger.findJobs({ states: ['done'], limit: 1, offset: 0 }),
      ledger.findJobs({ states: RETRYABLE, limit: 10, offset: 0 }),
      ledger.findJobs({ states: ['pending'], failing: true, limit: 10, offset: 0 }),
      ledger.openAlerts(),
      deps.reachability(),
    ]);
  return {
    now,
    counts,
    oldestDue,
    pendingAlertMinutes: deps.pendingAlertMinutes,
    lastDone,
    failures,
    retrying,
    alerts,
    alertSites: await alertSiteLabels(alerts, deps.sites, ledger),
    reachability,
    sites: await sitesOverview(deps.sites, ledger),
  };
}

/** Up to this many sites, the overview counts each one's failed and pending jobs. */
const COUNTED_SITES = 50;

/**
 * Each configured site: its name, the worker's view of it (health lists only the sites it
 * gates), and its failed and pending jobs (counts capped at SITE_COUNT_CAP: one index range each).
 */
async function sitesOverview(
  sites: ConsoleSites | undefined,
  ledger: ConsoleDeps['ledger'],
): Promise<SitesOverview | undefined> {
  if (!sites) return undefined;
  const health = new Map((sites.health?.() ?? []).map((h) => [h.site, h]));
  const count = (id: string, states: readonly JobState[]) =>
    ledger.countJobsMatching(
      { sites: siteQueryOf(id, sites), states: [...states] },
      SITE_COUNT_CAP,
    );
  // Two index ranges a site: counted for a list an operator reads, not for a thousand sites.
  const counted = sites.ids.length <= COUNTED_SITES;
  const rows = await Promise.all(
    sites.ids.map(async (id) => {
      if (!counted) return { id, name: sites.known.byId.get(id)?.name, health: health.get(id) };
      const [failed, pending] = await Promise.all([count(id, RETRYABLE), count(id, ['pending'])]);
      const name = sites.known.byId.get(id)?.name;
      return { id, name, health: health.get(id), counts: { failed, pending } };
    }),
  );
  return { rows, known: sites.health !== undefined };
}
