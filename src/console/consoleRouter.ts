import { type Request, type Response, Router } from 'express';
import { parseCorrection } from '../domain/correction';
import { JOB_STATES, type JobState } from '../domain/intakeRule';
import { describeError } from '../errors';
import type { BodyBudget } from '../http/bodyBudget';
import type { Refusals } from '../http/refusals';
import type { Logger } from '../logger';
import type { ReplayService } from '../replay/replayService';
import type { Ledger } from '../store/ledger';
import { basicAuth, type ConsoleCredentials } from './auth';
import { csrfToken, requireSameSite } from './csrf';
import { href, type Html } from '../http/html';
import type { LoginThrottle } from '../http/loginThrottle';
import { readForm } from './readForm';
import { buildTimeline } from './timeline';
import { trustedBrowsers } from './trustedBrowser';
import { addVerifyRoutes } from './verifyRoutes';
import { UNSEEN_STATES } from '../store/verificationLedger';
import { confirmPage, jobPage, messagePage, resultPage } from './views/job';
import { jobsPage, type JobsQuery } from './views/jobs';
import { STYLESHEET, type PageContext } from './views/layout';
import { overviewPage, type Reachability } from './views/overview';

export interface ConsoleDeps {
  ledger: Ledger;
  credentials: ConsoleCredentials;
  /** Replay's own path: every action goes through it (retry, correct, revoke, look up). */
  replay: ReplayService;
  reachability: () => Promise<Reachability[]>;
  /** ALERT_PENDING_MINUTES: the overview marks a wait longer than this. */
  pendingAlertMinutes: number;
  now: () => number;
  logger: Logger;
  /** Failed logins per client (kept by the adapter: the alerts read it too). */
  throttle: LoginThrottle;
  refusals: Refusals;
  bodyBudget: BodyBudget;
  /** Served over HTTPS (PUBLIC_URL): the console's cookie is marked Secure. */
  secure: boolean;
}

const PAGE_SIZE = 50;
/** At most this many jobs are retried by one "retry all" (run it again for more). */
export const RETRY_ALL_CAP = 500;
const SESSION_ID = /^cs_\w+$/;
const RETRYABLE: readonly JobState[] = ['failed', 'dead'];

/**
 * The operator console at /console: server-rendered pages (views/), no script at all (the CSP
 * forbids it), HTTP Basic auth; every change is a same-site POST with a CSRF token, done by
 * replay's own code and recorded in the ledger as `console:<user>`.
 */
export function createConsoleRouter(deps: ConsoleDeps): Router {
  const router = Router();
  const { ledger } = deps;
  router.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy':
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    });
    next();
  });
  router.use(
    basicAuth({
      credentials: deps.credentials,
      throttle: deps.throttle,
      browsers: trustedBrowsers(deps.credentials.password, deps.credentials.user, deps.now),
      refusals: deps.refusals,
      secure: deps.secure,
    }),
  );
  // Bodies are read only once signed in: a stranger's POST costs no memory.
  router.post(
    '/{*rest}',
    readForm(deps.bodyBudget, deps.refusals),
    requireSameSite(deps.credentials.password),
  );

  const ctxOf = (res: Response): PageContext => {
    const user = userOf(res);
    return { user, csrf: csrfToken(deps.credentials.password, user) };
  };
  const send = (res: Response, page: Html, status = 200) => {
    res.status(status).type('html').send(page.markup);
  };
  const userOf = (res: Response) => String(res.locals['consoleUser']);
  const by = (res: Response) => `console:${userOf(res)}`;
  const logAction = (res: Response, action: string, fields: Record<string, unknown>) =>
    deps.logger.info('console action', { user: userOf(res), action, ...fields });

  router.get('/style.css', (_req, res) => {
    res.type('css').set('Cache-Control', 'max-age=300').send(STYLESHEET);
  });

  router.get('/', async (_req, res) => {
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
    send(
      res,
      overviewPage(ctxOf(res), {
        now,
        counts,
        oldestDue,
        pendingAlertMinutes: deps.pendingAlertMinutes,
        lastDone,
        failures,
        retrying,
        alerts,
        reachability,
      }),
    );
  });

  router.get('/jobs', async (req, res) => {
    const query = jobsQueryOf(req);
    const states = statesOf(query.state);
    const filter = {
      states,
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
    send(
      res,
      jobsPage(ctxOf(res), {
        query,
        jobs: shown,
        unseen,
        hasNext: found.length > PAGE_SIZE,
        retryable,
        retryCap: RETRY_ALL_CAP,
      }),
    );
  });

  router.get('/jobs/:id', async (req, res) => {
    const id = String(req.params['id'] ?? '');
    const job = SESSION_ID.test(id) ? await ledger.getJob(id) : undefined;
    if (!job) {
      send(
        res,
        messagePage(
          ctxOf(res),
          'No such job',
          `The ledger has no job for ${id}. If it was paid, look it up in Stripe from the jobs page.`,
          href(['jobs']),
        ),
        404,
      );
      return;
    }
    const pi = job.session.paymentIntentId;
    const [events, facts, verification] = await Promise.all([
      ledger.listEvents(id),
      pi === null ? Promise.resolve(undefined) : ledger.getPaymentFacts(pi),
      ledger.getVerification(id),
    ]);
    send(
      res,
      jobPage(ctxOf(res), { job, timeline: buildTimeline(job, events), facts, verification }),
    );
  });

  /** Replays one session with what the operator asked, and shows what happened. */
  const replayOne = async (
    res: Response,
    title: string,
    id: string,
    correction: Parameters<ReplayService['sessions']>[1]['correction'],
  ) => {
    logAction(res, title, { sessionId: id, correction });
    const outcomes = await deps.replay.sessions([id], { correction, by: by(res) });
    send(res, resultPage(ctxOf(res), title, outcomes));
  };
  const sessionParam = (req: Request, res: Response): string | undefined => {
    const id = String(req.params['id'] ?? '');
    if (SESSION_ID.test(id)) return id;
    send(
      res,
      messagePage(
        ctxOf(res),
        'Not a session',
        `${id} is not a Checkout Session id (cs_…).`,
        href(['jobs']),
      ),
      400,
    );
    return undefined;
  };

  router.post('/jobs/:id/retry', async (req, res) => {
    const id = sessionParam(req, res);
    if (id) await replayOne(res, 'Retry', id, null);
  });

  router.post('/jobs/:id/correct', async (req, res) => {
    const id = sessionParam(req, res);
    if (!id) return;
    const form = req.body as Record<string, unknown>;
    const text = (name: string) => (typeof form[name] === 'string' ? form[name] : undefined);
    const parsed = parseCorrection({
      plate: text('plate'),
      duration: text('duration'),
      zone: text('zone'),
    });
    const back = href(['jobs', id]);
    if (!parsed.ok || parsed.values === null) {
      const why = parsed.ok
        ? 'Give a plate, a duration or a zone to correct.'
        : `Refused: ${parsed.error}. Nothing was changed.`;
      send(res, messagePage(ctxOf(res), 'Correction refused', why, back), 400);
      return;
    }
    await replayOne(res, 'Correction', id, parsed.values);
  });

  router.post('/jobs/:id/revoke', async (req, res) => {
    const id = sessionParam(req, res);
    if (!id) return;
    if ((req.body as Record<string, unknown>)['confirm'] !== 'yes') {
      const path = href(['jobs', id, 'revoke']);
      const question = `Revoke the permit of ${id}? It is deleted in OPSCOM (a job with no permit yet is cancelled), and Stripe's metadata says so. This cannot be undone from here.`;
      send(res, confirmPage(ctxOf(res), 'Revoke permit', question, path, {}, href(['jobs', id])));
      return;
    }
    await replayOne(res, 'Revoke', id, { revoke: true });
  });

  addVerifyRoutes(router, {
    ledger,
    now: deps.now,
    logger: deps.logger,
    sessionParam,
    ctxOf,
    send,
    by,
  });

  router.post('/actions/lookup', async (req, res) => {
    const given = (req.body as Record<string, unknown>)['session'];
    const id = typeof given === 'string' ? given.trim() : '';
    if (!SESSION_ID.test(id)) {
      send(
        res,
        messagePage(
          ctxOf(res),
          'Look up',
          `“${id}” is not a Checkout Session id (cs_…).`,
          href(['jobs']),
        ),
        400,
      );
      return;
    }
    await replayOne(res, 'Look up and replay', id, null);
  });

  router.post('/actions/retry-matching', async (req, res) => {
    const form = req.body as Record<string, unknown>;
    const state = typeof form['state'] === 'string' ? form['state'] : '';
    const q = typeof form['q'] === 'string' ? form['q'] : '';
    const filter = { states: statesOf(state), search: q || undefined };
    const back = href(['jobs'], { state, q });
    const count = await countRetryable(ledger, filter);
    if (count === 0) {
      send(
        res,
        messagePage(
          ctxOf(res),
          'Retry all',
          'No failed or dead job matches this filter now.',
          back,
        ),
      );
      return;
    }
    if (form['confirm'] !== 'yes') {
      const question = `Retry ${count >= RETRY_ALL_CAP ? `the first ${RETRY_ALL_CAP}` : `all ${count}`} failed or dead jobs matching this filter? Each goes through replay, as npm run replay -- --failed would.`;
      send(
        res,
        confirmPage(
          ctxOf(res),
          'Retry all',
          question,
          href(['actions', 'retry-matching']),
          { state, q },
          back,
        ),
      );
      return;
    }
    const jobs = await ledger.findJobs({
      ...filter,
      states: retryableStates(filter.states),
      limit: RETRY_ALL_CAP,
      offset: 0,
    });
    const ids = jobs.map((j) => j.sessionId);
    logAction(res, 'retry all', { count: ids.length, state, q });
    // Runs on after the answer: a page that waited for hundreds of OPSCOM calls would time out.
    void deps.replay.sessions(ids, { correction: null, by: by(res) }).then(
      (outcomes) => {
        const failed = outcomes.filter((o) => o.outcome === 'failed').length;
        deps.logger.info('console retry-all finished', { count: outcomes.length, failed });
      },
      (err: unknown) =>
        deps.logger.error('console retry-all stopped', { error: describeError(err) }),
    );
    send(
      res,
      resultPage(
        ctxOf(res),
        'Retry all',
        [],
        `Retrying ${ids.length} jobs now, through replay. They leave the failed list as they finish; the jobs page shows where each stands.`,
      ),
    );
  });

  return router;
}

function jobsQueryOf(req: Request): JobsQuery {
  const text = (name: string) =>
    typeof req.query[name] === 'string' ? req.query[name].trim() : '';
  const pageNo = Number(text('page'));
  return {
    state: text('state'),
    q: text('q').slice(0, 200),
    failing: text('failing') === '1',
    unseen: text('unseen') === '1',
    page: Number.isInteger(pageNo) && pageNo >= 1 && pageNo <= 10_000 ? pageNo : 1,
  };
}

/** `failed,dead` → those states; unknown names are left out. */
function statesOf(text: string): JobState[] | undefined {
  const states = text
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is JobState => (JOB_STATES as readonly string[]).includes(s));
  return states.length > 0 ? states : undefined;
}

function retryableStates(states: readonly JobState[] | undefined): JobState[] {
  return RETRYABLE.filter((s) => !states || states.includes(s));
}

/** Failed or dead jobs matching a filter (those "retry all" takes), counted up to the cap. */
async function countRetryable(
  ledger: Ledger,
  filter: { states?: JobState[] | undefined; search?: string | undefined },
): Promise<number> {
  const states = retryableStates(filter.states);
  if (states.length === 0) return 0;
  return ledger.countJobsMatching({ states, search: filter.search }, RETRY_ALL_CAP);
}
