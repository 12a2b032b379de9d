import { STATUS_CODES } from 'node:http';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { TrustProxy } from './config';
import { createConsoleApp } from './console/consoleApp';
import type { ConsoleDeps } from './console/consoleDeps';
import { createDriverRouter, type DriverPageDeps } from './driver/driverRouter';
import { describeError, RequestRefusedError } from './errors';
import { answerRefusal } from './http/refusalResponse';
import { sameSecret } from './net/sameSecret';
import { createWebhookRouter, type WebhookRouteDeps } from './http/webhookRoute';
import type { AppLedger } from './store/callerLedgers';

export interface AppDeps extends WebhookRouteDeps {
  /** The webhook route's part of the ledger, and /readyz's ping. */
  ledger: AppLedger;
  /** GET /metrics needs `Authorization: Bearer <token>` when set (METRICS_TOKEN). */
  metricsToken?: string | undefined;
  /** The operator console at /console; absent (404) unless CONSOLE_PASSWORD is set. */
  console?: ConsoleDeps | undefined;
  /** The driver's page at /permit/:sessionId; absent (404) with DRIVER_PAGE=off. */
  driverPage?: DriverPageDeps | undefined;
  /** TRUST_PROXY: whose X-Forwarded-For gives the client's address (req.ip). */
  trustProxy?: TrustProxy | undefined;
  /** PUBLIC_URL is https: browsers are told to use nothing else (HSTS). */
  hsts?: boolean;
}

/**
 * A year, as browsers' preload lists expect. No `includeSubDomains`: other services may live
 * under the operator's domain, and this one cannot speak for them.
 */
const HSTS = 'max-age=31536000';

/**
 * The HTTP app and nothing else: no environment, no listening, no timers. Everything it needs
 * is passed in, so a test builds it with a real ledger file and fake peers.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);
  if (deps.hsts) {
    // On every answer: a browser keeps it for the host, whichever page it first reads it on.
    app.use((_req, res, next) => {
      res.set('Strict-Transport-Security', HSTS);
      next();
    });
  }
  app.get('/healthz', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  // Ready only while the ledger answers: a load balancer stops sending traffic meanwhile.
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.ledger.ping();
      res.status(200).json({ status: 'ready' });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', error: describeError(err) });
    }
  });
  const metrics = deps.metrics;
  if (metrics) {
    app.get('/metrics', async (req, res) => {
      if (
        deps.metricsToken !== undefined &&
        !bearerMatches(req.get('authorization'), deps.metricsToken)
      ) {
        res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'METRICS_TOKEN required' });
        return;
      }
      res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }
  if (deps.console) app.use('/console', createConsoleApp(deps.console));
  if (deps.driverPage) app.use(createDriverRouter(deps.driverPage));
  app.use(createWebhookRouter(deps));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    // A client's mistake found by Express or a router (a malformed URL, say): a 4xx with its
    // reason, counted, logged at warn at most; never a 500.
    const refusal = err instanceof RequestRefusedError ? err : clientMistake(err);
    if (refusal) {
      deps.refusals.refused('other', refusal.reason, { error: refusal.message, ip: req.ip });
      answerRefusal(req, res, refusal);
      return;
    }
    deps.logger.error('request failed', { error: describeError(err) });
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    res.status(500).json({ error: 'internal error' });
  };
  app.use(onError);
  return app;
}

/** An error Express or a router raised for a request it could not take (http-errors, 4xx). */
function clientMistake(err: unknown): RequestRefusedError | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  // Its own message may quote the request: the status's words say enough.
  return new RequestRefusedError(status, 'bad_request', STATUS_CODES[status] ?? 'Bad Request');
}

/** `Bearer <token>`, compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(header ?? '')?.[1];
  return given !== undefined && sameSecret(given, token);
}
