import { Router } from 'express';
import type { ConsoleDeps } from '../consoleDeps';
import { RETRYABLE } from '../retryable';
import type { ConsoleSites } from '../sites';
import type { SitesOverview } from '../views/sitesSection';
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
    reachability,
    sites: sitesOverview(deps.sites),
  };
}

/** Each configured site with the worker's view of it (health lists only the sites it gates). */
function sitesOverview(sites: ConsoleSites | undefined): SitesOverview | undefined {
  if (!sites) return undefined;
  const health = new Map((sites.health?.() ?? []).map((h) => [h.site, h]));
  const rows = sites.ids.map((id) => ({ id, health: health.get(id) }));
  return { rows, known: sites.health !== undefined };
}
