import { Router } from 'express';
import type { ConsoleLedger } from '../../store/callerLedgers';
import { UNSEEN_STATES } from '../../store/verificationLedger';
import { readJobsQuery, statesOf } from '../forms';
import { siteQueryOf, type ConsoleSites } from '../sites';
import { countRetryable, RETRY_ALL_CAP } from '../retryable';
import { jobsPage, type JobsData, type JobsQuery } from '../views/jobs';
import type { ConsoleKit } from './kit';

const PAGE_SIZE = 50;

/** The jobs list: filtered, searched, a page at a time. */
export function jobsRoutes(kit: ConsoleKit): Router {
  const router = Router();
  router.get('/jobs', async (req, res) => {
    const data = await jobsData(kit.deps.ledger, readJobsQuery(req.query), kit.deps.sites);
    kit.send(res, jobsPage(kit.ctxOf(res), data));
  });
  return router;
}

async function jobsData(
  ledger: ConsoleLedger,
  query: JobsQuery,
  sites: ConsoleSites | undefined,
): Promise<JobsData> {
  const filter = {
    sites: siteQueryOf(query.site, sites),
    states: statesOf(query.state),
    search: query.q || undefined,
    failing: query.failing,
    unseen: query.unseen,
  };
  const [found, retryable] = await Promise.all([
    ledger.findJobs({ ...filter, limit: PAGE_SIZE + 1, offset: (query.page - 1) * PAGE_SIZE }),
    // Unseen permits are made already: nothing there for "retry all".
    query.unseen ? Promise.resolve(0) : countRetryable(ledger, filter),
  ]);
  const shown = found.slice(0, PAGE_SIZE);
  // Highlighted: the listed jobs whose permit enforcement does not see as the ledger has it.
  const checks = await ledger.verificationsOf(shown.map((j) => j.sessionId));
  const unseen = new Set(
    checks.filter((v) => UNSEEN_STATES.includes(v.state)).map((v) => v.sessionId),
  );
  return {
    query,
    jobs: shown,
    unseen,
    hasNext: found.length > PAGE_SIZE,
    retryable,
    retryCap: RETRY_ALL_CAP,
    sites,
  };
}
