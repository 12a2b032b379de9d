import { Router, type Request, type Response } from 'express';
import { describeError } from '../../errors';
import { href } from '../../http/html';
import { isSessionId, readLookupForm, readRetryMatchingForm, statesOf } from '../forms';
import { siteQueryOf } from '../sites';
import { countRetryable, RETRY_ALL_CAP, retryableStates, type JobFilter } from '../retryable';
import { confirmPage, messagePage, resultPage } from '../views/messages';
import type { ConsoleKit } from './kit';

/** Replay from the jobs page: look a session up in Stripe, or retry every failed match. */
export function replayRoutes(kit: ConsoleKit): Router {
  const router = Router();
  router.post('/actions/lookup', async (req, res) => {
    const id = readLookupForm(req.body);
    if (!isSessionId(id)) {
      const why = `“${id}” is not a Checkout Session id (cs_…).`;
      kit.send(res, messagePage(kit.ctxOf(res), 'Look up', why, href(['jobs'])), 400);
      return;
    }
    await kit.replayOne(res, 'Look up and replay', id, null);
  });
  router.post('/actions/retry-matching', (req, res) => retryMatching(kit, req, res));
  return router;
}

/** "Retry all": says there is nothing to do, asks to confirm, or starts (confirmed). */
async function retryMatching(kit: ConsoleKit, req: Request, res: Response): Promise<void> {
  const { state, q, site, confirm } = readRetryMatchingForm(req.body);
  const sites = siteQueryOf(site, kit.deps.sites);
  const filter = { states: statesOf(state), search: q || undefined, sites };
  const back = href(['jobs'], { state, q, site: site || undefined });
  const count = await countRetryable(kit.deps.ledger, filter);
  const ctx = kit.ctxOf(res);
  if (count === 0) {
    const why = 'No failed or dead job matches this filter now.';
    kit.send(res, messagePage(ctx, 'Retry all', why, back));
    return;
  }
  if (!confirm) {
    const question = `Retry ${count >= RETRY_ALL_CAP ? `the first ${RETRY_ALL_CAP}` : `all ${count}`} failed or dead jobs matching this filter? Each goes through replay, as npm run replay -- --failed would.`;
    const action = href(['actions', 'retry-matching']);
    kit.send(res, confirmPage(ctx, 'Retry all', question, action, { state, q, site }, back));
    return;
  }
  const ids = await retryableIds(kit, filter);
  kit.logAction(res, 'retry all', { count: ids.length, state, q, site });
  replayInBackground(kit, res, ids);
  const note = `Retrying ${ids.length} jobs now, through replay. They leave the failed list as they finish; the jobs page shows where each stands.`;
  kit.send(res, resultPage(ctx, 'Retry all', [], note));
}

/** The failed or dead jobs matching the filter, up to the cap. */
async function retryableIds(kit: ConsoleKit, filter: JobFilter): Promise<string[]> {
  const jobs = await kit.deps.ledger.findJobs({
    ...filter,
    states: retryableStates(filter.states),
    limit: RETRY_ALL_CAP,
    offset: 0,
  });
  return jobs.map((j) => j.sessionId);
}

/** Runs on after the answer: a page that waited for hundreds of OPSCOM calls would time out. */
function replayInBackground(kit: ConsoleKit, res: Response, ids: string[]): void {
  const { logger } = kit.deps;
  void kit.deps.replay.sessions(ids, { correction: null, by: kit.by(res) }).then(
    (outcomes) => {
      const failed = outcomes.filter((o) => o.outcome === 'failed').length;
      logger.info('console retry-all finished', { count: outcomes.length, failed });
    },
    (err: unknown) => logger.error('console retry-all stopped', { error: describeError(err) }),
  );
}
