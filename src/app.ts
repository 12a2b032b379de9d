import express, { type ErrorRequestHandler, type Express } from 'express';
import { describeError } from './errors';
import { createWebhookRouter, type WebhookRouteDeps } from './http/webhookRoute';

export type AppDeps = WebhookRouteDeps;

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
  app.use(createWebhookRouter(deps));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  const onError: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
    const status = (err as { status?: unknown }).status;
    if (status === 413) {
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
