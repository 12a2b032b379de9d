import { Router, type Request, type Response } from 'express';
import type { Job } from '../store/ledger';
import { driverPageSpan, SPAN } from '../tracing/spans';
import { getTracer, type ActiveSpan } from '../tracing/tracer';
import { askedOf, sendMessage, sendView, setDriverHeaders } from './driverAnswer';
import { driverView, type DriverView } from './driverView';
import { jobForPage, type JobForPageDeps } from './jobForPage';
import { longPoll, type LongPollDeps } from './longPoll';
import { DRIVER_STYLESHEET } from './pageHtml';
import { answerFor, answerForHint, type SiteOfJob } from './pageSite';

export interface DriverPageDeps extends JobForPageDeps, LongPollDeps {
  /** Each job's site (name, clock); undefined: OPERATOR_NAME and OPSCOM_TIMEZONE for all. */
  siteOfJob?: SiteOfJob | undefined;
}

// Stripe's Checkout Session ids: cs_test_… or cs_live_…, then letters and digits.
const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9]{8,250}$/;

/**
 * `GET /permit/:sessionId`: Checkout's success URL. The session id is the only capability:
 * an id that cannot be one of this mode's Checkout Sessions is `404` without a call to Stripe;
 * a session the ledger does not know is read from Stripe (rate limited: lookupLimits) and,
 * when paid, fulfilled from here (fulfilFromPage); then the permit as the driver should see
 * it, HTML or (Accept: application/json) JSON. Nothing but the permit's facts is shown.
 */
export function createDriverRouter(deps: DriverPageDeps): Router {
  const router = Router();
  router.get('/permit/style.css', (_req, res) => {
    res.type('css').set('Cache-Control', 'max-age=300').send(DRIVER_STYLESHEET);
  });
  const show = permitHandler(deps);
  const tracer = getTracer();
  router.get('/permit/:sessionId', (req, res) =>
    tracer.inSpan(SPAN.driverPage, driverPageSpan(), (span) => show(req, res, span)),
  );
  return router;
}

type PermitHandler = (
  req: Request<{ sessionId: string }>,
  res: Response,
  span: ActiveSpan,
) => Promise<void>;

function permitHandler(deps: DriverPageDeps): PermitHandler {
  const mode = deps.livemode ? 'live' : 'test';
  const poll = longPoll(deps);
  const firstShown = firstShownActive(deps);
  return async (req, res, span) => {
    setDriverHeaders(res);
    const asked = askedOf(req);
    const id = req.params['sessionId'] ?? '';
    const match = SESSION_ID.exec(id);
    if (!match || match[1] !== mode) {
      return sendMessage(answerForHint(deps, req.query['site']), res, 404, 'notFound', asked);
    }
    span.setAttributes({ 'stripe.checkout_session.id': id });
    const job = await jobForPage(deps, id, req, res, asked, span);
    if (job === undefined) return;
    const answer = answerFor(deps, job);
    const view = await poll(job, driverView(job, answer.mapping, deps.now()), answer.mapping);
    firstShown(id, job, view);
    return sendView(answer, res, view, asked);
  };
}

/** Times payment → permit on the page, once per session this process has shown active. */
function firstShownActive(deps: DriverPageDeps): (id: string, job: Job, view: DriverView) => void {
  const shown = new Set<string>();
  return (id, job, view) => {
    if (view.state !== 'active' || shown.has(id)) return;
    shown.add(id);
    if (shown.size > 10_000) shown.delete(shown.values().next().value!);
    // The moment of payment does not change once paid: the job read above has it.
    if (job.paidAt != null) deps.metrics?.permitShownOnPage(deps.now() / 1000 - job.paidAt);
  };
}
