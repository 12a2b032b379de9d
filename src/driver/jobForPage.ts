import type { Request, Response } from 'express';
import { describeError, StripeApiError } from '../errors';
import { addressKey } from '../http/loginThrottle';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics/metrics';
import type { Sites } from '../sites/site';
import type { Job } from '../store/ledger';
import type { ActiveSpan } from '../tracing/tracer';
import { sendMessage, type AnswerDeps, type Asked } from './driverAnswer';
import { fulfilFromPage, type KnownAccount, type PageFulfilmentDeps } from './fulfilFromPage';
import type { LookupLimits } from './lookupLimits';
import { answerFor, answerForHint, type SiteAnswerDeps } from './pageSite';

export interface JobForPageDeps extends PageFulfilmentDeps, SiteAnswerDeps {
  /** The configured sites: a session's site, and the one a success URL names (`?site=`). */
  sites?: Sites | undefined;
  limits: LookupLimits;
  logger: Logger;
  metrics?: Metrics | undefined;
}

/** Where a message page goes, in the driver's language, with whose name and contact. */
interface Reply {
  res: Response;
  asked: Asked;
  answer: AnswerDeps;
}

/**
 * The job the page shows: the ledger's, or (not known, or waiting for a bank that may have
 * confirmed without the webhook) Stripe's, rate limited. Undefined when already answered.
 */
export async function jobForPage(
  deps: JobForPageDeps,
  id: string,
  req: Request,
  res: Response,
  asked: Asked,
  span: ActiveSpan,
): Promise<Job | undefined> {
  const job = await deps.ledger.getJob(id);
  // This load is a trace of its own, linked to the one that recorded the payment.
  span.link(job?.traceContext);
  if (job && job.state !== 'awaiting_payment') {
    deps.metrics?.driverPage('shown');
    return job;
  }
  // A job waiting for its bank is read again as its own account; an unknown one as the
  // account of the site the success URL names (or the platform's).
  const known: KnownAccount = job
    ? { account: job.session.stripeAccount ?? undefined }
    : hintedAccount(deps.sites, req.query['site']);
  // Limited per account and id: a load naming the wrong site (or none) cannot hold up the
  // driver's own load naming the right one. An IPv6 address counts by its /64.
  const verdict = deps.limits.take(
    `${known.account ?? 'platform'}:${id}`,
    addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown'),
    deps.now(),
  );
  // A message page shows the job's site, else the one the success URL names.
  const answer = job ? answerFor(deps, job) : answerForHint(deps, req.query['site']);
  if (verdict.ok) return lookUp(deps, id, { res, asked, answer }, span.traceparent, known);
  if (job) return job;
  deps.metrics?.driverPage('rate_limited');
  res.set('Retry-After', String(verdict.retryAfterSeconds));
  sendMessage(answer, res, 429, 'tooMany', asked, verdict.retryAfterSeconds);
  return undefined;
}

/**
 * The connected account of the configured site `hint` names (`?site=north` on the success
 * URL); undefined (the platform) for anything else, so the URL can only pick among the
 * configured accounts. `hint` says, for the logs, what the URL named: `none`, `unknown`, or
 * the site's id.
 */
function hintedAccount(sites: Sites | undefined, hint: unknown): KnownAccount {
  if (hint === undefined) return { account: undefined, hint: 'none' };
  const site = typeof hint === 'string' ? sites?.byId.get(hint) : undefined;
  if (site === undefined) return { account: undefined, hint: 'unknown' };
  // A site of no connected account: the platform's session.
  if (site.stripeAccount === undefined) return { account: undefined, hint: site.id };
  return { account: site.stripeAccount, hint: site.id, platformToo: true };
}

/** Stripe's answer for a session the ledger could not show; undefined when answered here. */
async function lookUp(
  deps: JobForPageDeps,
  id: string,
  { res, asked, answer }: Reply,
  traceContext: string | undefined,
  known: KnownAccount,
): Promise<Job | undefined> {
  try {
    const result = await fulfilFromPage(id, deps, traceContext, known);
    if (result.kind === 'not_found') {
      deps.metrics?.driverPage('not_found');
      // Which account was read, and what the URL named: a Connect site's success URL without
      // its ?site= shows here as hint "none" and the platform read.
      deps.logger.info("driver's page: no such session", {
        sessionId: id,
        why: result.why,
        account: result.account ?? 'platform',
        siteHint: known.hint ?? 'job',
      });
      sendMessage(answer, res, 404, 'notFound', asked);
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
    // Tried again when this session's next lookup is allowed (not sooner: it would be 429).
    const retry = deps.limits.perIdSeconds;
    res.set('Retry-After', String(retry));
    sendMessage(answer, res, 503, 'unavailable', asked, retry);
    return undefined;
  }
}
