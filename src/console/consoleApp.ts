import { Router } from 'express';
import { basicAuth } from './auth';
import type { ConsoleDeps } from './consoleDeps';
import { requireSameSite } from './csrf';
import { consoleHeaders } from './headers';
import { readForm } from './readForm';
import { jobRoutes } from './routes/jobRoutes';
import { jobsRoutes } from './routes/jobsRoutes';
import { consoleKit } from './routes/kit';
import { overviewRoutes } from './routes/overviewRoutes';
import { replayRoutes } from './routes/replayRoutes';
import { verifyRoutes } from './routes/verifyRoutes';
import { trustedBrowsers } from './trustedBrowser';

/**
 * The operator console, an app of its own mounted at /console: server-rendered pages (views/),
 * no script at all (the CSP forbids it), HTTP Basic auth; every change is a same-site POST with
 * a CSRF token, done by replay's own code and recorded in the ledger as `console:<user>`.
 * Order matters: headers on every answer, then the login, then (POSTs) the form and its token.
 */
export function createConsoleApp(deps: ConsoleDeps): Router {
  const app = Router();
  app.use(consoleHeaders);
  app.use(
    basicAuth({
      credentials: deps.credentials,
      throttle: deps.throttle,
      browsers: trustedBrowsers(deps.credentials.password, deps.credentials.user, deps.now),
      refusals: deps.refusals,
      secure: deps.secure,
    }),
  );
  // Bodies are read only once signed in: a stranger's POST costs no memory.
  app.post(
    '/{*rest}',
    readForm(deps.bodyBudget, deps.refusals),
    requireSameSite(deps.credentials.password),
  );
  const kit = consoleKit(deps);
  for (const routes of [overviewRoutes, jobsRoutes, jobRoutes, verifyRoutes, replayRoutes]) {
    app.use(routes(kit));
  }
  return app;
}
