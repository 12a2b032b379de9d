import express, { type ErrorRequestHandler, type Express } from 'express';
import { createConsoleRouter, type ConsoleDeps } from './console/consoleRouter';
import { describeError } from './errors';
import { sameSecret } from './http/sameSecret';
import { createWebhookRouter, type WebhookRouteDeps } from './http/webhookRoute';

export interface AppDeps extends WebhookRouteDeps {
  /** GET /metrics needs `Authorization: Bearer <token>` when set (METRICS_TOKEN). */
  metricsToken?: string | undefined;
  /** The operator console at /console; absent (404) unless CONSOLE_PASSWORD is set. */
  console?: ConsoleDeps | undefined;
}

/**
 * The HTTP app and nothing else: no environment, no listening, no timers. Everything it needs
 * is passed in, so a test builds it with a real ledger file and fake peers.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
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
  if (deps.console) app.use('/console', createConsoleRouter(deps.console));
  app.use(createWebhookRouter(deps));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  const onError: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
    const status = (err as { status?: unknown }).status;
    if (status === 413) {
      metrics?.webhookRefused('too_large');
      res.status(413).json({ error: 'body too large' });
      return;
    }
    deps.logger.error('request failed', {
      error: err instanceof Error ? err.message : String(err),
    });
    res.status(500).json({ error: 'internal error' });
  };
  app.use(onError);
  return app;
}

/** `Bearer <token>`, compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(header ?? '')?.[1];
  return given !== undefined && sameSecret(given, token);
}
