import { setTimeout as sleep } from 'node:timers/promises';
import { Router, type Request, type Response } from 'express';
import type { MappingOptions } from '../domain/mapSession';
import { describeError, StripeApiError } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics/metrics';
import type { Job, Ledger } from '../store/ledger';
import { driverPageSpan, SPAN } from '../tracing/spans';
import { getTracer, type ActiveSpan } from '../tracing/tracer';
import { driverView, type DriverView } from './driverView';
import { fulfilFromPage, type PageFulfilmentDeps } from './fulfilFromPage';
import type { LookupLimits } from './lookupLimits';
import { DRIVER_STYLESHEET, messagePage, permitPage, type Operator } from './pageHtml';
import { chooseLanguage, type Language } from './pageText';

export interface DriverPageDeps extends PageFulfilmentDeps {
  ledger: Ledger;
  mapping: MappingOptions;
  operator: Operator;
  limits: LookupLimits;
  /** How long a first answer waits for a permit on its way (the long poll), ms. */
  waitMs: number;
  /** Answers waiting at once at most; past it they answer at once (and refresh). */
  maxWaiting: number;
  logger: Logger;
  metrics?: Metrics | undefined;
}

// Stripe's Checkout Session ids: cs_test_… or cs_live_…, then letters and digits.
const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9]{8,250}$/;
// The long poll asks the ledger again after 250 ms, then less often (up to once a second): a
// permit not made within a second is behind a backlog, where frequent polls only slow it.
const pollDelayMs = (round: number) => Math.min(1000, 250 * 2 ** Math.floor(round / 2));

/**
 * `GET /permit/:sessionId`: Checkout's success URL. The session id is the only capability:
 * an id that cannot be one of this mode's Checkout Sessions is `404` without a call to Stripe;
 * a session the ledger does not know is read from Stripe (rate limited: lookupLimits) and,
 * when paid, fulfilled from here (fulfilFromPage); then the permit as the driver should see
 * it, HTML or (Accept: application/json) JSON. Nothing but the permit's facts is shown.
 */
export function createDriverRouter(deps: DriverPageDeps): Router {
  const router = Router();
  const mode = deps.livemode ? 'live' : 'test';
  const shown = new Set<string>(); // sessions whose permit this process has shown active
  let waiting = 0;

  router.get('/permit/style.css', (_req, res) => {
    res.type('css').set('Cache-Control', 'max-age=300').send(DRIVER_STYLESHEET);
  });

  const tracer = getTracer();
  router.get('/permit/:sessionId', (req, res) =>
    tracer.inSpan(SPAN.driverPage, driverPageSpan(), (span) => showPermit(req, res, span)),
  );

  async function showPermit(
    req: Request<{ sessionId: string }>,
    res: Response,
    span: ActiveSpan,
  ): Promise<void> {
    res.set({
      'Content-Security-Policy':
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'X-Robots-Tag': 'noindex, nofollow',
      'Cache-Control': 'no-store',
      Vary: 'Accept, Accept-Language',
    });
    const lang = chooseLanguage(req.get('accept-language'), req.query['lang']);
    const json = req.accepts(['html', 'json']) === 'json';
    const id = req.params['sessionId'] ?? '';
    const match = SESSION_ID.exec(id);
    if (!match || match[1] !== mode) return notFound(res, lang, json);
    span.setAttributes({ 'stripe.checkout_session.id': id });

    let job = await deps.ledger.getJob(id);
    // This load is a trace of its own, linked to the one that recorded the payment.
    span.link(job?.traceContext);
    // Not known, or waiting for a bank that may have confirmed without the webhook: ask Stripe.
    if (!job || job.state === 'awaiting_payment') {
      const verdict = deps.limits.take(id, req.ip ?? 'unknown', deps.now());
      if (verdict.ok) {
        const found = await lookUp(id, res, lang, json, span.traceparent);
        if (found === undefined) return;
        job = found;
      } else if (!job) {
        deps.metrics?.driverPage('rate_limited');
        res.set('Retry-After', String(verdict.retryAfterSeconds));
        return sendMessage(res, 429, 'tooMany', lang, json, verdict.retryAfterSeconds);
      }
    } else {
      deps.metrics?.driverPage('shown');
    }
    let view = driverView(job, deps.mapping, deps.now());
    if (view.state === 'on_its_way' && waiting < deps.maxWaiting) {
      waiting++;
      try {
        view = await waitForPermit(job, view);
      } finally {
        waiting--;
      }
    }
    if (view.state === 'active' && !shown.has(id)) {
      shown.add(id);
      if (shown.size > 10_000) shown.delete(shown.values().next().value!);
      // The moment of payment does not change once paid: the job read above has it.
      if (job.paidAt != null) deps.metrics?.permitShownOnPage(deps.now() / 1000 - job.paidAt);
    }
    return sendView(res, view, lang, json);
  }

  /** Stripe's answer for a session the ledger could not show; undefined when answered here. */
  async function lookUp(
    id: string,
    res: Response,
    lang: Language,
    json: boolean,
    traceContext: string | undefined,
  ) {
    try {
      const result = await fulfilFromPage(id, deps, traceContext);
      if (result.kind === 'not_found') {
        deps.metrics?.driverPage('not_found');
        deps.logger.info("driver's page: no such session", { sessionId: id, why: result.why });
        notFound(res, lang, json);
        return undefined;
      }
      deps.metrics?.driverPage('fulfilled');
      deps.logger.info("driver's page: payment read from Stripe and recorded", {
        sessionId: id,
        state: result.job.state,
      });
      return result.job;
    } catch (err) {
      if (!(err instanceof StripeApiError)) throw err;
      deps.metrics?.driverPage('stripe_unavailable');
      deps.logger.warn("driver's page: Stripe could not be read", {
        sessionId: id,
        error: describeError(err),
      });
      res.set('Retry-After', '15');
      sendMessage(res, 503, 'unavailable', lang, json, 15);
      return undefined;
    }
  }

  /**
   * The long poll: until the permit is made (or the job moves on), at most `waitMs`. Each
   * round only reads the row and looks at two fields; the view (a mapping) is made once, at
   * the end: a poll that mapped the session each round cost as much as making permits.
   */
  async function waitForPermit(job: Job, view: DriverView): Promise<DriverView> {
    const until = deps.now() + deps.waitMs;
    for (let round = 0; deps.now() < until; round++) {
      await sleep(Math.min(pollDelayMs(round), Math.max(0, until - deps.now())));
      const latest = await deps.ledger.getJob(job.sessionId);
      if (latest && (latest.state !== 'pending' || latest.opscom !== null)) {
        return driverView(latest, deps.mapping, deps.now());
      }
    }
    return view;
  }

  function notFound(res: Response, lang: Language, json: boolean): void {
    sendMessage(res, 404, 'notFound', lang, json, undefined);
  }

  function sendMessage(
    res: Response,
    status: number,
    which: 'notFound' | 'tooMany' | 'unavailable',
    lang: Language,
    json: boolean,
    refreshSeconds: number | undefined,
  ): void {
    if (json) {
      res.status(status).json({ error: which === 'notFound' ? 'not found' : which });
      return;
    }
    const page = messagePage(which, { ...pageOptions(lang), refreshSeconds });
    res.status(status).type('html').send(page.markup);
  }

  function sendView(res: Response, view: DriverView, lang: Language, json: boolean): void {
    if (json) {
      res.status(200).json(view);
      return;
    }
    const page = permitPage(view, { ...pageOptions(lang), refreshSeconds: refreshOf(view) });
    res.status(200).type('html').send(page.markup);
  }

  function pageOptions(lang: Language) {
    return { lang, operator: deps.operator, timezone: deps.mapping.timezone, nowMs: deps.now() };
  }

  return router;
}

/** Seconds before the page reloads itself: soon while on its way, none once final. */
function refreshOf(view: DriverView): number | undefined {
  if (view.final) return undefined;
  if (view.state === 'waiting_bank') return 60;
  return view.state === 'on_its_way' ? 3 : 5;
}
